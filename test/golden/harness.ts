// Golden-file harness for the translation layer: each case is a directory
// test/golden/cases/<name>/ holding input.yaml and one `<type>.golden.json` per xDS type it
// checks (clusters, endpoints, listeners, routes), the proxy's resources as JSON (Any
// fields expanded through the Envoy registry). `RIG_UPDATE_GOLDEN=1 npm test -- golden`
// rewrites the golden files; to start checking a new type, create the empty file first.
//
// input.yaml is multi-document YAML: Istio resources exactly as in Istio's docs (validated
// with validateResource), core v1 Services, and documents only tests have:
//   kind: Proxy       metadata {name, namespace}; spec {type: sidecar|router|grpc, labels,
//                     ips, serviceAccount, locality: region/zone/subzone, id, metadata}
//   kind: MeshConfig  spec: partial MeshConfig (e.g. outboundTrafficPolicy)
//   kind: Pod         metadata {name, namespace, labels}; spec {ip, serviceAccount,
//                     locality, health: HEALTHY|UNHEALTHY|DRAINING, weight, hasSidecar,
//                     ports: {name: number}} — the endpoints of Services selecting it and of
//                     ServiceEntries whose workloadSelector matches it
// ServiceEntries become registry services (one per host) and endpoints (spec.endpoints;
// DNS without endpoints resolves the host itself), as Istio's ServiceEntry registry does.
// Documents are created in file order (creationTimestamp), which orders VirtualServices.
//
// Each type is produced by a generator in `generators` below; a type is checked when the
// case has its golden file and the generator's module exists. Every case is also
// translated a second time from its inputs in reverse order: the bytes must be identical.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMessage, toJson, type DescMessage, type JsonValue, type Message } from '@bufbuild/protobuf';
import { parseAllDocuments } from 'yaml';
import { ClusterSchema } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { envoyRegistry } from '../../src/api/gen/registry.js';
import type { ServiceSpec } from '../../src/api/istio/core.js';
import { matchLabels, type Resource } from '../../src/api/istio/meta.js';
import type { ServiceEntrySpec } from '../../src/api/istio/networking.js';
import { validateResource } from '../../src/api/istio/validation.js';
import { defaultMeshConfig, type MeshConfig } from '../../src/control/model/mesh.js';
import type { Proxy, ProxyType } from '../../src/control/model/proxy.js';
import type { Endpoint, HealthStatus, Locality, Protocol, Resolution, Service } from '../../src/control/registry/model.js';
import { StaticRegistry } from '../../src/control/registry/static.js';
import { buildPushContext } from '../../src/control/snapshot/build.js';
import type { PushContext } from '../../src/control/snapshot/push-context.js';
import { buildClusters } from '../../src/control/translate/cds.js';
import { buildEndpoints } from '../../src/control/translate/eds.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CASES_DIR = join(ROOT, 'test/golden/cases');

export type Translate = (push: PushContext, proxy: Proxy) => readonly Message[];

/** How one xDS type is produced: a translator, or a module + export loaded only if the file exists. */
export interface GoldenGenerator {
  /** Schema of the resources (for JSON). */
  schema: DescMessage;
  build?: Translate;
  /** Repository-relative path of the module (`.ts`) and the name of its export. */
  module?: string;
  export?: string;
}

/** The registry of generators; the golden file of type T is `T.golden.json`. Extend it for new types. */
export const generators: Record<string, GoldenGenerator> = {
  clusters: { schema: ClusterSchema, build: buildClusters },
  endpoints: { schema: ClusterLoadAssignmentSchema, build: (push, proxy) => buildEndpoints(push, proxy) },
  listeners: { schema: ListenerSchema, module: 'src/control/translate/lds.ts', export: 'buildListeners' },
  routes: { schema: RouteConfigurationSchema, module: 'src/control/translate/rds.ts', export: 'buildRoutes' },
};

