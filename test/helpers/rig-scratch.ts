// A scratch checkout for testing bin/rig's choice between the proxy bundle and the sources:
// a copy of bin/rig, the real node_modules, and a "sources" main.ts that prints
// `sources <argv>`; the caller writes dist/ (a "bundle" that prints `bundle <argv>`) and
// its manifest. run() spawns that bin/rig and returns its exit status and output.
import { after } from 'node:test';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './process.js';

export interface RigScratch {
  dir: string;
  run(args: string[], env?: Record<string, string>): { status: number | null; out: string; err: string };
}

/** Creates the checkout (removed after the test file) with empty bin/, dist/ and src/cli/main.ts. */
export function rigScratch(prefix: string): RigScratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist'));
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  copyFileSync(join(ROOT, 'bin', 'rig'), join(dir, 'bin', 'rig'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), "export async function main(argv: string[]): Promise<void> {\n  console.log(`sources ${argv.join(' ')}`);\n}\n");
  return {
    dir,
    run(args, env = {}) {
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'rig'), ...args], { encoding: 'utf8', env: { ...process.env, RIG_BUNDLE: '', ...env } });
      return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
    },
  };
}
