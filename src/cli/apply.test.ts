// Reading manifests for `rig apply`/`rig delete`: files, directories, stdin, the flags that
// carry them, one atomic request for many files, and server messages mapped back to files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseArgs, UsageError } from './args.js';
import { applyCommand, objectName, readManifestInputs, requestBody } from './apply.js';
import { CliError } from './errors.js';
import { parseManifests } from '../api/istio/parse.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-apply-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const vs = (name: string, host = name) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\nspec:\n  hosts: [${host}]\n  http:\n  - route:\n    - destination: {host: ${host}}\n`;

test('-f repeats, takes - for stdin, and -n/-o/--monitoring-address parse as flags', () => {
  const p = parseArgs(['-f', 'a.yaml', '--filename=b.yaml', '-f', '-', '-n', 'bookinfo', '-o', 'json', '--monitoring-address', '127.0.0.1:1'], applyCommand.flags);
  assert.deepEqual(p.flags.filename, ['a.yaml', 'b.yaml', '-']);
  assert.equal(p.flags.namespace, 'bookinfo');
  assert.equal(p.flags.output, 'json');
  assert.deepEqual(p.positional, []);
  assert.throws(() => parseArgs(['-f'], applyCommand.flags), /flag --filename needs a value/);
  assert.throws(() => parseArgs(['--recursive'], applyCommand.flags), /unknown flag --recursive/);
});

test('a directory gives its .yaml, .yml and .json files in name order; other files are skipped', () => {
  const d = join(dir, 'config');
  mkdirSync(join(d, 'nested'), { recursive: true });
  writeFileSync(join(d, 'b.yml'), vs('b'));
  writeFileSync(join(d, 'a.yaml'), vs('a'));
  writeFileSync(join(d, 'c.json'), '{}');
  writeFileSync(join(d, 'README.md'), '# not config');
  writeFileSync(join(d, 'nested', 'd.yaml'), vs('d'));
  assert.deepEqual(readManifestInputs([d]).map((i) => i.name), [join(d, 'a.yaml'), join(d, 'b.yml'), join(d, 'c.json')]);
});

test('missing paths, empty directories, no -f and stdin twice are errors that say what to give', () => {
  assert.throws(() => readManifestInputs([join(dir, 'nope.yaml')]), (e: Error) => e instanceof CliError && /does not exist; give a file, a directory/.test(e.message));
  mkdirSync(join(dir, 'empty'));
  assert.throws(() => readManifestInputs([join(dir, 'empty')]), /has no \.yaml, \.yml, \.json files/);
  assert.throws(() => readManifestInputs([]), (e: Error) => e instanceof UsageError && /-f FILE/.test(e.message));
  assert.throws(() => readManifestInputs(['-', '-'], () => ''), /only once/);
  assert.deepEqual(readManifestInputs(['-'], () => vs('s')), [{ name: '-', text: vs('s') }]);
});

test('one file goes as written; several go as one List per file, and server errors name the file and document', () => {
  const single = requestBody([{ name: 'x.yaml', text: vs('x') }]);
  assert.equal(single.source, 'x.yaml');
  assert.equal(single.body, vs('x'));

  const good = { name: 'good.yaml', text: vs('a') + '---\n' + vs('b') };
  const bad = { name: 'bad.yaml', text: '---\n' + vs('c') + '---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: d}\nspec:\n  hosts: [d]\n  http:\n  - route:\n    - destination: {hostx: d}\n' };
  const req = requestBody([good, bad]);
  const docs = parseAllDocuments(req.body);
  assert.equal(docs.length, 2, 'one document per file');
  // What the server answers for this body, mapped back to the user's files.
  const r = parseManifests(req.body, req.source);
  assert.equal(r.ok, false);
  const errors = (r as { errors: string[] }).errors.map(req.rename);
  assert.ok(errors.length > 0);
  for (const e of errors) assert.match(e, /^bad\.yaml: document 2: VirtualService default\/d: spec\.http\[0\]\.route\[0\]\.destination\.host/);
  assert.equal(req.rename(`${req.source}: no objects passed to apply`), 'good.yaml, bad.yaml: no objects passed to apply');
});

test('a List inside a file keeps its items[] in messages; a YAML error is reported before anything is sent', () => {
  const list = { name: 'list.yaml', text: `apiVersion: v1\nkind: List\nitems:\n- ${vs('a').replace(/\n/g, '\n  ').trimEnd()}\n- {apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {name: b}, spec: {hosts: [b], http: [{route: [{destination: {}}]}]}}\n` };
  const req = requestBody([{ name: 'other.yaml', text: vs('o') }, list]);
  const r = parseManifests(req.body, req.source);
  assert.equal(r.ok, false);
  assert.match((r as { errors: string[] }).errors.map(req.rename)[0]!, /^list\.yaml: document 1: items\[1\]: VirtualService default\/b: /);
  assert.throws(() => requestBody([{ name: 'a.yaml', text: vs('a') }, { name: 'broken.yaml', text: 'a: [1, 2\nb: c' }]), (e: Error) => e instanceof CliError && /broken\.yaml: document 1: \d+:\d+: /.test(e.message) && /nothing was sent/.test(e.message));
});

test('objects are named as kubectl names them', () => {
  assert.equal(objectName({ kind: 'VirtualService', name: 'reviews' }), 'virtualservice.networking.istio.io/reviews');
  assert.equal(objectName({ kind: 'PeerAuthentication', name: 'default' }), 'peerauthentication.security.istio.io/default');
  assert.equal(objectName({ kind: 'Service', name: 'reviews' }), 'service/reviews');
  assert.equal(objectName({ kind: 'Namespace', name: 'bookinfo' }), 'namespace/bookinfo');
});
