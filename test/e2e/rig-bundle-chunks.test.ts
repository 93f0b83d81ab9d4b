// bin/rig and the chunks of the proxy bundle: dist/rig-proxy.mjs imports some of its code
// from dist/rig-proxy-*.mjs files listed in the manifest, and bin/rig runs the bundle only
// when every listed chunk is there, else the sources. Runs a copy of bin/rig in a scratch
// checkout whose "bundle" and "sources" just say which one ran.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-bundle-chunks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

mkdirSync(join(dir, 'bin'));
mkdirSync(join(dir, 'dist'));
mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
copyFileSync(join(ROOT, 'bin', 'rig'), join(dir, 'bin', 'rig'));
symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
writeFileSync(join(dir, 'src', 'cli', 'main.ts'), "export async function main(argv: string[]): Promise<void> {\n  console.log(`sources ${argv.join(' ')}`);\n}\n");
const chunk = 'rig-proxy-chunk-TEST1234.mjs';
writeFileSync(join(dir, 'dist', chunk), "export const from = 'bundle';\n");
writeFileSync(join(dir, 'dist', 'rig-proxy.mjs'), `import { from } from './${chunk}';\nexport async function proxyMain(argv) {\n  console.log(\`\${from} \${argv.join(' ')}\`);\n}\n`);
writeFileSync(join(dir, 'dist', 'rig-proxy.json'), JSON.stringify({ chunks: [chunk], inputs: {} }));

function run(args: string[], env: Record<string, string> = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'rig'), ...args], { encoding: 'utf8', env: { ...process.env, RIG_BUNDLE: '', ...env } });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

test('the bundle runs with its chunks; a missing chunk makes it stale and the sources run', () => {
  assert.equal(run(['proxy', '--config', 'x.yaml']).out, 'bundle proxy --config x.yaml');
  rmSync(join(dir, 'dist', chunk));
  const r = run(['proxy', '--config', 'x.yaml']);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, 'sources proxy --config x.yaml', 'never a bundle that cannot load');
  const forced = run(['proxy'], { RIG_BUNDLE: '1' });
  assert.match(forced.err, /RIG_BUNDLE=1: running dist\/rig-proxy\.mjs although it is stale \(dist\/rig-proxy-chunk-TEST1234\.mjs is missing \(run `npm run build:proxy`\)\)/);
});
