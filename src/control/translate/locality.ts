// Endpoints grouped by locality into a ClusterLoadAssignment, with Istio's locality load
// balancing relative to the proxy's own locality:
//   distribute  — the first rule whose `from` matches the proxy re-weights localities by its
//                 `to` map; localities it does not name get no traffic (they are dropped).
//   failover    — only with outlier detection (without it Envoy never leaves priority 0):
//                 priority by how much of region/zone/subZone matches the proxy (0 all,
//                 1 region+zone, 2 region, 3 none, 4 a region the proxy's `failover` rule
//                 does not name); failoverPriority labels split localities first. Priorities
//                 are then renumbered 0..N without gaps, as Envoy requires.
// Used for EDS and for the inline load assignments of DNS clusters.
import { create } from '@bufbuild/protobuf';
import { socketAddress } from '../../api/envoy/build.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { LbEndpointSchema, LocalityLbEndpointsSchema } from '../../api/gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import { HealthStatus } from '../../api/gen/envoy/config/core/v3/health_check_pb.js';
import type { LocalityLoadBalancerSetting } from '../../api/istio/networking.js';
import type { Endpoint, Locality } from '../registry/model.js';

export interface LocalityLbInput {
  /** The proxy's locality and labels (failover is relative to them). */
  locality: Locality;
  labels: Record<string, string>;
  /** The locality LB setting in force, undefined when disabled. */
  setting: LocalityLoadBalancerSetting | undefined;
  /** Failover applies only when the cluster has outlier detection. */
  outlierDetection: boolean;
}

/** A locality's endpoints at one priority, before rendering. */
export interface LocalityGroup {
  locality: Locality;
  endpoints: Endpoint[];
  weight: number;
  priority: number;
}

const HEALTH: Record<Endpoint['health'], HealthStatus> = {
  HEALTHY: HealthStatus.HEALTHY,
  UNHEALTHY: HealthStatus.UNHEALTHY,
  DRAINING: HealthStatus.DRAINING,
};

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpLocality(a: Locality, b: Locality): number {
  return cmp(a.region, b.region) || cmp(a.zone, b.zone) || cmp(a.subZone, b.subZone);
}

/** Envoy needs weights ≥ 1. */
function weightOf(e: Endpoint): number {
  return Math.max(1, Math.floor(e.weight || 1));
}

/** `region/zone/subzone` (parts may be missing) → Locality. */
export function parseLocality(text: string | undefined): Locality {
  const [region = '', zone = '', subZone = ''] = (text ?? '').split('/');
  return { region, zone, subZone };
}

/** Istio's LocalityMatch: a `region/zone/subzone` pattern where `*` or a missing part matches anything. */
export function localityMatches(locality: Locality, pattern: string): boolean {
  const [r = '', z = '', s = ''] = pattern.split('/');
  return (r === '*' || r === locality.region) && (z === '*' || z === '' || z === locality.zone) && (s === '*' || s === '' || s === locality.subZone);
}

/** Istio's LbPriority: 0 same subzone, 1 same zone, 2 same region, 3 elsewhere. */
export function lbPriority(proxy: Locality, ep: Locality): number {
  if (proxy.region !== ep.region) return 3;
  if (proxy.zone !== ep.zone) return 2;
  return proxy.subZone === ep.subZone ? 0 : 1;
}

