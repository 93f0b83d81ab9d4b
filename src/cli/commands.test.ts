import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, loadAll } from './commands.js';

test("every command table entry loads its command, with the same name and summary", async () => {
  for (const e of COMMANDS) {
    const c = await e.load();
    assert.equal(c.name, e.name);
    assert.equal(c.summary, e.summary, `summary of ${e.name}`);
  }
});

test('completion sees every listed command and not the hidden ones', async () => {
  const names = (await loadAll()).map((c) => c.name).sort();
  assert.deepEqual(names, COMMANDS.filter((c) => !c.hidden).map((c) => c.name).sort());
});
