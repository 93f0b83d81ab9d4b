#!/usr/bin/env node
// Builds dist/rig-proxy.mjs: `rig proxy` as one ES module bundled by esbuild, so the proxy
// runs without the tsx loader (≈ 70 MB less resident memory per sidecar and a faster start).
// Run by `npm run build:proxy` and by npm's `prepare` (after `npm ci` / `npm install`).
//
// Beside the bundle it writes dist/rig-proxy.json, the manifest bin/rig checks before using
// the bundle: every input file (sources, package.json, the dependencies' files, this
// script) with its size, mtime and SHA-256. A checkout whose sources changed since the
// build falls back to the sources through tsx, so an edited proxy never runs from a stale
// bundle.
//
// Stack traces: the bundle is not minified, so function names and code read as in src/; a
// source map is written beside it, which RIG_SOURCE_MAPS=1 makes bin/rig apply (it costs
// ≈ 20 MB, so it is off by default).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'rig-proxy.mjs');
const manifestPath = join(dist, 'rig-proxy.json');

const pkgPath = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));

const started = Date.now();
mkdirSync(dist, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/proxy.ts'],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // No keepNames: it wraps every named closure in a defineProperty call, per request on the
  // hot path; the bundle is not minified, so names survive (the few renamed on collisions
  // are mapped back by the source map).
  keepNames: false,
  metafile: true,
  write: false,
  logLevel: 'warning',
  legalComments: 'none',
  // Bundled CommonJS dependencies (grpc-js) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __rigCreateRequire } from 'node:module';\nconst require = __rigCreateRequire(import.meta.url);" },
  plugins: [
    {
      // src/shared/version.ts reads ../../package.json relative to itself, which the bundle
      // is not beside: inline the version (package.json is an input of the manifest).
      name: 'rig-version',
      setup(b) {
        b.onLoad({ filter: /[\\/]src[\\/]shared[\\/]version\.ts$/ }, () => ({
          contents: `// Inlined by scripts/build-proxy.mjs.\nexport const VERSION: string = ${JSON.stringify(pkg.version)};\n`,
          loader: 'ts',
        }));
      },
    },
  ],
});

for (const f of result.outputFiles) {
  // V8 keeps a module's source in memory, as one-byte Latin-1 only if every character fits:
  // a single "→" left in a comment doubles it (≈ 2 MB). esbuild escapes non-ASCII in code
  // but keeps comments as written, so escape what remains (it can only be in comments).
  const text = f.path.endsWith('.mjs') ? f.text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : f.text;
  writeFileSync(f.path, text);
}

const inputs = {};
// The inputs esbuild read, package.json (the inlined version) and this script (how they were bundled).
const files = new Set([...Object.keys(result.metafile.inputs).map((f) => resolve(root, f)), pkgPath, fileURLToPath(import.meta.url)]);
for (const file of [...files].sort()) {
  const st = statSync(file);
  inputs[relative(root, file)] = { size: st.size, mtimeMs: st.mtimeMs, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}
const manifest = { bundle: 'rig-proxy.mjs', builtAt: new Date().toISOString(), node: process.version, inputs };
// Written last and atomically: a bundle without its manifest is never used.
writeFileSync(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 1) + '\n');
renameSync(`${manifestPath}.tmp`, manifestPath);
const kb = Math.round(statSync(out).size / 1024);
process.stdout.write(`build-proxy: ${relative(root, out)} (${kb} KiB, ${Object.keys(inputs).length} inputs) in ${Date.now() - started} ms\n`);
