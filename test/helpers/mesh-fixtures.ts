// Small registries for translation tests: services and endpoints built from compact specs.
import type { Endpoint, Protocol, Service } from '../../src/control/registry/model.js';
import { StaticRegistry } from '../../src/control/registry/static.js';
import type { Proxy } from '../../src/control/model/proxy.js';

export interface SvcSpec {
  name: string;
  namespace?: string;
  ports: [number, Protocol, number?][];
  vip?: string;
  /** Pods: ip and labels. */
  pods?: { ip: string; labels?: Record<string, string>; sa?: string; healthy?: boolean }[];
}

export function k8sService(s: SvcSpec): { service: Service; endpoints: Endpoint[] } {
  const ns = s.namespace ?? 'default';
  const hostname = `${s.name}.${ns}.svc.cluster.local`;
  const service: Service = {
    hostname,
    namespace: ns,
    name: s.name,
    ports: s.ports.map(([port, protocol]) => ({ name: `${protocol.toLowerCase()}-${port}`, port, protocol })),
    addresses: s.vip ? [s.vip] : [],
    resolution: 'STATIC',
    meshExternal: false,
    exportTo: ['*'],
    labels: { app: s.name },
    origin: { kind: 'Service', namespace: ns, name: s.name },
  };
  const endpoints: Endpoint[] = [];
  for (const pod of s.pods ?? []) {
    for (const [port, , target] of s.ports) {
      endpoints.push({
        hostname,
        servicePort: port,
        address: pod.ip,
        port: target ?? port,
        labels: { app: s.name, ...pod.labels },
        namespace: ns,
        workloadName: `${s.name}-${pod.ip}`,
        serviceAccount: pod.sa ?? `bookinfo-${s.name}`,
        locality: { region: '', zone: '', subZone: '' },
        network: '',
        health: pod.healthy === false ? 'UNHEALTHY' : 'HEALTHY',
        weight: 1,
        hasSidecar: true,
      });
    }
  }
  return { service, endpoints };
}

export function registryOf(...specs: SvcSpec[]): StaticRegistry {
  const all = specs.map(k8sService);
  return new StaticRegistry(all.map((x) => x.service), all.flatMap((x) => x.endpoints));
}

export function sidecarProxy(ip: string, app: string, opts: { namespace?: string; labels?: Record<string, string>; metadata?: Record<string, unknown> } = {}): Proxy {
  const ns = opts.namespace ?? 'default';
  return {
    id: `sidecar~${ip}~${app}-1.${ns}~${ns}.svc.cluster.local`,
    type: 'sidecar',
    ips: [ip],
    namespace: ns,
    workloadName: `${app}-1`,
    labels: { app, ...opts.labels },
    serviceAccount: `bookinfo-${app}`,
    locality: { region: '', zone: '', subZone: '' },
    metadata: opts.metadata ?? {},
  };
}

export function routerProxy(ip: string, labels: Record<string, string>, namespace = 'rig-system', metadata: Record<string, unknown> = {}): Proxy {
  return {
    id: `router~${ip}~rig-ingressgateway-1.${namespace}~${namespace}.svc.cluster.local`,
    type: 'router',
    ips: [ip],
    namespace,
    workloadName: 'rig-ingressgateway-1',
    labels,
    serviceAccount: 'rig-ingressgateway-service-account',
    locality: { region: '', zone: '', subZone: '' },
    metadata,
  };
}

/** Bookinfo: productpage, details, reviews v1/v2/v3, ratings (all HTTP 9080), and a TCP mongodb. */
export function bookinfoRegistry(): StaticRegistry {
  return registryOf(
    { name: 'productpage', ports: [[9080, 'HTTP']], vip: '10.96.0.10', pods: [{ ip: '127.0.1.1', labels: { version: 'v1' } }] },
    { name: 'details', ports: [[9080, 'HTTP']], vip: '10.96.0.11', pods: [{ ip: '127.0.1.2', labels: { version: 'v1' } }] },
    {
      name: 'reviews',
      ports: [[9080, 'HTTP']],
      vip: '10.96.0.12',
      pods: [
        { ip: '127.0.1.3', labels: { version: 'v1' } },
        { ip: '127.0.1.4', labels: { version: 'v2' } },
        { ip: '127.0.1.5', labels: { version: 'v3' } },
      ],
    },
    { name: 'ratings', ports: [[9080, 'HTTP']], vip: '10.96.0.13', pods: [{ ip: '127.0.1.6', labels: { version: 'v1' } }] },
    { name: 'mongodb', ports: [[27017, 'MONGO']], vip: '10.96.0.14', pods: [{ ip: '127.0.1.7', labels: { version: 'v1' } }] },
  );
}
