// Load balancing: a DestinationRule's `loadBalancer` as cluster settings (lb_policy, its
// lb_config, locality-weighted LB) and, for consistent hashing, as route hash policies —
// the cluster says RING_HASH/MAGLEV, the route says what to hash.
import { create } from '@bufbuild/protobuf';
import {
  Cluster_CommonLbConfigSchema,
  Cluster_CommonLbConfig_LocalityWeightedLbConfigSchema,
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  Cluster_LeastRequestLbConfigSchema,
  Cluster_MaglevLbConfigSchema,
  Cluster_RingHashLbConfigSchema,
  Cluster_RoundRobinLbConfigSchema,
  type Cluster,
} from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteAction_HashPolicySchema, type RouteAction_HashPolicy } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import type { ConsistentHashLB, DestinationRuleSpec, LoadBalancerSettings, LocalityLoadBalancerSetting, PortTrafficPolicy } from '../../api/istio/networking.js';
import type { Proxy } from '../model/proxy.js';
import type { PushContext } from '../snapshot/push-context.js';
import { istioDuration } from './cluster-policy.js';

/**
 * The locality LB setting in force: the DestinationRule's, else the mesh default, which in
 * Istio is `enabled: true` with no distribute/failover rules. `enabled: false` turns it off.
 */
export function localityLbSetting(lb: LoadBalancerSettings | undefined): LocalityLoadBalancerSetting | undefined {
  const s = lb?.localityLbSetting ?? { enabled: true };
  return s.enabled === false ? undefined : s;
}

/** Whether a cluster gets common_lb_config.locality_weighted_lb_config (Istio's rule). */
export function usesLocalityWeights(lb: LoadBalancerSettings | undefined, outlierDetection: boolean): boolean {
  const s = localityLbSetting(lb);
  if (!s) return false;
  if (s.distribute?.length) return true;
  return outlierDetection && (!!s.failover?.length || !!s.failoverPriority?.length);
}

/** Whether `simple: PASSTHROUGH` turns the cluster into an ORIGINAL_DST cluster. */
export function isPassthroughLb(lb: LoadBalancerSettings | undefined): boolean {
  return lb?.simple === 'PASSTHROUGH' && !lb.consistentHash;
}

/** Applies load balancing to an Envoy (sidecar or gateway) cluster. */
export function applyLoadBalancer(cluster: Cluster, lb: LoadBalancerSettings | undefined, outlierDetection: boolean): void {
  if (usesLocalityWeights(lb, outlierDetection)) {
    const common = (cluster.commonLbConfig ??= create(Cluster_CommonLbConfigSchema, {}));
    common.localityConfigSpecifier = { case: 'localityWeightedLbConfig', value: create(Cluster_CommonLbConfig_LocalityWeightedLbConfigSchema, {}) };
  }
  const type = cluster.clusterDiscoveryType;
  if (type.case === 'type' && type.value === Cluster_DiscoveryType.ORIGINAL_DST) {
    cluster.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
    return;
  }
  const warmup = istioDuration(lb?.warmupDurationSecs);
  const slowStart = warmup ? { slowStartConfig: { slowStartWindow: warmup } } : undefined;
  switch (lb?.simple) {
    case 'ROUND_ROBIN':
      cluster.lbPolicy = Cluster_LbPolicy.ROUND_ROBIN;
      if (slowStart) cluster.lbConfig = { case: 'roundRobinLbConfig', value: create(Cluster_RoundRobinLbConfigSchema, slowStart) };
      break;
    case 'RANDOM':
      cluster.lbPolicy = Cluster_LbPolicy.RANDOM;
      break;
    case 'PASSTHROUGH':
      cluster.clusterDiscoveryType = { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST };
      cluster.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
      cluster.loadAssignment = undefined;
      cluster.edsClusterConfig = undefined;
      break;
    default:
      // LEAST_CONN (deprecated), LEAST_REQUEST and unset: Istio's default is least request.
      cluster.lbPolicy = Cluster_LbPolicy.LEAST_REQUEST;
      if (slowStart) cluster.lbConfig = { case: 'leastRequestLbConfig', value: create(Cluster_LeastRequestLbConfigSchema, slowStart) };
  }
  applyConsistentHash(cluster, lb?.consistentHash);
}

