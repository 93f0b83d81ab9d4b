// Builders for balance tests and benchmarks: clusters and load assignments in a few lines.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { socketAddress } from '../../api/envoy/build.js';
import { ClusterSchema, Cluster_LbPolicy, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { HealthStatus } from '../../api/gen/envoy/config/core/v3/health_check_pb.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Locality } from './host.js';
import { HostSet } from './host-set.js';
import type { PickContext, Picker } from './picker.js';

export interface EndpointSpec {
  address: string;
  port?: number;
  weight?: number;
  health?: HealthStatus;
  hostname?: string;
}

export interface LocalitySpec {
  locality?: Partial<Locality>;
  weight?: number;
  priority?: number;
  /** `"10.0.0.1"` (port 80, healthy, weight 1) or a full spec. */
  endpoints: (string | EndpointSpec)[];
}

export function loadAssignment(localities: LocalitySpec[], policy?: { overprovisioningFactor?: number; weightedPriorityHealth?: boolean }): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName: 'test',
    endpoints: localities.map((l) => ({
      locality: { region: l.locality?.region ?? '', zone: l.locality?.zone ?? '', subZone: l.locality?.subZone ?? '' },
      loadBalancingWeight: l.weight,
      priority: l.priority ?? 0,
      lbEndpoints: l.endpoints.map((e) => {
        const spec = typeof e === 'string' ? { address: e } : e;
        return {
          hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress(spec.address, spec.port ?? 80), hostname: spec.hostname ?? '' } },
          healthStatus: spec.health ?? HealthStatus.HEALTHY,
          loadBalancingWeight: spec.weight ?? 1,
        };
      }),
    })),
    policy,
  });
}

/** A HostSet of one locality at priority 0. */
export function hostSetOf(endpoints: (string | EndpointSpec)[]): HostSet {
  return HostSet.fromClusterLoadAssignment(loadAssignment([{ endpoints }]));
}

/** `n` endpoints 10.0.x.y:80. */
export function addresses(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `10.0.${(i + from) >> 8}.${(i + from) & 255}`);
}

export function clusterOf(lbPolicy: Cluster_LbPolicy, extra: MessageInitShape<typeof ClusterSchema> = {}): Cluster {
  const c = create(ClusterSchema, extra);
  c.name ||= 'test';
  c.lbPolicy = lbPolicy;
  return c;
}

/** Host address → number of picks out of `n`. */
export function countPicks(picker: Picker, n: number, ctx?: (i: number) => PickContext): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const h = picker.pick(ctx?.(i));
    const k = h ? h.address : 'none';
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

export { Cluster_LbPolicy, HealthStatus };
