// HostSet: a cluster's endpoints grouped by priority (0..N, no gaps, as Envoy's priority
// set) and, inside a priority, by locality with its load_balancing_weight. Built on the slow
// path from an EDS ClusterLoadAssignment or a cluster's inline load_assignment; immutable.
// Given the previous HostSet, hosts whose description did not change are reused as-is and
// changed ones keep their runtime state (active requests, outlier history).
import type { JsonObject } from '@bufbuild/protobuf';
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { LbEndpoint } from '../../api/gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import { HealthStatus } from '../../api/gen/envoy/config/core/v3/health_check_pb.js';
import { hostKey, localityKey, newHostState, type Host, type HostHealth, type Locality } from './host.js';

export interface LocalityHosts {
  readonly locality: Locality;
  /** The locality's load_balancing_weight; 0 when unset (it then gets no traffic under locality weighted LB). */
  readonly weight: number;
  readonly hosts: readonly Host[];
}

export interface PriorityHosts {
  readonly priority: number;
  readonly hosts: readonly Host[];
  readonly localities: readonly LocalityHosts[];
}

/** Envoy's default overprovisioning factor, in percent. */
export const DEFAULT_OVERPROVISIONING_FACTOR = 140;

const HEALTH: Record<HealthStatus, HostHealth> = {
  [HealthStatus.UNKNOWN]: 'UNKNOWN',
  [HealthStatus.HEALTHY]: 'HEALTHY',
  [HealthStatus.UNHEALTHY]: 'UNHEALTHY',
  [HealthStatus.DRAINING]: 'DRAINING',
  [HealthStatus.TIMEOUT]: 'TIMEOUT',
  [HealthStatus.DEGRADED]: 'DEGRADED',
};

export class HostSet {
  /** Every host, by priority then locality order. */
  readonly hosts: readonly Host[];

  private constructor(
    readonly priorities: readonly PriorityHosts[],
    /** ClusterLoadAssignment.policy.overprovisioning_factor, percent (default 140). */
    readonly overprovisioningFactor: number,
    /** policy.weighted_priority_health: priority health from host weights instead of counts. */
    readonly weightedPriorityHealth: boolean,
    readonly localLocality: Locality | undefined,
  ) {
    this.hosts = priorities.flatMap((p) => p.hosts);
  }

  static empty(): HostSet {
    return new HostSet([], DEFAULT_OVERPROVISIONING_FACTOR, false, undefined);
  }

  /**
   * From an EDS resource. Endpoints that are not socket addresses are skipped (the xDS
   * validator rejects them first). The proxy's own locality, when given, is listed first in
   * each priority, as Envoy orders hosts_per_locality.
   */
  static fromClusterLoadAssignment(cla: ClusterLoadAssignment, localLocality?: Locality, previous?: HostSet): HostSet {
    const reuse = new Map<string, Host>();
    for (const h of previous?.hosts ?? []) reuse.set(h.key, h);
    const made = new Map<string, Host>();

    let maxPriority = -1;
    for (const l of cla.endpoints) maxPriority = Math.max(maxPriority, l.priority);
    const levels: { localities: LocalityHosts[] }[] = Array.from({ length: maxPriority + 1 }, () => ({ localities: [] }));

    for (const l of cla.endpoints) {
      const locality: Locality = { region: l.locality?.region ?? '', zone: l.locality?.zone ?? '', subZone: l.locality?.subZone ?? '' };
      const hosts: Host[] = [];
      for (const lb of l.lbEndpoints) {
        const h = hostOf(lb, locality, l.priority, reuse, made);
        if (h) hosts.push(h);
      }
      levels[l.priority]!.localities.push({ locality, weight: l.loadBalancingWeight ?? 0, hosts });
    }

    const local = localLocality ? localityKey(localLocality) : undefined;
    const priorities = levels.map((lvl, priority): PriorityHosts => {
      const localities = local === undefined ? lvl.localities : [...lvl.localities.filter((x) => localityKey(x.locality) === local), ...lvl.localities.filter((x) => localityKey(x.locality) !== local)];
      return { priority, localities, hosts: localities.flatMap((x) => x.hosts) };
    });
    const policy = cla.policy;
    return new HostSet(priorities, policy?.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR, policy?.weightedPriorityHealth ?? false, localLocality);
  }

  /** From a STATIC or (resolved) STRICT_DNS cluster's inline load_assignment. */
  static fromStatic(loadAssignment: ClusterLoadAssignment | undefined, previous?: HostSet): HostSet {
    return loadAssignment ? HostSet.fromClusterLoadAssignment(loadAssignment, undefined, previous) : HostSet.empty();
  }
}

function hostOf(lb: LbEndpoint, locality: Locality, priority: number, reuse: Map<string, Host>, made: Map<string, Host>): Host | undefined {
  if (lb.hostIdentifier.case !== 'endpoint') return undefined;
  const ep = lb.hostIdentifier.value;
  const addr = ep.address?.address;
  if (addr?.case !== 'socketAddress' || addr.value.portSpecifier.case !== 'portValue') return undefined;
  const address = addr.value.address;
  const port = addr.value.portSpecifier.value;
  const key = hostKey(address, port);
  const metadata: Record<string, JsonObject> = lb.metadata?.filterMetadata ?? {};
  const desc = {
    key,
    address,
    port,
    hostname: ep.hostname,
    weight: Math.max(1, lb.loadBalancingWeight ?? 1),
    locality,
    priority,
    health: HEALTH[lb.healthStatus] ?? 'UNKNOWN',
    metadata,
  };
  const prev = reuse.get(key) ?? made.get(key);
  if (prev && sameDescription(prev, desc)) {
    made.set(key, prev);
    return prev;
  }
  const h: Host = { ...desc, state: prev?.state ?? newHostState() };
  made.set(key, h);
  return h;
}

function sameDescription(a: Host, b: Omit<Host, 'state'>): boolean {
  return (
    a.address === b.address &&
    a.port === b.port &&
    a.hostname === b.hostname &&
    a.weight === b.weight &&
    a.priority === b.priority &&
    a.health === b.health &&
    localityKey(a.locality) === localityKey(b.locality) &&
    JSON.stringify(a.metadata) === JSON.stringify(b.metadata)
  );
}
