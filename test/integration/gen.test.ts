// `npm run gen` is reproducible: generating again from the shipped .proto files gives
// exactly the committed src/api/gen (so nobody edits generated code by hand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function list(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

test('generated Envoy types match a fresh generation byte for byte', { timeout: 120_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'rig-gen-test-'));
  try {
    execFileSync(process.execPath, [join(root, 'scripts/gen-envoy.mjs')], { env: { ...process.env, RIG_GEN_OUT: out }, stdio: 'pipe' });
    const committed = join(root, 'src/api/gen');
    const a = list(committed);
    const b = list(out);
    assert.deepEqual(b, a, 'same set of files');
    assert.ok(a.length > 100);
    const differing = a.filter((f) => !readFileSync(join(committed, f)).equals(readFileSync(join(out, f))));
    assert.deepEqual(differing, [], 'no file differs; run `npm run gen` and commit');
    const validate = readFileSync(join(committed, 'validate/validate_pb.ts'), 'utf8');
    assert.match(validate, /ignoreEmpty/, 'the patched StringRules.ignore_empty is present');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
