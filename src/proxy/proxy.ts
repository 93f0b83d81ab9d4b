// The proxy: listeners, route tables and clusters built from a config snapshot (from xDS
// or a static bootstrap), swapped atomically. Unchanged listeners keep their sockets and
// unchanged clusters keep their connection pools; removed listeners stop accepting while
// their open connections finish.
//
// A listener with use_original_dst (Istio's virtualOutbound / virtualInbound, reached by
// iptables REDIRECT) reads each connection's original destination and hands the connection
// to the bind_to_port: false listener of that address (exact IP:port, then 0.0.0.0:port, of
// the same traffic direction), or serves it with its own filter chains, matching
// destination_port against the original port.
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { equals } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, type Cluster } from '../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { RouteConfiguration } from '../api/gen/envoy/config/route/v3/route_pb.js';
import type { ClusterLoadAssignment } from '../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { RouteTable } from './route/route-table.js';
import { ClusterRuntime } from './cluster/cluster.js';
import { ListenerChains, type FilterLookup } from './listener/filter-chain.js';
import { originalDsts, type OriginalDst, type OriginalDstReader } from './listener/original-dst.js';
import { idleSockets, type ProxyState } from './http/connection-manager.js';
import { systemClock, systemRandom, type Clock, type Random } from '../shared/clock.js';
import { fail, ok, type Result } from '../shared/result.js';
import { logger } from '../shared/log.js';
import type { Secret } from '../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { compileUpstreamTransportSocket, sameSecrets } from './tls/context.js';
import { StatsStore } from './stats/index.js';

const log = logger('proxy');

export interface ProxyConfigSnapshot {
  listeners: ReadonlyMap<string, Listener>;
  routes: ReadonlyMap<string, RouteConfiguration>;
  clusters: ReadonlyMap<string, Cluster>;
  endpoints: ReadonlyMap<string, ClusterLoadAssignment>;
  /** SDS and static secrets by name, for the TLS contexts of listeners and clusters. */
  secrets?: ReadonlyMap<string, Secret>;
}

interface ActiveListener {
  config: Listener;
  chains: ListenerChains;
  server: Server | undefined;
  address: string;
  port: number;
  /** traffic_direction (0 unspecified, 1 inbound, 2 outbound): original-destination hand-offs stay within one direction. */
  direction: number;
}

export interface ProxyOptions {
  filters: FilterLookup;
  clock?: Clock;
  random?: Random;
}

export class Proxy implements ProxyState {
  readonly clock: Clock;
  readonly random: Random;
  draining = false;
  /** Every stat of this proxy (admin /stats); clusters and connection managers keep handles. */
  readonly stats = new StatsStore();
  private routes = new Map<string, { config: RouteConfiguration; table: RouteTable }>();
  private clusters = new Map<string, ClusterRuntime>();
  private listeners = new Map<string, ActiveListener>();
  /** bind_to_port: false listeners by `address:port`: where use_original_dst listeners hand connections. */
  private byOriginalDst = new Map<string, ActiveListener>();
  private warnedOriginalDst = false;
  private readonly sockets = new Set<Socket>();
  /** The last snapshot applied (for config_dump). */
  current: ProxyConfigSnapshot = { listeners: new Map(), routes: new Map(), clusters: new Map(), endpoints: new Map() };

  constructor(private readonly opts: ProxyOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
  }

  routeTable(name: string): RouteTable | undefined {
    return this.routes.get(name)?.table;
  }

  cluster(name: string): ClusterRuntime | undefined {
    return this.clusters.get(name);
  }

  clusterList(): ClusterRuntime[] {
    return [...this.clusters.values()];
  }

  listenerList(): { name: string; address: string; port: number }[] {
    return [...this.listeners].map(([name, l]) => ({ name, address: l.address, port: l.port }));
  }

