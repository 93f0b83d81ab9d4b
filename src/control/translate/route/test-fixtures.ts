// Test-only builders for RDS unit tests: Bookinfo services, proxies and PushContexts from
// Istio resources written inline. Not imported by production code.
import type { Resource } from '../../../api/istio/meta.js';
import { defaultMeshConfig, type MeshConfig } from '../../model/mesh.js';
import type { Proxy, ProxyType } from '../../model/proxy.js';
import type { Protocol, Service } from '../../registry/model.js';
import { StaticRegistry } from '../../registry/static.js';
import { buildPushContext } from '../../snapshot/build.js';
import type { PushContext } from '../../snapshot/push-context.js';

export function service(name: string, ns: string, ports: [number, Protocol, string?][], opts: Partial<Service> = {}): Service {
  return {
    hostname: `${name}.${ns}.svc.cluster.local`,
    namespace: ns,
    name,
    ports: ports.map(([port, protocol, pname]) => ({ port, protocol, name: pname ?? `${protocol.toLowerCase()}-${port}` })),
    addresses: [],
    resolution: 'STATIC',
    meshExternal: false,
    exportTo: ['*'],
    labels: { app: name },
    origin: { kind: 'Service', namespace: ns, name },
    ...opts,
  };
}

export function bookinfoServices(): Service[] {
  return [
    service('productpage', 'default', [[9080, 'HTTP', 'http']], { addresses: ['10.0.0.10'] }),
    service('reviews', 'default', [[9080, 'HTTP', 'http']], { addresses: ['10.0.0.11'] }),
    service('ratings', 'default', [[9080, 'HTTP', 'http']], { addresses: ['10.0.0.12'] }),
    service('details', 'default', [[9080, 'HTTP', 'http']], { addresses: ['10.0.0.13'] }),
  ];
}

export function proxy(type: ProxyType = 'sidecar', ns = 'default', labels: Record<string, string> = { app: 'productpage', version: 'v1' }): Proxy {
  return {
    id: `${type}~10.1.0.1~pod.${ns}~${ns}.svc.cluster.local`,
    type,
    ips: ['10.1.0.1'],
    namespace: ns,
    workloadName: 'pod',
    labels,
    serviceAccount: 'default',
    locality: { region: '', zone: '', subZone: '' },
    metadata: {},
  };
}

let seq = 0;

/** A resource with Istio's envelope; namespace defaults to `default`. Creation order follows call order. */
export function resource<S>(kind: string, name: string, spec: S, namespace = 'default'): Resource<S> {
  seq += 1;
  return {
    apiVersion: kind === 'Service' ? 'v1' : 'networking.istio.io/v1',
    kind,
    metadata: { name, namespace, creationTimestamp: `2024-01-01T00:00:${String(seq).padStart(6, '0')}Z` },
    spec,
  };
}

export function push(resources: Resource[], services: Service[] = bookinfoServices(), mesh: Partial<MeshConfig> = {}): PushContext {
  return buildPushContext({ resources, registry: new StaticRegistry(services, []), mesh: { ...defaultMeshConfig(), ...mesh }, version: 'test' });
}
