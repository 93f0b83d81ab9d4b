// ServiceEntry → registry Services (one per host), with Istio's semantics:
//   hostname     the host as written; namespace = the ServiceEntry's
//   meshExternal location MESH_EXTERNAL (the default) or MESH_INTERNAL
//   resolution   NONE → PASSTHROUGH, STATIC, DNS, DNS_ROUND_ROBIN (default NONE)
//   ports        protocol parsed case-insensitively; missing/unknown → UNKNOWN (detect)
// Endpoints: the inline `endpoints`, or members (WorkloadEntries, workloads) in the same
// namespace matched by workloadSelector.labels. The port an endpoint serves a service port
// on is: its own port of the same name (endpoint `ports` map, WorkloadEntry `ports`, a
// workload's named container port) > the port's targetPort > the port number. A DNS
// ServiceEntry with neither endpoints nor selector resolves its host itself: one endpoint
// per port whose address is the host (Envoy resolves it). Wildcard hosts get none.
// Inline and DNS-host endpoints carry the ServiceEntry's name as their workload name.
import type { Resource } from '../../api/istio/meta.js';
import type { ServiceEntrySpec, ServicePort as SEPort, WorkloadEntrySpec } from '../../api/istio/networking.js';
import { freezeEndpoint, localityOf, memberEndpoint, memberNamedPort, NO_LOCALITY, TLS_MODE_LABEL, type Member } from './endpoints.js';
import { isWildcardHost } from './hostnames.js';
import type { Endpoint, Resolution, Service } from './model.js';
import { parseProtocol } from './protocol.js';

const RESOLUTION: Record<NonNullable<ServiceEntrySpec['resolution']>, Resolution> = {
  NONE: 'PASSTHROUGH',
  STATIC: 'STATIC',
  DNS: 'DNS',
  DNS_ROUND_ROBIN: 'DNS_ROUND_ROBIN',
};

export function serviceEntryResolution(spec: ServiceEntrySpec): Resolution {
  return RESOLUTION[spec.resolution ?? 'NONE'] ?? 'PASSTHROUGH';
}

/** workloadSelector.labels, or undefined when absent or empty (an empty selector selects nothing). */
export function serviceEntrySelector(spec: ServiceEntrySpec): Record<string, string> | undefined {
  const l = spec.workloadSelector?.labels;
  return l && Object.keys(l).length > 0 ? l : undefined;
}

/** One Service per host, in the order the hosts are written (duplicates dropped). */
export function convertServiceEntry(res: Resource<ServiceEntrySpec>): Service[] {
  const spec = res.spec;
  const namespace = res.metadata.namespace ?? 'default';
  const name = res.metadata.name;
  const ports = Object.freeze((spec.ports ?? []).map((p) => Object.freeze({ name: p.name ?? '', port: p.number, protocol: parseProtocol(p.protocol) }))) as Service['ports'];
  const addresses = Object.freeze([...(spec.addresses ?? [])]) as string[];
  const exportTo = Object.freeze(spec.exportTo && spec.exportTo.length > 0 ? [...spec.exportTo] : ['*']) as string[];
  const labels = Object.freeze({ ...(res.metadata.labels ?? {}) });
  const origin = Object.freeze({ kind: 'ServiceEntry' as const, namespace, name });
  const resolution = serviceEntryResolution(spec);
  const meshExternal = spec.location !== 'MESH_INTERNAL';
  return [...new Set(spec.hosts ?? [])].map((hostname) =>
    Object.freeze({ hostname, namespace, name, ports, addresses, resolution, meshExternal, exportTo, labels, origin }),
  );
}

function endpointPort(p: SEPort, own: number | undefined): number {
  if (own !== undefined && own > 0) return own;
  if (p.targetPort !== undefined && p.targetPort > 0) return p.targetPort;
  return p.number;
}

function inlineEndpoint(hostname: string, namespace: string, seName: string, p: SEPort, we: WorkloadEntrySpec): Endpoint {
  const labels = { ...(we.labels ?? {}) };
  return freezeEndpoint({
    hostname,
    servicePort: p.number,
    address: we.address ?? '',
    port: endpointPort(p, we.ports?.[p.name]),
    labels,
    namespace,
    workloadName: seName,
    serviceAccount: we.serviceAccount ?? '',
    locality: localityOf(we.locality, labels),
    network: we.network ?? '',
    health: 'HEALTHY',
    weight: we.weight && we.weight > 0 ? we.weight : 1,
    hasSidecar: labels[TLS_MODE_LABEL] === 'istio',
  });
}

/** Endpoints that do not depend on selection: the inline endpoints, or a DNS entry's own hosts. */
export function serviceEntryFixedEndpoints(res: Resource<ServiceEntrySpec>, services: readonly Service[]): Endpoint[] {
  const spec = res.spec;
  const namespace = res.metadata.namespace ?? 'default';
  const out: Endpoint[] = [];
  const ports = spec.ports ?? [];
  if (spec.endpoints && spec.endpoints.length > 0) {
    for (const svc of services)
      for (const p of ports)
        for (const we of spec.endpoints) {
          const e = inlineEndpoint(svc.hostname, namespace, res.metadata.name, p, we);
          if (e.address) out.push(e);
        }
    return out;
  }
  const resolution = serviceEntryResolution(spec);
  if ((resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && !serviceEntrySelector(spec)) {
    for (const svc of services) {
      if (isWildcardHost(svc.hostname)) continue;
      for (const p of ports)
        out.push(
          freezeEndpoint({
            hostname: svc.hostname,
            servicePort: p.number,
            address: svc.hostname,
            port: endpointPort(p, undefined),
            labels: {},
            namespace,
            workloadName: res.metadata.name,
            serviceAccount: '',
            locality: NO_LOCALITY,
            network: '',
            health: 'HEALTHY',
            weight: 1,
            hasSidecar: false,
          }),
        );
    }
  }
  return out;
}

/** The endpoints one selected member (WorkloadEntry or workload) provides for every host and port. */
export function serviceEntryMemberEndpoints(res: Resource<ServiceEntrySpec>, services: readonly Service[], m: Member): Endpoint[] {
  const out: Endpoint[] = [];
  for (const svc of services)
    for (const p of res.spec.ports ?? []) {
      const e = memberEndpoint(m, svc.hostname, p.number, endpointPort(p, memberNamedPort(m, p.name)));
      if (e.address) out.push(e);
    }
  return out;
}
