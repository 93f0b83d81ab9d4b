// Golden files: every test/golden/cases/<name>/ is translated for each `<type>.golden.json`
// it has and compared byte for byte; a second translation from reversed inputs must give
// the same bytes. RIG_UPDATE_GOLDEN=1 rewrites the golden files (see harness.ts);
// RIG_GOLDEN_CASE=<substring> narrows the run to matching cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { caseDirs, generators, goldenTypes, loadGenerator, runCase } from './harness.js';

const update = process.env.RIG_UPDATE_GOLDEN === '1';
/** RIG_GOLDEN_CASE=substring runs (and updates) only the cases whose name contains it. */
const only = process.env.RIG_GOLDEN_CASE;

for (const dir of caseDirs().filter((d) => !only || basename(d).includes(only))) {
  const name = basename(dir);
  test(`golden ${name}`, async (t) => {
    assert.ok(goldenTypes(dir).length > 0, `${name}: no <type>.golden.json; create an empty one (e.g. clusters.golden.json) and run RIG_UPDATE_GOLDEN=1 npm test -- golden`);
    for (const r of await runCase(dir, { update })) {
      if (r.skipped) {
        t.diagnostic(`${name}/${r.type}: skipped, ${r.skipped}`);
        continue;
      }
      assert.equal(r.nondeterministic, undefined, `${name}/${r.type}: output depends on input order`);
      assert.equal(r.actual, r.expected, `${name}/${r.type}: output differs from ${basename(r.file)} (RIG_UPDATE_GOLDEN=1 npm test -- golden to accept)`);
    }
  });
}

test('golden harness: generators whose module does not exist are skipped', async () => {
  generators.missing = { schema: generators.clusters!.schema, module: 'src/control/translate/no-such-generator.ts', export: 'build' };
  try {
    assert.equal(await loadGenerator('missing'), undefined);
    assert.equal(typeof (await loadGenerator('clusters')), 'function');
    assert.equal(typeof (await loadGenerator('listeners')), 'function');
  } finally {
    delete generators.missing;
  }
});

test('golden harness: every case directory has an input.yaml', () => {
  for (const dir of caseDirs()) assert.ok(existsSync(join(dir, 'input.yaml')), `${basename(dir)}: no input.yaml`);
});