  /**
   * Applies a snapshot: listeners that fail to compile or bind are reported (the rest is
   * applied). Returns the errors, each naming the listener.
   */
  async apply(s: ProxyConfigSnapshot): Promise<Result<void>> {
    const errors: string[] = [];
    // Routes: rebuild only changed ones (the xDS client keeps unchanged objects).
    const routes = new Map<string, { config: RouteConfiguration; table: RouteTable }>();
    for (const [name, rc] of s.routes) {
      const prev = this.routes.get(name);
      routes.set(name, prev && prev.config === rc ? prev : { config: rc, table: new RouteTable(rc) });
    }
    this.routes = routes;
    // Clusters: keep runtime (pools, breakers) for identical configs.
    const clusters = new Map<string, ClusterRuntime>();
    const secrets = s.secrets ?? new Map<string, Secret>();
    for (const [name, c] of s.clusters) {
      const prev = this.clusters.get(name);
      const used = prev?.tls?.secrets ?? [];
      let rt = prev && (prev.config === c || equals(ClusterSchema, prev.config, c)) && sameSecrets(used, secretsOf(used, secrets)) ? prev : undefined;
      if (!rt) {
        const tls = compileUpstreamTransportSocket(c.transportSocket, secrets);
        if (!tls.ok) {
          // Never send plaintext where the config asks for TLS: the last good cluster stays, or none.
          errors.push(...tls.errors.map((e) => `Cluster "${name}": transport_socket.${e}`));
          if (prev) clusters.set(name, prev);
          continue;
        }
        rt = new ClusterRuntime(c, this.random, this.clock, this.stats, tls.value);
      }
      if (rt.isEds) rt.setEndpoints(s.endpoints.get(rt.edsName));
      clusters.set(name, rt);
    }
    for (const [name, rt] of this.clusters) if (clusters.get(name) !== rt) rt.drain();
    this.clusters = clusters;
    // Listeners.
    const next = new Map<string, ActiveListener>();
    for (const [name, l] of s.listeners) {
      const prev = this.listeners.get(name);
      if (prev && (prev.config === l || equals(ListenerSchema, prev.config, l)) && sameSecrets(prev.chains.secrets, secretsOf(prev.chains.secrets, secrets))) {
        next.set(name, prev);
        continue;
      }
      const chains = ListenerChains.compile(l, this, this.opts.filters, secrets);
      if (!chains.ok) {
        errors.push(...chains.errors.map((e) => `Listener "${name}": ${e}`));
        if (prev) next.set(name, prev);
        continue;
      }
      const a = l.address?.address;
      const address = a?.case === 'socketAddress' ? a.value.address : '';
      const port = a?.case === 'socketAddress' && a.value.portSpecifier.case === 'portValue' ? a.value.portSpecifier.value : 0;
      const active: ActiveListener = { config: l, chains: chains.value, server: undefined, address, port, direction: l.trafficDirection };
      if (prev && prev.server && prev.address === address && prev.port === port) {
        active.server = prev.server; // same socket, new chains
      } else if (l.bindToPort !== false && !l.apiListener && a?.case === 'socketAddress') {
        try {
          active.server = await this.bind(name, address, port);
          active.port = (active.server.address() as { port: number }).port;
        } catch (err) {
          errors.push(`Listener "${name}": cannot bind ${address}:${port}: ${(err as Error).message}`);
          if (prev) next.set(name, prev);
          continue;
        }
        if (prev?.server) prev.server.close();
      }
      next.set(name, active);
    }
    for (const [name, l] of this.listeners) if (!next.has(name) && l.server) l.server.close(); // drain: stop accepting
    this.listeners = next;
    const byOriginalDst = new Map<string, ActiveListener>();
    for (const l of next.values()) if (l.config.bindToPort === false && l.config.address?.address.case === 'socketAddress') byOriginalDst.set(`${l.address}:${l.port}`, l);
    this.byOriginalDst = byOriginalDst;
    this.current = s;
    return errors.length ? fail(...errors) : ok(undefined);
  }

  private bind(name: string, address: string, port: number): Promise<Server> {
    const server = createServer({ noDelay: true }, (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      const l = this.listeners.get(name) ?? [...this.listeners.values()].find((x) => x.server === server);
      if (!l) return socket.destroy();
      if (l.chains.originalDst) return this.acceptRedirected(l, socket, l.chains.originalDst);
      l.chains.handle(socket, this);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        server.on('error', (err) => log.error('listener error', { listener: name, err }));
        resolve(server);
      });
    });
  }

  /**
   * A connection on a use_original_dst listener: a redirected one (original destination
   * other than the socket's own address) is recorded for ORIGINAL_DST clusters and handed
   * to the listener of its original destination, if there is one. A connection made to the
   * listener directly has no original destination: its ORIGINAL_DST clusters have no host,
   * so the proxy never connects back to itself.
   */
  private acceptRedirected(l: ActiveListener, socket: Socket, reader: OriginalDstReader): void {
    const dst = reader.read(socket);
    if (!dst) {
      if (!this.warnedOriginalDst) log.warn('cannot read the original destination of a connection (SO_ORIGINAL_DST); served as not redirected', { listener: l.config.name });
      this.warnedOriginalDst = true;
      return l.chains.handle(socket, this);
    }
    if (dst.port === socket.localPort && sameAddress(dst.address, socket.localAddress)) return l.chains.handle(socket, this);
    originalDsts.set(socket, dst);
    const target = this.listenerFor(dst, l);
    (target ?? l).chains.handle(socket, this, dst.port);
  }

  /** The bind_to_port: false listener for an original destination: exact address, then the wildcard, same direction. */
  private listenerFor(dst: OriginalDst, from: ActiveListener): ActiveListener | undefined {
    const t = this.byOriginalDst.get(`${dst.address}:${dst.port}`) ?? this.byOriginalDst.get(`${isIPv6(dst.address) ? '::' : '0.0.0.0'}:${dst.port}`);
    // Inbound connections never reach outbound listeners (Istio's 0.0.0.0_<port>) and back.
    if (!t || (t.direction && from.direction && t.direction !== from.direction)) return undefined;
    return t;
  }

  /** Port a listener is bound to (useful when the config said 0). */
  boundPort(name: string): number | undefined {
    return this.listeners.get(name)?.port;
  }

  /** Stops accepting on every listener; idle connections close now, busy ones after their response. */
  drainListeners(): void {
    this.draining = true;
    for (const l of this.listeners.values()) l.server?.close();
    for (const s of this.sockets) if (idleSockets.has(s)) s.end();
  }

  /** Closes everything now. */
  async close(): Promise<void> {
    const closing = [...this.listeners.values()].map((l) => new Promise<void>((r) => (l.server ? l.server.close(() => r()) : r())));
    for (const s of this.sockets) s.destroy();
    for (const c of this.clusters.values()) c.drain();
    await Promise.all(closing);
  }

  get activeConnections(): number {
    return this.sockets.size;
  }
}

/** Whether two textual addresses are the same (IPv4 also in its ::ffff: mapped form). */
function sameAddress(a: string, b: string | undefined): boolean {
  return b !== undefined && (a === b || `::ffff:${a}` === b);
}

/** The current value of each secret a context was built from (by name). */
function secretsOf(used: readonly Secret[], secrets: ReadonlyMap<string, Secret>): Secret[] {
  return used.flatMap((u) => {
    const s = secrets.get(u.name);
    return s ? [s] : [];
  });
}