/** The translator of a type, or undefined when its module does not exist (yet). */
export async function loadGenerator(type: string): Promise<Translate | undefined> {
  const g = generators[type];
  if (!g) return undefined;
  if (g.build) return g.build;
  if (!g.module || !g.export) return undefined;
  const file = join(ROOT, g.module);
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file.replace(/\.ts$/, '.js')).href)) as Record<string, unknown>;
  const fn = mod[g.export];
  if (typeof fn !== 'function') throw new Error(`${g.module}: no exported function ${g.export}`);
  return (push, proxy) => (fn as (p: PushContext, x: Proxy) => unknown[])(push, proxy).map((m) => {
    if (!isMessage(m, g.schema)) throw new Error(`${g.module}#${g.export} returned something other than ${g.schema.typeName}`);
    return m;
  });
}

// --- input ------------------------------------------------------------------------------

export interface GoldenInput {
  resources: Resource[];
  services: Service[];
  endpoints: Endpoint[];
  proxy: Proxy;
  mesh: MeshConfig;
}

interface ProxySpec {
  type?: ProxyType;
  labels?: Record<string, string>;
  ips?: string[];
  serviceAccount?: string;
  locality?: string;
  id?: string;
  metadata?: Record<string, unknown>;
}

interface PodSpec {
  ip: string;
  serviceAccount?: string;
  locality?: string;
  health?: HealthStatus;
  weight?: number;
  hasSidecar?: boolean;
  network?: string;
  ports?: Record<string, number>;
}

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

/** Istio's protocol selection: an explicit protocol (appProtocol, ServiceEntry protocol), else the port name's prefix, else auto-detect. */
export function protocolOf(name: string | undefined, explicit: string | undefined): Protocol {
  if (explicit && PROTOCOLS[explicit.toLowerCase()]) return PROTOCOLS[explicit.toLowerCase()]!;
  const lower = (name ?? '').toLowerCase();
  if (lower.startsWith('grpc-web')) return 'GRPC-WEB';
  return PROTOCOLS[lower.split('-')[0]!] ?? 'UNKNOWN';
}

function parseLocality(text: string | undefined): Locality {
  const [region = '', zone = '', subZone = ''] = (text ?? '').split('/');
  return { region, zone, subZone };
}

interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  spec: PodSpec;
}

function podEndpoint(pod: Pod, hostname: string, servicePort: number, port: number): Endpoint {
  return {
    hostname,
    servicePort,
    address: pod.spec.ip,
    port,
    labels: pod.labels,
    namespace: pod.namespace,
    workloadName: pod.name,
    serviceAccount: pod.spec.serviceAccount ?? 'default',
    locality: parseLocality(pod.spec.locality),
    network: pod.spec.network ?? '',
    health: pod.spec.health ?? 'HEALTHY',
    weight: pod.spec.weight ?? 1,
    hasSidecar: pod.spec.hasSidecar ?? true,
  };
}

/** A core v1 Service and the endpoints of the Pods it selects. */
function k8sService(r: Resource<ServiceSpec>, pods: Pod[], clusterDomain: string): { service: Service; endpoints: Endpoint[] } {
  const ns = r.metadata.namespace ?? 'default';
  const hostname = `${r.metadata.name}.${ns}.svc.${clusterDomain}`;
  const exportTo = r.metadata.annotations?.['networking.istio.io/exportTo'];
  const ports = r.spec.ports ?? [];
  const service: Service = {
    hostname,
    namespace: ns,
    name: r.metadata.name,
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: protocolOf(p.name, p.appProtocol) })),
    addresses: r.spec.clusterIP && r.spec.clusterIP !== 'None' ? [r.spec.clusterIP] : [],
    resolution: r.spec.clusterIP === 'None' ? 'PASSTHROUGH' : 'STATIC',
    meshExternal: false,
    exportTo: exportTo ? exportTo.split(',').map((s) => s.trim()) : ['*'],
    labels: r.metadata.labels ?? {},
    origin: { kind: 'Service', namespace: ns, name: r.metadata.name },
  };
  const endpoints: Endpoint[] = [];
  const selector = r.spec.selector;
  if (selector && Object.keys(selector).length > 0) {
    for (const pod of pods) {
      if (pod.namespace !== ns || !matchLabels(selector, pod.labels)) continue;
      for (const p of ports) {
        const target = typeof p.targetPort === 'number' ? p.targetPort : typeof p.targetPort === 'string' ? (pod.spec.ports?.[p.targetPort] ?? p.port) : p.port;
        endpoints.push(podEndpoint(pod, hostname, p.port, target));
      }
    }
  }
  return { service, endpoints };
}

