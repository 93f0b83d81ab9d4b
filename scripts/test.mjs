#!/usr/bin/env node
// Runs the test suite with Node's built-in runner and the tsx loader.
// Usage: npm test [-- PATTERN...]   (a pattern filters test files by substring)
// Test files: src/**/*.test.ts and bench/**/*.test.ts (units beside their code) and test/**/*.test.ts.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === 'gen' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) collect(p, out);
    else if (e.name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files = [...collect(join(root, 'src'), []), ...collect(join(root, 'bench'), []), ...collect(join(root, 'test'), [])].sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('test: no test files matched');
  process.exit(1);
}
// A full run type-checks first: tsx strips types without checking them.
if (filters.length === 0 && !process.env.RIG_SKIP_TYPECHECK) {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('test: type check failed');
    process.exit(1);
  }
}
const concurrency = process.env.RIG_TEST_CONCURRENCY ?? '2';
const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...passThrough, ...files];
const env = { ...process.env, RIG_LOG_LEVEL: process.env.RIG_LOG_LEVEL ?? 'warn' };
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);