/** consistentHash → RING_HASH (minimum ring size, default 1024) or MAGLEV (table size). */
function applyConsistentHash(cluster: Cluster, ch: ConsistentHashLB | undefined): void {
  if (!ch) return;
  if (ch.maglev) {
    cluster.lbPolicy = Cluster_LbPolicy.MAGLEV;
    cluster.lbConfig = ch.maglev.tableSize ? { case: 'maglevLbConfig', value: create(Cluster_MaglevLbConfigSchema, { tableSize: BigInt(ch.maglev.tableSize) }) } : { case: undefined };
    return;
  }
  cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
  if (ch.ringHash) {
    const min = ch.ringHash.minimumRingSize;
    cluster.lbConfig = min ? { case: 'ringHashLbConfig', value: create(Cluster_RingHashLbConfigSchema, { minimumRingSize: BigInt(min) }) } : { case: undefined };
    return;
  }
  cluster.lbConfig = { case: 'ringHashLbConfig', value: create(Cluster_RingHashLbConfigSchema, { minimumRingSize: BigInt(ch.minimumRingSize || 1024) }) };
}

/**
 * Proxyless gRPC supports ROUND_ROBIN and RING_HASH only (grpc-js-xds NACKs anything else):
 * consistent hashing (ring hash or maglev) becomes RING_HASH, everything else ROUND_ROBIN.
 */
export function applyGrpcLoadBalancer(cluster: Cluster, lb: LoadBalancerSettings | undefined): void {
  const ch = lb?.consistentHash;
  if (!ch) {
    cluster.lbPolicy = Cluster_LbPolicy.ROUND_ROBIN;
    return;
  }
  cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
  const min = ch.ringHash?.minimumRingSize ?? ch.minimumRingSize;
  if (min) cluster.lbConfig = { case: 'ringHashLbConfig', value: create(Cluster_RingHashLbConfigSchema, { minimumRingSize: BigInt(min) }) };
}

// --- hash policies (for routes) ---------------------------------------------------------

function portLevelHash(settings: PortTrafficPolicy[] | undefined, port: number): ConsistentHashLB | undefined {
  return settings?.find((s) => s.port?.number === port)?.loadBalancer?.consistentHash;
}

/**
 * The consistent hash that applies to a route destination, with Istio's precedence
 * (hashForHTTPDestination): the subset's port-level setting, the subset, the top-level
 * port-level setting, the top level.
 */
export function consistentHashFor(spec: DestinationRuleSpec, port: number, subset: string): ConsistentHashLB | undefined {
  const tp = spec.trafficPolicy;
  const s = subset ? spec.subsets?.find((x) => x.name === subset) : undefined;
  return portLevelHash(s?.trafficPolicy?.portLevelSettings, port) ?? s?.trafficPolicy?.loadBalancer?.consistentHash ?? portLevelHash(tp?.portLevelSettings, port) ?? tp?.loadBalancer?.consistentHash;
}

/** Envoy route hash policies for a consistent hash: header, cookie (name, path, ttl), source IP or query parameter. */
export function hashPolicyOf(ch: ConsistentHashLB | undefined): RouteAction_HashPolicy[] {
  if (!ch) return [];
  if (ch.httpHeaderName) return [create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'header', value: { headerName: ch.httpHeaderName } } })];
  if (ch.httpCookie) {
    const ttl = istioDuration(ch.httpCookie.ttl);
    return [create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'cookie', value: { name: ch.httpCookie.name, path: ch.httpCookie.path ?? '', ...(ttl ? { ttl } : {}) } } })];
  }
  if (ch.useSourceIp) return [create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'connectionProperties', value: { sourceIp: true } } })];
  if (ch.httpQueryParameterName) return [create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'queryParameter', value: { name: ch.httpQueryParameterName } } })];
  return [];
}

/** Route hash policies for traffic from `proxy` to `hostname:port` (subset may be ''); [] when the DestinationRule does not hash. */
export function hashPolicyFor(push: PushContext, proxy: Proxy, hostname: string, port: number, subset: string): RouteAction_HashPolicy[] {
  const dr = push.destinationRule(proxy, hostname);
  return dr ? hashPolicyOf(consistentHashFor(dr.spec, port, subset)) : [];
}

