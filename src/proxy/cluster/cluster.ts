// A cluster at run time: its hosts (from EDS, or the cluster's own load_assignment), the
// load balancer (priority/locality aware picker + outlier detection, src/proxy/balance),
// a connection pool per host, and the circuit breakers.
// Rebuilt hosts keep their pools when the address is unchanged, so a config push does
// not drop connections.
import { Cluster_DiscoveryType, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { durationMs } from '../../api/envoy/build.js';
import { CircuitBreakers } from './circuit-breakers.js';
import { H1Pool, type UpstreamPool } from '../upstream/pool.js';
import { H2Pool } from '../upstream/h2-pool.js';
import { protocolFor, upstreamProtocolPolicy, type DownstreamProtocol, type UpstreamProtocolPolicy } from '../upstream/upstream-protocol.js';
import type { Clock, Random } from '../../shared/clock.js';
import { ClusterLoadBalancer } from '../balance/cluster-load-balancer.js';
import { HostSet } from '../balance/host-set.js';
import type { Host } from '../balance/host.js';
import type { OutlierResult } from '../balance/outlier-detection.js';
import type { UpstreamTls } from '../tls/context.js';
import { StatsStore, clusterStats, type ClusterStats } from '../stats/index.js';

export interface UpstreamHost {
  address: string;
  port: number;
  weight: number;
  healthy: boolean;
  /** address:port */
  key: string;
}

/** net.connect's localAddress / localPort for a cluster's upstream connections (empty: the system picks). */
export interface SourceBind {
  localAddress?: string;
  localPort?: number;
}

/** upstream_bind_config.source_address as connect options (validateCluster refused what is not honoured). */
export function sourceBind(config: Cluster): SourceBind {
  const a = config.upstreamBindConfig?.sourceAddress;
  if (!a || a.address === '') return {};
  return a.portSpecifier.case === 'portValue' && a.portSpecifier.value > 0 ? { localAddress: a.address, localPort: a.portSpecifier.value } : { localAddress: a.address };
}

/** What a pick gives the router: the host's address and its key (`address:port`). */
export interface PickedHost {
  readonly address: string;
  readonly port: number;
  readonly key: string;
}

export class ClusterRuntime {
  readonly breakers: CircuitBreakers;
  readonly connectTimeoutMs: number;
  readonly maxRequestsPerConnection: number;
  readonly originalDst: boolean;
  /** upstream_bind_config: the source address (and port) upstream connections are made from. */
  readonly bind: SourceBind;
  private readonly lb: ClusterLoadBalancer;
  private byKey = new Map<string, Host>();
  /** HTTP/1.1 and HTTP/2 pools by `address:port`. */
  private readonly h1Pools = new Map<string, UpstreamPool & { address: string; port: number }>();
  private readonly h2Pools = new Map<string, UpstreamPool & { address: string; port: number }>();
  /** HTTP/1.1, HTTP/2, or the downstream's protocol (http_protocol_options). */
  readonly protocol: UpstreamProtocolPolicy;
  /** `cluster.<name>.*` handles: the router bumps fields, gauges read on demand are collected. */
  readonly stats: ClusterStats;
  private readonly removeCollector: () => void;
  private readonly outlierSeen: Record<string, number> = {};
  /** ORIGINAL_DST: when each destination's pool was last asked for; unused idle pools are closed every cleanup_interval. */
  private readonly lastUse = new Map<string, number>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly cleanupMs: number;

  constructor(
    readonly config: Cluster,
    random: Random,
    clock: Clock,
    store: StatsStore = new StatsStore(),
    /** The compiled transport_socket (UpstreamTlsContext); plaintext without it. */
    readonly tls?: UpstreamTls,
  ) {
    this.stats = clusterStats(store, config.name);
    this.removeCollector = store.addCollector(() => this.collectStats());
    this.breakers = new CircuitBreakers(config);
    this.connectTimeoutMs = durationMs(config.connectTimeout) ?? 5000;
    this.protocol = upstreamProtocolPolicy(config);
    this.maxRequestsPerConnection = this.protocol.maxRequestsPerConnection;
    this.originalDst = config.clusterDiscoveryType.case === 'type' && config.clusterDiscoveryType.value === Cluster_DiscoveryType.ORIGINAL_DST;
    this.bind = sourceBind(config);
    this.cleanupMs = durationMs(config.cleanupInterval) || 5000;
    const hostSet = !this.isEds && config.loadAssignment ? HostSet.fromStatic(config.loadAssignment) : undefined;
    this.lb = new ClusterLoadBalancer(config, {
      clock,
      random,
      ...(hostSet ? { hostSet } : {}),
    });
    this.indexHosts();
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

  setEndpoints(cla: ClusterLoadAssignment | undefined): void {
    if (!cla) return;
    this.lb.updateEndpoints(cla);
    this.indexHosts();
  }

  private indexHosts(): void {
    this.byKey = new Map(this.lb.hostSet.hosts.map((h) => [h.key, h]));
    for (const pools of [this.h1Pools, this.h2Pools]) {
      for (const [k, pool] of pools) {
        if (!this.byKey.has(`${pool.address}:${pool.port}`)) {
          pool.drain();
          pools.delete(k);
        }
      }
    }
  }

  allHosts(): UpstreamHost[] {
    return this.lb.hostSet.hosts.map((h) => ({ address: h.address, port: h.port, weight: h.weight, healthy: (h.health === 'HEALTHY' || h.health === 'UNKNOWN') && !h.state.ejected, key: h.key }));
  }

  /** Picks a host, avoiding `exclude` (retries' previous hosts, by key) when another exists. */
  pick(exclude?: ReadonlySet<string>, hash?: bigint): PickedHost | undefined {
    let ex: Set<Host> | undefined;
    if (exclude?.size) {
      ex = new Set();
      for (const k of exclude) {
        const h = this.byKey.get(k);
        if (h) ex.add(h);
      }
    }
    const h = this.lb.pick(ex === undefined && hash === undefined ? undefined : { ...(ex ? { exclude: ex } : {}), ...(hash !== undefined ? { hash } : {}) });
    return h;
  }

  /** Feeds outlier detection with a request's outcome on a host. */
  onResult(hostKey: string, result: OutlierResult): void {
    const h = this.byKey.get(hostKey);
    if (h) this.lb.onResult(h, result);
  }

  /** The host's pool for a request that arrived over `downstream`. */
  pool(host: { address: string; port: number; key?: string }, downstream: DownstreamProtocol = 'http1'): UpstreamPool {
    const protocol = protocolFor(this.protocol, downstream);
    const key = host.key ?? `${host.address}:${host.port}`;
    const pools = protocol === 'http2' ? this.h2Pools : this.h1Pools;
    if (this.originalDst) this.touch(key);
    let p = pools.get(key);
    if (!p) {
      p =
        protocol === 'http2'
          ? new H2Pool(host.address, host.port, this.breakers, {
              connectTimeoutMs: this.connectTimeoutMs,
              maxRequestsPerConnection: this.maxRequestsPerConnection,
              idleTimeoutMs: this.protocol.idleTimeoutMs,
              http2: this.protocol.http2,
              tls: this.tls,
              stats: this.stats,
              bind: this.bind,
            })
          : new H1Pool(host.address, host.port, this.breakers, this.connectTimeoutMs, this.maxRequestsPerConnection, this.tls, this.stats, this.bind);
      pools.set(key, p);
    }
    return p;
  }

  /** ORIGINAL_DST destinations come and go with the traffic: note a use, and sweep while pools exist. */
  private touch(key: string): void {
    this.lastUse.set(key, Date.now());
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(() => this.sweepOriginalDst(), this.cleanupMs);
      this.sweeper.unref();
    }
  }

  /** Closes the pools of destinations not used for a cleanup_interval and with no request in flight (Envoy's host cleanup). */
  private sweepOriginalDst(): void {
    const now = Date.now();
    for (const pools of [this.h1Pools, this.h2Pools]) {
      for (const [k, p] of pools) {
        if (p.inUse || now - (this.lastUse.get(k) ?? 0) < this.cleanupMs) continue;
        p.drain();
        pools.delete(k);
      }
    }
    for (const k of this.lastUse.keys()) if (!this.h1Pools.has(k) && !this.h2Pools.has(k)) this.lastUse.delete(k);
    if (this.lastUse.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Open connections to a host (both protocols), for the admin API. */
  connectionsTo(hostKey: string): number {
    let n = 0;
    n += this.h1Pools.get(hostKey)?.connections ?? 0;
    n += this.h2Pools.get(hostKey)?.connections ?? 0;
    return n;
  }

  /** Gauges (and the detector's counters) read when the admin API takes a snapshot. */
  private collectStats(): void {
    const s = this.stats;
    s.upstream_cx_active.set(this.breakers.connections);
    s.upstream_rq_pending_active.set(this.breakers.pending);
    const hosts = this.lb.hostSet.hosts;
    let healthy = 0;
    for (const h of hosts) if ((h.health === 'HEALTHY' || h.health === 'UNKNOWN') && !h.state.ejected) healthy++;
    s.membership_total.set(hosts.length);
    s.membership_healthy.set(healthy);
    const d = this.lb.detector?.stats;
    if (!d) return;
    const od = s.outlier_detection;
    od.ejections_active.set(d.ejections_active);
    for (const k of ['ejections_total', 'ejections_overflow', 'ejections_enforced_total', 'ejections_enforced_consecutive_5xx', 'ejections_detected_consecutive_5xx', 'ejections_enforced_consecutive_gateway_failure', 'ejections_detected_consecutive_gateway_failure', 'ejections_enforced_consecutive_local_origin_failure', 'ejections_detected_consecutive_local_origin_failure'] as const) {
      od[k].add(d[k] - (this.outlierSeen[k] ?? 0)); // the counter may outlive this runtime (same name)
      this.outlierSeen[k] = d[k];
    }
  }

  drain(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.removeCollector();
    this.stats.release();
    this.lb.close();
    for (const pools of [this.h1Pools, this.h2Pools]) {
      for (const p of pools.values()) p.drain();
      pools.clear();
    }
  }
}
