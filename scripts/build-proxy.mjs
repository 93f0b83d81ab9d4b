#!/usr/bin/env node
// Builds dist/rig-proxy.mjs: `rig proxy` as ES modules bundled by esbuild, so the proxy runs
// without the tsx loader (≈ 70 MB less resident memory per sidecar and a faster start).
// Run by `npm run build:proxy` and by npm's `prepare` (after `npm ci` / `npm install`).
//
// Beside the bundle it writes dist/rig-proxy.json, the manifest bin/rig checks before using
// the bundle: every input file (sources, package.json, the dependencies' files, this
// script) with its size, mtime and SHA-256, and the bundle's chunks. A checkout whose
// sources changed since the build falls back to the sources through tsx, so an edited proxy
// never runs from a stale bundle.
//
// Memory of an idle sidecar (V8 keeps every loaded module's source text, and compiles what
// a module runs at load):
// - Code splitting: what the proxy imports only when it needs it (`await import()`) is a
//   chunk of its own, dist/rig-proxy-<name>-<hash>.mjs, read only then. A proxy with a static
//   config never reads gRPC (the xDS client's ADS stream), a sidecar configured over xDS
//   never reads the YAML parser (the bootstrap file). Chunks of the previous build stay
//   beside the new ones, so a proxy started before a rebuild still finds its own.
// - Whitespace is minified (names are not: stack traces keep function names).
// - The protobuf descriptors embedded in the generated code lose their options' extension
//   values, which the proxy never reads (rig-descriptor-options).
// Measured, RSS of an idle proxy with a small static config: splitting ≈ -5 MB, the other
// two ≈ -0.5 MB together (bench scenario proxy-memory).
//
// Stack traces: lines are long (whitespace is minified) but function names read as in src/;
// a source map is written beside each file, which RIG_SOURCE_MAPS=1 makes bin/rig apply (it
// costs ≈ 20 MB, so it is off by default).
import { build } from 'esbuild';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { base64Decode, base64Encode } from '@bufbuild/protobuf/wire';
import {
  EnumOptionsSchema,
  EnumValueOptionsSchema,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  FileOptionsSchema,
  MessageOptionsSchema,
  MethodOptionsSchema,
  OneofOptionsSchema,
  ServiceOptionsSchema,
} from '@bufbuild/protobuf/wkt';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'rig-proxy.mjs');
const manifestPath = join(dist, 'rig-proxy.json');
/** Chunk files: dist/rig-proxy-<name>-<hash>.mjs (and their .map). */
const CHUNK = /^rig-proxy-.+\.mjs(\.map)?$/;

/** A base64 FileDescriptorProto without the unknown fields (extension values) of its options. */
function withoutOptionExtensions(b64) {
  const schemas = new Map(
    [FileOptionsSchema, MessageOptionsSchema, FieldOptionsSchema, OneofOptionsSchema, EnumOptionsSchema, EnumValueOptionsSchema, ServiceOptionsSchema, MethodOptionsSchema].map((s) => [s.typeName, s]),
  );
  const strip = (holder) => {
    const o = holder.options;
    if (!o) return;
    delete o.$unknown;
    // Options left with no field set (all they held were extensions) go altogether.
    if (toBinary(schemas.get(o.$typeName), o).length === 0) holder.options = undefined;
  };
  const message = (m) => {
    strip(m);
    m.field.forEach(strip);
    m.extension.forEach(strip);
    m.oneofDecl.forEach(strip);
    m.nestedType.forEach(message);
    m.enumType.forEach(enumeration);
  };
  const enumeration = (e) => {
    strip(e);
    e.value.forEach(strip);
  };
  const file = fromBinary(FileDescriptorProtoSchema, base64Decode(b64));
  strip(file);
  file.messageType.forEach(message);
  file.enumType.forEach(enumeration);
  file.extension.forEach(strip);
  for (const s of file.service) {
    strip(s);
    s.method.forEach(strip);
  }
  return base64Encode(toBinary(FileDescriptorProtoSchema, file));
}

const pkgPath = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));

const started = Date.now();
mkdirSync(dist, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { 'rig-proxy': 'src/cli/proxy.ts' },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'rig-proxy-[name]-[hash]',
  bundle: true,
  splitting: true,
  minifyWhitespace: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // No keepNames: it wraps every named closure in a defineProperty call, per request on the
  // hot path; identifiers are not minified, so names survive (the few renamed on collisions
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
      // The descriptors embedded in the generated code (src/api/gen/**/*_pb.ts) without the
      // options' extension values (validate rules, udpa/envoy annotations): the proxy reads
      // none of them, and decoded they are objects every sidecar would hold (see the top).
      name: 'rig-descriptor-options',
      setup(b) {
        b.onLoad({ filter: /[\\/]src[\\/]api[\\/]gen[\\/].*_pb\.ts$/ }, (a) => ({
          contents: readFileSync(a.path, 'utf8').replace(/\bfileDesc\("([A-Za-z0-9+/=]+)"/, (_, b64) => `fileDesc("${withoutOptionExtensions(b64)}"`),
          loader: 'ts',
        }));
      },
    },
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

// The entry last: a proxy starting meanwhile finds every chunk the new entry imports.
const entryLast = [...result.outputFiles].sort((a, b) => Number(a.path === out) - Number(b.path === out));
for (const f of entryLast) {
  // V8 keeps a module's source in memory, as one-byte Latin-1 only if every character fits:
  // a single "→" left in a comment doubles it (≈ 2 MB). esbuild escapes non-ASCII in code
  // but keeps comments as written, so escape what remains (it can only be in comments).
  const text = f.path.endsWith('.mjs') ? f.text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : f.text;
  writeFileSync(f.path, text);
}

// Chunks that are neither this build's nor the previous one's are removed; the previous
// build's stay for proxies that started from it and import a chunk later (/config_dump).
const outputs = result.outputFiles.map((f) => relative(dist, f.path)).filter((f) => f.endsWith('.mjs'));
let previous = [];
try {
  previous = JSON.parse(readFileSync(manifestPath, 'utf8')).chunks ?? [];
} catch {
  /* first build */
}
const keep = new Set([...outputs, ...previous].flatMap((f) => [f, `${f}.map`]));
for (const f of readdirSync(dist)) if (CHUNK.test(f) && !keep.has(f)) rmSync(join(dist, f), { force: true });

const inputs = {};
// The inputs esbuild read, package.json (the inlined version) and this script (how they were bundled).
const files = new Set([...Object.keys(result.metafile.inputs).map((f) => resolve(root, f)), pkgPath, fileURLToPath(import.meta.url)]);
for (const file of [...files].sort()) {
  const st = statSync(file);
  inputs[relative(root, file)] = { size: st.size, mtimeMs: st.mtimeMs, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}
// Each file of this build: bin/rig uses the bundle only when they are all there.
const chunks = outputs.filter((f) => f !== 'rig-proxy.mjs').sort();
const manifest = { bundle: 'rig-proxy.mjs', chunks, builtAt: new Date().toISOString(), node: process.version, inputs };
// Written last and atomically: a bundle without its manifest is never used.
writeFileSync(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 1) + '\n');
renameSync(`${manifestPath}.tmp`, manifestPath);
const kb = Math.round(statSync(out).size / 1024);
const chunkKb = Math.round(chunks.reduce((n, f) => n + statSync(join(dist, f)).size, 0) / 1024);
process.stdout.write(`build-proxy: ${relative(root, out)} (${kb} KiB + ${chunks.length} chunks, ${chunkKb} KiB; ${Object.keys(inputs).length} inputs) in ${Date.now() - started} ms\n`);
