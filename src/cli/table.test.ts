// kubectl-style columns and the -o formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { formatStructured, formatTable, outputFormat } from './table.js';
import { UsageError } from './args.js';

test('columns are as wide as their widest cell plus three spaces, with no trailing blanks', () => {
  const out = formatTable(['NAME', 'CDS', 'VERSION'], [
    ['productpage-v1-1.default', 'SYNCED', '0.1.0'],
    ['a.b', 'NOT SENT', ''],
  ]);
  assert.equal(
    out,
    'NAME                       CDS        VERSION\n' +
      'productpage-v1-1.default   SYNCED     0.1.0\n' +
      'a.b                        NOT SENT\n',
  );
});

test('empty cells print as the blank given; numbers print as text; missing cells count as empty', () => {
  const out = formatTable(['A', 'B', 'C'], [[1, undefined], ['x', null, 'z']], { blank: '-' });
  assert.deepEqual(out.split('\n'), ['A   B   C', '1   -   -', 'x   -   z', '']);
});

test('a table of no rows is its header; width counts characters, not bytes', () => {
  assert.equal(formatTable(['NAME', 'STATUS'], []), 'NAME   STATUS\n');
  assert.equal(formatTable(['X', 'Y'], [['✔✔', 'ok']]), 'X    Y\n✔✔   ok\n');
});

test('-o accepts the formats a command offers and names them otherwise', () => {
  assert.equal(outputFormat(undefined), 'table');
  assert.equal(outputFormat('json'), 'json');
  assert.equal(outputFormat('yaml'), 'yaml');
  assert.throws(() => outputFormat('wide'), (e: Error) => e instanceof UsageError && /unknown output format "wide"; use one of: json, yaml/.test(e.message));
  assert.equal(outputFormat('wide', ['json', 'wide']), 'wide');
});

test('json and yaml carry the same data', () => {
  const data = { items: [{ name: 'reviews', port: 9080 }] };
  assert.deepEqual(JSON.parse(formatStructured(data, 'json')), data);
  assert.deepEqual(parseYaml(formatStructured(data, 'yaml')), data);
});
