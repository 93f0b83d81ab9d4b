// bin/rig's choice between the proxy bundle (dist/rig-proxy.mjs) and the sources: the
// bundle runs `rig proxy` only while every input recorded in its manifest is unchanged, so
// an edited checkout never runs a stale proxy; RIG_BUNDLE=0/1 force either way. Runs a copy
// of bin/rig in a scratch checkout whose "bundle" and "sources" just say which one ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rigScratch } from '../helpers/rig-scratch.js';

const scratch = rigScratch('rig-bundle-');
const dir = scratch.dir;
writeFileSync(join(dir, 'dist', 'rig-proxy.mjs'), "export async function proxyMain(argv) {\n  console.log(`bundle ${argv.join(' ')}`);\n}\n");
const input = join(dir, 'src', 'proxy.ts');
writeFileSync(input, 'export const x = 1;\n');
const st = statSync(input);
const sha256 = createHash('sha256').update('export const x = 1;\n').digest('hex');
writeFileSync(join(dir, 'dist', 'rig-proxy.json'), JSON.stringify({ inputs: { 'src/proxy.ts': { size: st.size, mtimeMs: st.mtimeMs, sha256 } } }));

function run(args: string[], env: Record<string, string> = {}): { out: string; err: string } {
  const r = scratch.run(args, env);
  assert.equal(r.status, 0, r.err);
  return { out: r.out, err: r.err };
}

test('a fresh bundle runs `rig proxy`; other commands and --help run the sources', () => {
  assert.equal(run(['proxy', '--config', 'x.yaml']).out, 'bundle proxy --config x.yaml');
  assert.equal(run(['version']).out, 'sources version');
  assert.equal(run(['proxy', '--help']).out, 'sources proxy --help');
  assert.equal(run(['proxy'], { RIG_BUNDLE: '0' }).out, 'sources proxy');
});

test('an input touched but unchanged keeps the bundle; an edited one falls back to the sources', () => {
  utimesSync(input, new Date(), new Date(Date.now() + 5000));
  assert.equal(run(['proxy']).out, 'bundle proxy', 'same content, newer mtime');
  writeFileSync(input, 'export const x = 2;\n');
  assert.equal(run(['proxy']).out, 'sources proxy', 'a stale bundle never runs by default');
  const forced = run(['proxy'], { RIG_BUNDLE: '1' });
  assert.equal(forced.out, 'bundle proxy');
  assert.match(forced.err, /RIG_BUNDLE=1: running dist\/rig-proxy\.mjs although it is stale \(src\/proxy\.ts changed\)/);
  rmSync(input);
  assert.equal(run(['proxy']).out, 'sources proxy', 'a deleted input makes it stale too');
});

test('without a manifest the sources run', () => {
  rmSync(join(dir, 'dist', 'rig-proxy.json'));
  assert.equal(run(['proxy']).out, 'sources proxy');
});
