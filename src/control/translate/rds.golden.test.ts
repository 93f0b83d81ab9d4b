// Golden files for RDS: every test/golden/cases/rds-*/input.yaml → routes.golden.json
// (the proxy's RouteConfigurations as Envoy JSON). RIG_UPDATE_GOLDEN=1 rewrites them.
//
// STAND-IN until test/golden/harness.ts exists: once it does, register
// `routes: buildRoutes` in its `generators`, convert these inputs to its format if it
// differs, and delete this file.
//
// input.yaml: multi-document YAML. Istio resources as in Istio's docs; core v1 Services
// (protocol from appProtocol or the port name prefix, as Istio selects it; clusterIP is
// the VIP); plus two documents that only tests have:
//   kind: Proxy       spec: { type: sidecar|router|grpc, labels, ips }  (metadata.namespace)
//   kind: MeshConfig  spec: partial MeshConfig (e.g. outboundTrafficPolicy)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJson } from '@bufbuild/protobuf';
import { parseAllDocuments } from 'yaml';
import { RouteConfigurationSchema } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import { envoyRegistry } from '../../api/gen/registry.js';
import type { Resource } from '../../api/istio/meta.js';
import type { ServiceSpec } from '../../api/istio/core.js';
import { defaultMeshConfig, type MeshConfig } from '../model/mesh.js';
import type { Proxy, ProxyType } from '../model/proxy.js';
import type { Protocol, Service } from '../registry/model.js';
import { StaticRegistry } from '../registry/static.js';
import { buildPushContext } from '../snapshot/build.js';
import { buildRoutes } from './rds.js';

const CASES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/golden/cases');

const PROTOCOLS: Record<string, Protocol> = {
  http: 'HTTP',
  http2: 'HTTP2',
  https: 'HTTPS',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-WEB',
  tls: 'TLS',
  tcp: 'TCP',
  mongo: 'MONGO',
  redis: 'REDIS',
  mysql: 'MYSQL',
  udp: 'UDP',
};

/** Istio's protocol selection: appProtocol, else the port name's prefix (`http-web` → HTTP), else auto-detect. */
function protocolOf(name: string | undefined, appProtocol: string | undefined): Protocol {
  if (appProtocol && PROTOCOLS[appProtocol.toLowerCase()]) return PROTOCOLS[appProtocol.toLowerCase()]!;
  const prefix = (name ?? '').toLowerCase().split('-')[0]!;
  if (prefix === 'grpc' && (name ?? '').toLowerCase().startsWith('grpc-web')) return 'GRPC-WEB';
  return PROTOCOLS[prefix] ?? 'UNKNOWN';
}

function k8sService(r: Resource<ServiceSpec>, clusterDomain: string): Service {
  const ns = r.metadata.namespace ?? 'default';
  return {
    hostname: `${r.metadata.name}.${ns}.svc.${clusterDomain}`,
    namespace: ns,
    name: r.metadata.name,
    ports: (r.spec.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: protocolOf(p.name, p.appProtocol) })),
    addresses: r.spec.clusterIP && r.spec.clusterIP !== 'None' ? [r.spec.clusterIP] : [],
    resolution: r.spec.clusterIP === 'None' ? 'PASSTHROUGH' : 'STATIC',
    meshExternal: false,
    exportTo: ['*'],
    labels: r.metadata.labels ?? {},
    origin: { kind: 'Service', namespace: ns, name: r.metadata.name },
  };
}

interface ProxySpec {
  type?: ProxyType;
  labels?: Record<string, string>;
  ips?: string[];
}

function load(dir: string): { push: ReturnType<typeof buildPushContext>; proxy: Proxy } {
  const docs = parseAllDocuments(readFileSync(join(dir, 'input.yaml'), 'utf8'))
    .map((d) => d.toJS() as Resource | null)
    .filter((d): d is Resource => d !== null);
  let mesh: MeshConfig = defaultMeshConfig();
  let proxy: Proxy | undefined;
  const resources: Resource[] = [];
  const services: Service[] = [];
  docs.forEach((d, i) => {
    d.metadata.namespace ??= 'default';
    // Creation order = document order (Istio orders VirtualServices by creation time).
    d.metadata.creationTimestamp ??= `2024-01-01T00:00:${String(i).padStart(2, '0')}Z`;
    if (d.kind === 'MeshConfig') mesh = { ...mesh, ...(d.spec as Partial<MeshConfig>) };
    else if (d.kind === 'Proxy') {
      const s = d.spec as ProxySpec;
      const ns = d.metadata.namespace;
      const type = s.type ?? 'sidecar';
      const ips = s.ips ?? ['10.1.0.1'];
      proxy = {
        id: `${type}~${ips[0]}~${d.metadata.name}.${ns}~${ns}.svc.cluster.local`,
        type,
        ips,
        namespace: ns,
        workloadName: d.metadata.name,
        labels: s.labels ?? {},
        serviceAccount: 'default',
        locality: { region: '', zone: '', subZone: '' },
        metadata: {},
      };
    } else resources.push(d);
  });
  for (const r of resources) if (r.kind === 'Service' && r.apiVersion === 'v1') services.push(k8sService(r as Resource<ServiceSpec>, mesh.clusterDomain));
  assert.ok(proxy, `${dir}: no Proxy document`);
  return { push: buildPushContext({ resources, registry: new StaticRegistry(services, []), mesh, version: 'golden' }), proxy };
}

const cases = existsSync(CASES) ? readdirSync(CASES).filter((n) => n.startsWith('rds-')).sort() : [];

for (const name of cases) {
  test(`golden ${name}`, () => {
    const dir = join(CASES, name);
    const { push, proxy } = load(dir);
    const json = buildRoutes(push, proxy).map((rc) => toJson(RouteConfigurationSchema, rc, { registry: envoyRegistry }));
    const text = JSON.stringify(json, null, 2) + '\n';
    const golden = join(dir, 'routes.golden.json');
    if (process.env.RIG_UPDATE_GOLDEN === '1') writeFileSync(golden, text);
    assert.ok(existsSync(golden), `${name}: no routes.golden.json (RIG_UPDATE_GOLDEN=1 writes it)`);
    assert.equal(text, readFileSync(golden, 'utf8'), `${name}: output differs from routes.golden.json (RIG_UPDATE_GOLDEN=1 to accept)`);
  });
}