const RESOLUTION: Record<string, Resolution> = { NONE: 'PASSTHROUGH', STATIC: 'STATIC', DNS: 'DNS', DNS_ROUND_ROBIN: 'DNS_ROUND_ROBIN' };

/** A ServiceEntry as Istio's registry sees it: one service per host, endpoints from spec.endpoints or selected Pods. */
function serviceEntry(r: Resource<ServiceEntrySpec>, pods: Pod[]): { services: Service[]; endpoints: Endpoint[] } {
  const ns = r.metadata.namespace ?? 'default';
  const spec = r.spec;
  const resolution = RESOLUTION[spec.resolution ?? 'NONE'] ?? 'PASSTHROUGH';
  const ports = spec.ports ?? [];
  const services: Service[] = [];
  const endpoints: Endpoint[] = [];
  for (const host of spec.hosts) {
    services.push({
      hostname: host,
      namespace: ns,
      name: r.metadata.name,
      ports: ports.map((p) => ({ name: p.name, port: p.number, protocol: protocolOf(p.name, p.protocol) })),
      addresses: spec.addresses ?? [],
      resolution,
      meshExternal: spec.location !== 'MESH_INTERNAL',
      exportTo: spec.exportTo ?? ['*'],
      labels: r.metadata.labels ?? {},
      origin: { kind: 'ServiceEntry', namespace: ns, name: r.metadata.name },
    });
    if (resolution === 'PASSTHROUGH') continue;
    const selector = spec.workloadSelector?.labels;
    if (selector) {
      for (const pod of pods) {
        if (pod.namespace !== ns || !matchLabels(selector, pod.labels)) continue;
        for (const p of ports) endpoints.push(podEndpoint(pod, host, p.number, pod.spec.ports?.[p.name] ?? p.targetPort ?? p.number));
      }
      continue;
    }
    const wes = spec.endpoints?.length ? spec.endpoints : resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN' ? [{ address: host }] : [];
    for (const we of wes) {
      for (const p of ports) {
        endpoints.push({
          hostname: host,
          servicePort: p.number,
          address: we.address ?? host,
          port: we.ports?.[p.name] ?? p.targetPort ?? p.number,
          labels: we.labels ?? {},
          namespace: ns,
          workloadName: `${r.metadata.name}-${we.address ?? host}`,
          serviceAccount: we.serviceAccount ?? '',
          locality: parseLocality(we.locality),
          network: we.network ?? '',
          health: 'HEALTHY',
          weight: we.weight ?? 1,
          hasSidecar: false,
        });
      }
    }
  }
  return { services, endpoints };
}

function proxyOf(d: Resource<ProxySpec>): Proxy {
  const s = d.spec ?? {};
  const ns = d.metadata.namespace ?? 'default';
  const type = s.type ?? 'sidecar';
  const ips = s.ips ?? ['10.1.0.1'];
  return {
    id: s.id ?? `${type}~${ips[0]}~${d.metadata.name}.${ns}~${ns}.svc.cluster.local`,
    type,
    ips,
    namespace: ns,
    workloadName: d.metadata.name,
    labels: s.labels ?? {},
    serviceAccount: s.serviceAccount ?? 'default',
    locality: parseLocality(s.locality),
    metadata: s.metadata ?? {},
  };
}

const TEST_KINDS = new Set(['Proxy', 'MeshConfig', 'Pod']);

