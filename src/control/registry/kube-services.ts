// Core v1 Services → registry Services, as Kubernetes and Istio read them:
//   hostname  <name>.<namespace>.svc.<clusterDomain>
//   ports     protocol from appProtocol or the port name (protocol.ts)
//   addresses spec.clusterIPs / spec.clusterIP, else a VIP the caller allocated
//   resolution STATIC (EDS), PASSTHROUGH for headless (clusterIP: None), DNS for ExternalName
//   exportTo  the `networking.istio.io/exportTo` annotation, default '*'
// Endpoints come from the members (workloads, WorkloadEntries) in the Service's namespace
// that its selector matches: one per service port whose targetPort the member has.
import type { ServicePortSpec, ServiceSpec } from '../../api/istio/core.js';
import type { Resource } from '../../api/istio/meta.js';
import { freezeEndpoint, memberEndpoint, memberNamedPort, NO_LOCALITY, type Member } from './endpoints.js';
import { serviceHostname } from './hostnames.js';
import type { Endpoint, Resolution, Service } from './model.js';
import { protocolForKubePort } from './protocol.js';

/** Istio's annotation that sets a Service's exportTo (comma-separated). */
export const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

/** The Service's selector, or undefined when it has none (an empty selector selects nothing, as in Kubernetes). */
export function kubeServiceSelector(spec: ServiceSpec): Record<string, string> | undefined {
  return spec.selector && Object.keys(spec.selector).length > 0 ? spec.selector : undefined;
}

/** Explicit cluster IPs (clusterIPs, else clusterIP), without `None` and empty strings. */
export function kubeServiceClusterIPs(spec: ServiceSpec): string[] {
  const ips = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return ips.filter((ip) => ip && ip !== 'None');
}

function isHeadless(spec: ServiceSpec): boolean {
  return spec.clusterIP === 'None' || spec.clusterIPs?.[0] === 'None';
}

/** Whether the Service needs an allocated VIP: a ClusterIP Service that brings none. */
export function kubeServiceNeedsVip(spec: ServiceSpec): boolean {
  return spec.type !== 'ExternalName' && !isHeadless(spec) && kubeServiceClusterIPs(spec).length === 0;
}

function exportToOf(res: Resource): string[] {
  const a = res.metadata.annotations?.[EXPORT_TO_ANNOTATION];
  if (!a) return ['*'];
  const list = a
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length > 0 ? list : ['*'];
}

/** The registry Service for a core Service. `vip` is used when the Service brings no clusterIP. */
export function convertKubeService(res: Resource<ServiceSpec>, clusterDomain: string, vip?: string): Service {
  const spec = res.spec ?? {};
  const namespace = res.metadata.namespace ?? 'default';
  const name = res.metadata.name;
  let resolution: Resolution = 'STATIC';
  let addresses = kubeServiceClusterIPs(spec);
  if (spec.type === 'ExternalName') {
    resolution = 'DNS';
    addresses = [];
  } else if (isHeadless(spec)) {
    resolution = 'PASSTHROUGH';
    addresses = [];
  } else if (addresses.length === 0 && vip) addresses = [vip];
  const ports = (spec.ports ?? []).map((p) => Object.freeze({ name: p.name ?? '', port: p.port, protocol: protocolForKubePort(p) }));
  return Object.freeze({
    hostname: serviceHostname(name, namespace, clusterDomain),
    namespace,
    name,
    ports: Object.freeze(ports) as Service['ports'],
    addresses: Object.freeze(addresses) as string[],
    resolution,
    meshExternal: spec.type === 'ExternalName',
    exportTo: Object.freeze(exportToOf(res)) as string[],
    labels: Object.freeze({ ...(res.metadata.labels ?? {}) }),
    origin: Object.freeze({ kind: 'Service' as const, namespace, name }),
  });
}

/** The port a member serves a Service port on, or undefined if it lacks the named targetPort. */
export function resolveTargetPort(p: ServicePortSpec, m: Member): number | undefined {
  const t = p.targetPort;
  if (t === undefined || t === 0 || t === '') return p.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  return memberNamedPort(m, t);
}

/** The endpoints one selected member provides for a Service: one per port it can serve. */
export function kubeMemberEndpoints(service: Service, spec: ServiceSpec, m: Member): Endpoint[] {
  const out: Endpoint[] = [];
  for (const p of spec.ports ?? []) {
    const port = resolveTargetPort(p, m);
    if (port === undefined) continue;
    const e = memberEndpoint(m, service.hostname, p.port, port);
    if (e.address) out.push(e);
  }
  return out;
}

/** An ExternalName Service resolves to its external name, by DNS, on each port. */
export function externalNameEndpoints(service: Service, spec: ServiceSpec): Endpoint[] {
  if (spec.type !== 'ExternalName' || !spec.externalName) return [];
  return (spec.ports ?? []).map((p) =>
    freezeEndpoint({
      hostname: service.hostname,
      servicePort: p.port,
      address: spec.externalName!,
      port: typeof p.targetPort === 'number' && p.targetPort > 0 ? p.targetPort : p.port,
      labels: {},
      namespace: service.namespace,
      workloadName: '',
      serviceAccount: '',
      locality: NO_LOCALITY,
      network: '',
      health: 'HEALTHY',
      weight: 1,
      hasSidecar: false,
    }),
  );
}
