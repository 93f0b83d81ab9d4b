// Endpoint building blocks shared by Services and ServiceEntries: a *member* is something a
// selector can pick in a namespace — a registered workload (a pod) or a WorkloadEntry — and
// `memberEndpoint` turns one member into the endpoint of one service port. Every endpoint
// is frozen: registry output is shared by every push and must never change under a reader.
import type { Resource } from '../../api/istio/meta.js';
import type { WorkloadEntrySpec } from '../../api/istio/networking.js';
import type { Endpoint, Locality, Workload } from './model.js';
import { parseLocality } from './workloads.js';

/** Istio's label marking a workload whose sidecar accepts Istio mTLS. */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
/** Istio's locality label (`region.zone.subzone`, dots because `/` is not allowed in label values). */
export const LOCALITY_LABEL = 'istio-locality';

export const NO_LOCALITY: Locality = Object.freeze({ region: '', zone: '', subZone: '' });

export type Member =
  | { kind: 'Workload'; namespace: string; name: string; labels: Readonly<Record<string, string>>; workload: Workload }
  | { kind: 'WorkloadEntry'; namespace: string; name: string; labels: Readonly<Record<string, string>>; entry: Resource<WorkloadEntrySpec> };

export function workloadMember(workload: Workload): Member {
  return { kind: 'Workload', namespace: workload.namespace, name: workload.name, labels: workload.labels, workload };
}

/** A WorkloadEntry's labels are its spec labels overlaid with its metadata labels (metadata wins). */
export function workloadEntryMember(entry: Resource<WorkloadEntrySpec>): Member {
  const labels = Object.freeze({ ...(entry.spec.labels ?? {}), ...(entry.metadata.labels ?? {}) });
  return { kind: 'WorkloadEntry', namespace: entry.metadata.namespace ?? 'default', name: entry.metadata.name, labels, entry };
}

/** `Workload/<name>` or `WorkloadEntry/<name>`: unique within a namespace. */
export function memberKey(m: { kind: string; name: string }): string {
  return `${m.kind}/${m.name}`;
}

/** The member's port with this name (a workload's named container port, a WorkloadEntry's `ports` entry). */
export function memberNamedPort(m: Member, name: string): number | undefined {
  if (!name) return undefined;
  if (m.kind === 'Workload') return m.workload.ports.find((p) => p.name === name)?.port;
  const p = m.entry.spec.ports?.[name];
  return typeof p === 'number' && p > 0 ? p : undefined;
}

/** Locality from an explicit `region/zone/subzone` string, else the istio-locality label. */
export function localityOf(locality: string | undefined, labels: Readonly<Record<string, string>> | undefined): Locality {
  if (locality) return parseLocality(locality);
  const label = labels?.[LOCALITY_LABEL];
  if (label) return parseLocality(label.replaceAll('.', '/'));
  return NO_LOCALITY;
}

/** A frozen endpoint (labels and locality frozen too). */
export function freezeEndpoint(e: Endpoint): Endpoint {
  Object.freeze(e.labels);
  Object.freeze(e.locality);
  return Object.freeze(e);
}

/** The endpoint a member provides for one service port, connecting to `port`. */
export function memberEndpoint(m: Member, hostname: string, servicePort: number, port: number): Endpoint {
  if (m.kind === 'Workload') {
    const w = m.workload;
    return freezeEndpoint({
      hostname,
      servicePort,
      address: w.ip,
      port,
      labels: w.labels,
      namespace: w.namespace,
      workloadName: w.name,
      serviceAccount: w.serviceAccount,
      locality: w.locality ?? NO_LOCALITY,
      network: '',
      health: w.healthy ? 'HEALTHY' : 'UNHEALTHY',
      weight: 1,
      hasSidecar: w.hasSidecar,
    });
  }
  const spec = m.entry.spec;
  return freezeEndpoint({
    hostname,
    servicePort,
    address: spec.address ?? '',
    port,
    labels: m.labels,
    namespace: m.namespace,
    workloadName: m.name,
    serviceAccount: spec.serviceAccount ?? '',
    locality: localityOf(spec.locality, m.labels),
    network: spec.network ?? '',
    health: 'HEALTHY',
    weight: spec.weight && spec.weight > 0 ? spec.weight : 1,
    hasSidecar: m.labels[TLS_MODE_LABEL] === 'istio',
  });
}

/** Deterministic order of endpoints: address, port, then service port and workload name for ties. */
export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return cmp(a.address, b.address) || a.port - b.port || a.servicePort - b.servicePort || cmp(a.hostname, b.hostname) || cmp(a.workloadName, b.workloadName);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