/** Endpoints grouped by locality, localities sorted by region/zone/subZone, endpoints by address then port. */
export function groupByLocality(endpoints: readonly Endpoint[]): LocalityGroup[] {
  const byKey = new Map<string, LocalityGroup>();
  for (const e of endpoints) {
    const key = `${e.locality.region}/${e.locality.zone}/${e.locality.subZone}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { locality: { region: e.locality.region, zone: e.locality.zone, subZone: e.locality.subZone }, endpoints: [], weight: 0, priority: 0 }));
    g.endpoints.push(e);
    g.weight += weightOf(e);
  }
  const groups = [...byKey.values()].sort((a, b) => cmpLocality(a.locality, b.locality));
  for (const g of groups) g.endpoints.sort((a, b) => cmp(a.address, b.address) || a.port - b.port);
  return groups;
}

/** `distribute`: the first rule matching the proxy re-weights localities; unnamed localities are dropped. */
export function applyDistribute(groups: LocalityGroup[], proxy: Locality, distribute: NonNullable<LocalityLoadBalancerSetting['distribute']>): LocalityGroup[] {
  const rule = distribute.find((d) => localityMatches(proxy, d.from ?? ''));
  if (!rule) return groups;
  const unmatched = new Set(groups.map((_, i) => i));
  for (const [pattern, weight] of Object.entries(rule.to ?? {})) {
    const matched = [...unmatched].filter((i) => localityMatches(groups[i]!.locality, pattern));
    const total = matched.reduce((n, i) => n + groups[i]!.weight, 0);
    for (const i of matched) {
      unmatched.delete(i);
      const w = Math.ceil((groups[i]!.weight * weight) / total);
      if (w > 0) groups[i]!.weight = w;
    }
  }
  return groups.filter((_, i) => !unmatched.has(i));
}

/** `failoverPriority`: splits each locality by how many of the labels (in order) the endpoint shares with the proxy. */
export function applyFailoverPriority(groups: LocalityGroup[], proxyLabels: Record<string, string>, labels: string[]): LocalityGroup[] {
  if (Object.keys(proxyLabels).length === 0 || groups.length === 0) return groups;
  const parsed = labels.map((l) => {
    const eq = l.indexOf('=');
    return eq < 0 ? { key: l, value: proxyLabels[l] } : { key: l.slice(0, eq), value: l.slice(eq + 1) };
  });
  const out: LocalityGroup[] = [];
  for (const g of groups) {
    const byPriority = new Map<number, Endpoint[]>();
    for (const e of g.endpoints) {
      const miss = parsed.findIndex((p) => p.value !== e.labels[p.key]);
      const priority = miss < 0 ? 0 : parsed.length - miss;
      byPriority.set(priority, [...(byPriority.get(priority) ?? []), e]);
    }
    for (const p of [...byPriority.keys()].sort((a, b) => a - b)) {
      const eps = byPriority.get(p)!;
      out.push({ locality: g.locality, endpoints: eps, weight: eps.reduce((n, e) => n + weightOf(e), 0), priority: p });
    }
  }
  return compact(out);
}

/** `failover` (and Istio's default failover): priorities by locality match, then renumbered without gaps. */
export function applyFailover(groups: LocalityGroup[], proxy: Locality, failover: NonNullable<LocalityLoadBalancerSetting['failover']>): LocalityGroup[] {
  for (const g of groups) {
    let p = lbPriority(proxy, g.locality);
    if (p === 3) {
      const rule = failover.find((f) => f.from === proxy.region);
      if (rule && g.locality.region !== rule.to) p = 4;
    }
    g.priority = g.priority * 5 + p;
  }
  return compact(groups);
}

/** Renumbers priorities 0..N keeping their order. */
function compact(groups: LocalityGroup[]): LocalityGroup[] {
  const levels = [...new Set(groups.map((g) => g.priority))].sort((a, b) => a - b);
  for (const g of groups) g.priority = levels.indexOf(g.priority);
  return groups;
}

/** Istio's ApplyLocalityLoadBalancer over grouped endpoints. */
export function applyLocalityLb(groups: LocalityGroup[], input: LocalityLbInput): LocalityGroup[] {
  const s = input.setting;
  if (!s) return groups;
  if (s.distribute?.length) return applyDistribute(groups, input.locality, s.distribute);
  if (!input.outlierDetection) return groups;
  if (s.failoverPriority?.length) {
    const split = applyFailoverPriority(groups, input.labels, s.failoverPriority);
    return s.failover?.length ? applyFailover(split, input.locality, s.failover) : split;
  }
  return applyFailover(groups, input.locality, s.failover ?? []);
}

/**
 * A ClusterLoadAssignment: endpoints grouped by locality (every locality carries
 * load_balancing_weight — proxyless gRPC drops localities without one), each endpoint
 * with its health and weight. Localities sorted by priority, then region/zone/subZone.
 */
export function buildLoadAssignment(clusterName: string, endpoints: readonly Endpoint[], locality: LocalityLbInput | undefined): ClusterLoadAssignment {
  let groups = groupByLocality(endpoints);
  if (locality) groups = applyLocalityLb(groups, locality);
  groups.sort((a, b) => a.priority - b.priority || cmpLocality(a.locality, b.locality));
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: groups.map((g) =>
      create(LocalityLbEndpointsSchema, {
        locality: g.locality,
        lbEndpoints: g.endpoints.map((e) =>
          create(LbEndpointSchema, {
            hostIdentifier: { case: 'endpoint', value: { address: socketAddress(e.address, e.port) } },
            healthStatus: HEALTH[e.health],
            loadBalancingWeight: weightOf(e),
          }),
        ),
        loadBalancingWeight: g.weight,
        priority: g.priority,
      }),
    ),
  });
}
