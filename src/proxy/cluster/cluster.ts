// A cluster at run time: its hosts (from EDS, or the cluster's own load_assignment), a
// picker over the healthy ones, a connection pool per host, and the circuit breakers.
// Rebuilt hosts keep their pools when the address is unchanged, so a config push does
// not drop connections.
import { Cluster_DiscoveryType, Cluster_LbPolicy, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { HealthStatus } from '../../api/gen/envoy/config/core/v3/health_check_pb.js';
import { durationMs } from '../../api/envoy/build.js';
import { HttpProtocolOptionsSchema } from '../../api/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { unpack } from '../../api/envoy/types.js';
import { CircuitBreakers } from './circuit-breakers.js';
import { H1Pool } from '../upstream/pool.js';
import type { Random } from '../../shared/clock.js';

export interface UpstreamHost {
  address: string;
  port: number;
  weight: number;
  healthy: boolean;
  /** address:port */
  key: string;
}

export function hostsFromAssignment(cla: ClusterLoadAssignment | undefined): UpstreamHost[] {
  const out: UpstreamHost[] = [];
  if (!cla) return out;
  // Priority 0 first; lower priorities only when no healthy host remains above them.
  const byPriority = new Map<number, UpstreamHost[]>();
  for (const loc of cla.endpoints) {
    for (const ep of loc.lbEndpoints) {
      if (ep.hostIdentifier.case !== 'endpoint') continue;
      const a = ep.hostIdentifier.value.address?.address;
      if (a?.case !== 'socketAddress' || a.value.portSpecifier.case !== 'portValue') continue;
      const list = byPriority.get(loc.priority) ?? [];
      list.push({
        address: a.value.address,
        port: a.value.portSpecifier.value,
        weight: Math.max(1, ep.loadBalancingWeight ?? 1),
        healthy: ep.healthStatus !== HealthStatus.UNHEALTHY && ep.healthStatus !== HealthStatus.DRAINING && ep.healthStatus !== HealthStatus.TIMEOUT,
        key: `${a.value.address}:${a.value.portSpecifier.value}`,
      });
      byPriority.set(loc.priority, list);
    }
  }
  for (const p of [...byPriority.keys()].sort((a, b) => a - b)) {
    const hosts = byPriority.get(p)!;
    out.push(...hosts);
    if (hosts.some((h) => h.healthy)) break;
  }
  return out;
}

export class ClusterRuntime {
  readonly breakers: CircuitBreakers;
  readonly connectTimeoutMs: number;
  readonly maxRequestsPerConnection: number;
  readonly originalDst: boolean;
  private hosts: UpstreamHost[] = [];
  private healthy: UpstreamHost[] = [];
  private rr = 0;
  private readonly pools = new Map<string, H1Pool>();
  /** Stats (read by the admin API). */
  readonly stats = { rqTotal: 0, rqActive: 0, rq2xx: 0, rq3xx: 0, rq4xx: 0, rq5xx: 0, cxConnectFail: 0, rqTimeout: 0, rqRetry: 0, rqPendingOverflow: 0 };

  constructor(
    readonly config: Cluster,
    private readonly random: Random,
  ) {
    this.breakers = new CircuitBreakers(config);
    this.connectTimeoutMs = durationMs(config.connectTimeout) ?? 5000;
    const opts = config.typedExtensionProtocolOptions['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    const http = opts ? unpack(opts, HttpProtocolOptionsSchema) : undefined;
    this.maxRequestsPerConnection = http?.commonHttpProtocolOptions?.maxRequestsPerConnection ?? config.maxRequestsPerConnection ?? 0;
    this.originalDst = config.clusterDiscoveryType.case === 'type' && config.clusterDiscoveryType.value === Cluster_DiscoveryType.ORIGINAL_DST;
    if (!this.isEds) this.setHosts(hostsFromAssignment(config.loadAssignment));
  }

  get name(): string {
    return this.config.name;
  }

  get isEds(): boolean {
    return this.config.clusterDiscoveryType.case === 'type' && this.config.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS;
  }

  /** EDS service name, or the cluster name. */
  get edsName(): string {
    return this.config.edsClusterConfig?.serviceName || this.config.name;
  }

  setHosts(hosts: UpstreamHost[]): void {
    this.hosts = hosts;
    this.healthy = hosts.filter((h) => h.healthy);
    const keep = new Set(hosts.map((h) => h.key));
    for (const [k, pool] of this.pools) {
      if (!keep.has(k)) {
        pool.drain();
        this.pools.delete(k);
      }
    }
  }

  allHosts(): readonly UpstreamHost[] {
    return this.hosts;
  }

  /** Picks a healthy host, avoiding `exclude` (retries' previous hosts) when another exists. */
  pick(exclude?: ReadonlySet<string>): UpstreamHost | undefined {
    const pool = this.healthy.length > 0 ? this.healthy : [];
    if (pool.length === 0) return undefined;
    const candidates = exclude && exclude.size ? pool.filter((h) => !exclude.has(h.key)) : pool;
    const list = candidates.length ? candidates : pool;
    switch (this.config.lbPolicy) {
      case Cluster_LbPolicy.RANDOM:
        return list[Math.floor(this.random.next() * list.length)];
      case Cluster_LbPolicy.LEAST_REQUEST: {
        if (list.length === 1) return list[0];
        const a = list[Math.floor(this.random.next() * list.length)]!;
        const b = list[Math.floor(this.random.next() * list.length)]!;
        const pa = this.pools.get(a.key)?.connections ?? 0;
        const pb = this.pools.get(b.key)?.connections ?? 0;
        return pa <= pb ? a : b;
      }
      default:
        return list[this.rr++ % list.length];
    }
  }

  pool(host: { address: string; port: number; key?: string }): H1Pool {
    const key = host.key ?? `${host.address}:${host.port}`;
    let p = this.pools.get(key);
    if (!p) this.pools.set(key, (p = new H1Pool(host.address, host.port, this.breakers, this.connectTimeoutMs, this.maxRequestsPerConnection)));
    return p;
  }

  drain(): void {
    for (const p of this.pools.values()) p.drain();
    this.pools.clear();
  }
}
