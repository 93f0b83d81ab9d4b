#!/usr/bin/env node
// Generates typed TypeScript (protobuf-es) for the Envoy v3 / xDS messages Rigging uses.
//
// Source: the .proto files shipped inside @grpc/grpc-js-xds (deps/). They are copied to a
// scratch directory, the copy of validate.proto is patched (StringRules gains field 26,
// `ignore_empty`, which envoy-api uses but the shipped validate.proto predates), and
// `buf generate` runs protoc-gen-es over the roots listed below plus their imports.
// Output: src/api/gen/ (do not edit by hand). Re-run with `npm run gen`; the output is
// deterministic, so a second run changes nothing.
import { cpSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const xdsPkg = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const deps = join(xdsPkg, 'deps');
const work = mkdtempSync(join(tmpdir(), 'rig-gen-'));
// RIG_GEN_OUT lets a test generate into a scratch directory and compare with the committed copy.
const out = resolve(process.env.RIG_GEN_OUT ?? join(root, 'src/api/gen'));

// Roots: every message Rigging builds or reads. Imports are pulled in automatically.
const ROOTS = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/status/v3/csds.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/admin/v3/config_dump.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/random/v3/random.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/maglev/v3/maglev.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/pick_first/v3/pick_first.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto',
];

const MODULES = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'];

function patchValidate(file) {
  const src = readFileSync(file, 'utf8');
  if (/ignore_empty\s*=\s*26/.test(src)) return;
  const marker = 'optional bool strict = 25 [default = true];';
  if (!src.includes(marker)) throw new Error(`gen: cannot find StringRules.strict in ${file}; update the patch`);
  writeFileSync(
    file,
    src.replace(marker, `${marker}\n\n    // Added by Rigging's generator: envoy-api uses it; the shipped copy predates it.\n    optional bool ignore_empty = 26;`),
  );
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
for (const m of MODULES) cpSync(join(deps, m), join(work, m), { recursive: true });
patchValidate(join(work, 'protoc-gen-validate/validate/validate.proto'));

const pluginPath = join(root, 'node_modules/.bin/protoc-gen-es');
if (!existsSync(pluginPath)) throw new Error('gen: protoc-gen-es not installed; run npm install');
writeFileSync(
  join(work, 'buf.yaml'),
  ['version: v2', 'modules:', ...MODULES.map((m) => `  - path: ${m}`), 'lint:', '  use: []', ''].join('\n'),
);
writeFileSync(
  join(work, 'buf.gen.yaml'),
  [
    'version: v2',
    'plugins:',
    `  - local: ${pluginPath}`,
    `    out: ${out}`,
    '    include_imports: true',
    '    opt:',
    '      - target=ts',
    '      - import_extension=js',
    '',
  ].join('\n'),
);

rmSync(out, { recursive: true, force: true });
const buf = join(root, 'node_modules/.bin/buf');
const args = ['generate', '--template', 'buf.gen.yaml'];
for (const r of ROOTS) args.push('--path', join('envoy-api', r));
execFileSync(buf, args, { cwd: work, stdio: 'inherit' });
rmSync(work, { recursive: true, force: true });
writeRegistry();
console.log(`gen: wrote ${out}`);

// registry.ts: every generated file descriptor, so JSON output (config_dump) can expand Anys.
function writeRegistry() {
  const files = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('_pb.ts')) {
        const m = /export const (file_[A-Za-z0-9_]+): GenFile/.exec(readFileSync(p, 'utf8'));
        if (m) files.push({ rel: './' + p.slice(out.length + 1).replace(/\.ts$/, '.js'), id: m[1] });
      }
    }
  };
  walk(out);
  const lines = [
    '// @generated by scripts/gen-envoy.mjs: every generated file, for JSON encoding of Any fields.',
    '/* eslint-disable */',
    "import { createRegistry, type Registry } from '@bufbuild/protobuf';",
    ...files.map((f) => `import { ${f.id} } from '${f.rel}';`),
    '',
    'export const envoyRegistry: Registry = createRegistry(',
    ...files.map((f) => `  ${f.id},`),
    ');',
    '',
  ];
  writeFileSync(join(out, 'registry.ts'), lines.join('\n'));
}
