// EDS: the ClusterLoadAssignments of one proxy's EDS clusters (the same targets CDS
// builds, cluster-targets.ts). Subset clusters hold only the endpoints whose labels match
// the subset; localities are weighted and, with locality failover, given priorities
// relative to the proxy (locality.ts). Pure and deterministic; sorted by cluster_name.
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Proxy } from '../model/proxy.js';
import type { PushContext } from '../snapshot/push-context.js';
import { localityInput, outboundTargets, targetEndpoints } from './cluster-targets.js';
import { buildLoadAssignment } from './locality.js';

/** Load assignments of every EDS cluster of the proxy, or of those named in `clusterNames`. */
export function buildEndpoints(push: PushContext, proxy: Proxy, clusterNames?: readonly string[]): ClusterLoadAssignment[] {
  const wanted = clusterNames ? new Set(clusterNames) : undefined;
  const out: ClusterLoadAssignment[] = [];
  for (const t of outboundTargets(push, proxy)) {
    if (t.kind !== 'EDS' || (wanted && !wanted.has(t.name))) continue;
    out.push(buildLoadAssignment(t.name, targetEndpoints(push, t), localityInput(proxy, t.policy)));
  }
  return out.sort((a, b) => (a.clusterName < b.clusterName ? -1 : a.clusterName > b.clusterName ? 1 : 0));
}