/** Parses a case's input.yaml into resources, registry contents, the proxy and the mesh config. */
export function loadInput(file: string): GoldenInput {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d, i) => {
    if (d.errors.length) throw new Error(`${file}: document ${i + 1}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Resource | null;
  });
  let mesh = defaultMeshConfig();
  let proxy: Proxy | undefined;
  const pods: Pod[] = [];
  const resources: Resource[] = [];
  docs.forEach((raw, i) => {
    if (!raw) return;
    raw.metadata ??= { name: '' };
    // Creation order = document order (Istio orders VirtualServices by creation time).
    raw.metadata.creationTimestamp ??= `2024-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`;
    if (TEST_KINDS.has(raw.kind)) {
      raw.metadata.namespace ??= 'default';
      if (raw.kind === 'MeshConfig') mesh = { ...mesh, ...(raw.spec as Partial<MeshConfig>) };
      else if (raw.kind === 'Proxy') {
        if (proxy) throw new Error(`${file}: more than one Proxy document`);
        proxy = proxyOf(raw as Resource<ProxySpec>);
      } else pods.push({ name: raw.metadata.name, namespace: raw.metadata.namespace, labels: raw.metadata.labels ?? {}, spec: raw.spec as PodSpec });
      return;
    }
    const v = validateResource(raw);
    if (!v.ok) throw new Error(`${file}: document ${i + 1}: ${v.errors.join('; ')}`);
    resources.push(v.value);
  });
  if (!proxy) throw new Error(`${file}: no Proxy document`);
  const services: Service[] = [];
  const endpoints: Endpoint[] = [];
  for (const r of resources) {
    if (r.kind === 'Service') {
      const x = k8sService(r as Resource<ServiceSpec>, pods, mesh.clusterDomain);
      services.push(x.service);
      endpoints.push(...x.endpoints);
    } else if (r.kind === 'ServiceEntry') {
      const x = serviceEntry(r as Resource<ServiceEntrySpec>, pods);
      services.push(...x.services);
      endpoints.push(...x.endpoints);
    }
  }
  return { resources, services, endpoints, proxy, mesh };
}

/** The PushContext of an input; `reversed` feeds every list in reverse order (for the determinism check). */
export function pushContextOf(input: GoldenInput, reversed = false): PushContext {
  const rev = <T>(xs: T[]) => (reversed ? [...xs].reverse() : xs);
  return buildPushContext({
    resources: rev(input.resources),
    registry: new StaticRegistry(rev(input.services), rev(input.endpoints)),
    mesh: input.mesh,
    version: 'golden',
  });
}

/** The golden text of resources: a JSON array, two-space indented, newline-terminated. */
export function goldenText(schema: DescMessage, resources: readonly Message[]): string {
  const json: JsonValue[] = resources.map((m) => toJson(schema, m, { registry: envoyRegistry }));
  return JSON.stringify(json, null, 2) + '\n';
}

// --- running a case ---------------------------------------------------------------------

export interface TypeResult {
  type: string;
  file: string;
  /** Why the type was not checked (its generator's module does not exist). */
  skipped?: string;
  actual?: string;
  expected?: string;
  /** The output from the reversed inputs, when it differs from `actual`. */
  nondeterministic?: string;
}

/** Golden types a case checks: its `<type>.golden.json` files. */
export function goldenTypes(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.golden.json'))
    .map((f) => f.slice(0, -'.golden.json'.length))
    .sort();
}

/** Translates a case for every golden type; with `update`, rewrites golden files that differ. */
export async function runCase(dir: string, opts: { update: boolean }): Promise<TypeResult[]> {
  const input = loadInput(join(dir, 'input.yaml'));
  const push = pushContextOf(input);
  const pushReversed = pushContextOf(input, true);
  const results: TypeResult[] = [];
  for (const type of goldenTypes(dir)) {
    const file = join(dir, `${type}.golden.json`);
    const g = generators[type];
    if (!g) throw new Error(`${file}: unknown type "${type}"; known: ${Object.keys(generators).join(', ')}`);
    const translate = await loadGenerator(type);
    if (!translate) {
      results.push({ type, file, skipped: `${g.module ?? type} does not exist yet` });
      continue;
    }
    const actual = goldenText(g.schema, translate(push, input.proxy));
    const again = goldenText(g.schema, translate(pushReversed, input.proxy));
    const expected = readFileSync(file, 'utf8');
    if (opts.update && actual !== expected && again === actual) writeFileSync(file, actual);
    results.push({ type, file, actual, expected: opts.update && again === actual ? actual : expected, ...(again !== actual ? { nondeterministic: again } : {}) });
  }
  return results;
}

/** Case directories, sorted. */
export function caseDirs(): string[] {
  if (!existsSync(CASES_DIR)) return [];
  return readdirSync(CASES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(CASES_DIR, e.name))
    .sort();
}
