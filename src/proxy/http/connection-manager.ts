// The HTTP connection manager (HTTP/1.1): one per listener filter chain. Per downstream
// connection it parses requests with the strict codec, one at a time (pipelined requests
// wait), matches the route, runs the HTTP filters, and routes to a cluster; responses
// are streamed back with correct framing. Locally generated errors carry the response
// flag (x-rig-response-flags) and a body that says why.
import type { Socket } from 'node:net';
import { H1Parser, forwardFraming, pushFramingFields, serializeResponseHead, encodeChunk, lastChunk, type MessageHead, type H1ParseError } from './h1/index.js';
import { HeaderMap } from './headers.js';
import type { HttpFilterFactory, HttpRequestView, HttpStreamFilter, LocalReply, ResponseFlag, StreamInfo } from './filter.js';
import { noRoute, localReply } from './local-reply.js';
import { routeToCluster, type UpstreamCall } from './router.js';
import { encodeGrpcMessage, httpToGrpcStatus, isGrpcHead } from './grpc.js';
import { mirrorRequest } from './mirror.js';
import { NO_FILTERS_RUN, applyResponseHeaderOps, decideRoute, prepareForwarding, runRequestFilters, streamInfo, writeAccessLog, type FilterRun } from './request-pipeline.js';
import { splice, upgradeAllowed, upgradeToCluster, type UpgradeHandler } from './upgrade.js';
import type { Route, VirtualHost } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import type { RouteTable } from '../route/route-table.js';
import type { ClusterRuntime } from '../cluster/cluster.js';
import type { Clock, Random } from '../../shared/clock.js';
import { logger } from '../../shared/log.js';
import { httpConnManagerStats, type HttpConnManagerStats, type StatsStore } from '../stats/index.js';
import { LazyTimer } from '../../shared/lazy-timer.js';
import { holdWrites } from './write-batch.js';

const log = logger('hcm');
const MAX_BUFFERED_BODY = 16 * 1024 * 1024;
const FLAGS_HEADER = 'x-rig-response-flags';
const EMPTY = Buffer.alloc(0);

export interface CompiledFilter {
  name: string;
  factory: HttpFilterFactory;
  config: unknown;
}

/** What a connection manager looks up per request: the current routes and clusters. */
export interface ProxyState {
  routeTable(name: string): RouteTable | undefined;
  cluster(name: string): ClusterRuntime | undefined;
  clock: Clock;
  random: Random;
  /** The proxy's stats store (connection managers and clusters keep handles from it). */
  readonly stats: StatsStore;
  /** Set while shutting down: responses carry Connection: close and idle connections end. */
  readonly draining: boolean;
}

const IDLE = Symbol('rig.idle');
type MarkedSocket = Socket & { [IDLE]?: boolean };

/**
 * Downstream sockets with no request in flight (closed at once when the proxy drains): a
 * mark on the socket itself, set and cleared on every request without a hash-table update.
 */
export const idleSockets = {
  add(s: Socket): void {
    (s as MarkedSocket)[IDLE] = true;
  },
  delete(s: Socket): void {
    (s as MarkedSocket)[IDLE] = false;
  },
  has(s: Socket): boolean {
    return (s as MarkedSocket)[IDLE] === true;
  },
};

export interface HcmConfig {
  statPrefix: string;
  /** RDS route configuration name, or an inline table. */
  routeName?: string;
  inlineRoutes?: RouteTable;
  filters: CompiledFilter[];
  /** use_remote_address: this proxy is the edge; set x-forwarded-for from the peer. */
  edge: boolean;
  generateRequestId: boolean;
  accessLogPath?: string;
  /** Request headers timeout (slowloris): 408 when the head does not arrive in time. */
  requestHeadersTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  idleTimeoutMs: number;
  /** upgrade_configs: the enabled upgrade types, lower-case (`websocket`); none when absent. */
  upgradeTypes?: readonly string[];
}


/** One request on a downstream connection, and the handler of its upstream response. */
class Stream implements UpgradeHandler {
  body: Buffer[] = [];
  bodyLength = 0;
  readonly started = Date.now();
  readonly flags = new Set<ResponseFlag>();
  status = 0;
  upstreamCluster = '-';
  upstreamHost = '-';
  abort: UpstreamCall | undefined = undefined;
  responded = false;
  /** Counted in downstream_rq_total / _active (a real request, not a synthetic error stream). */
  counted: boolean;
  // Set once routed (dispatch):
  req: HttpRequestView | undefined = undefined;
  route: Route | undefined = undefined;
  virtualHost: VirtualHost | undefined = undefined;
  info: StreamInfo | undefined = undefined;
  filters: HttpStreamFilter[] = NO_FILTERS;
  upgradeType = '';
  // The response being forwarded:
  private chunked = false;
  private closeAfter = false;
  private trailers: string[] | undefined = undefined;
  /** The response head, held to leave in one write with the body that came in the same read. */
  private heldHead: Buffer | undefined = undefined;

  constructor(
    readonly conn: DownstreamConnection,
    readonly head: MessageHead,
    counted: boolean,
  ) {
    this.counted = counted;
  }

  onHead(rh: MessageHead): void {
    const conn = this.conn;
    const socket = conn.socket;
    this.status = rh.statusCode;
    const rhm = HeaderMap.fromH1(rh.headers, rh.known.connection);
    applyResponseHeaderOps(rhm, this.virtualHost!, this.route!);
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) filters[i]!.onResponse?.(rh.statusCode, rhm, this.req!, this.info!);
    const forwarded = this.head.method === 'HEAD' ? NO_BODY : forwardFraming(rh, this.head.versionMinor);
    const framing = forwarded.kind === 'buffer' ? CHUNKED : forwarded;
    this.chunked = framing.kind === 'chunked';
    this.closeAfter = framing.kind === 'close' || !this.head.keepAlive || conn.state.draining || this.head.upgrade;
    // HeaderMap.fromH1 left out the upstream's framing fields: these are the ones for this client.
    const out = rhm.toFlat();
    pushFramingFields(out, framing);
    if (this.closeAfter && framing.kind !== 'close') out.push('connection', 'close');
    const headBuf = serializeResponseHead(rh.statusCode, rh.reason, out, this.head.versionMinor, rhm.invalid === undefined);
    // The rest of the response came with its head (the usual small response): send them together.
    if (rh.restInRead && !this.chunked) {
      this.heldHead = headBuf;
      return;
    }
    // Body and end may still arrive in this upstream read: what is written this turn leaves together at its end.
    holdWrites(socket);
    socket.write(headBuf);
  }

  onBody(chunk: Buffer): boolean {
    const socket = this.conn.socket;
    holdWrites(socket);
    const held = this.heldHead;
    if (held !== undefined) {
      this.heldHead = undefined;
      if (chunk.length <= COALESCE_BYTES) return socket.write(Buffer.concat([held, chunk], held.length + chunk.length));
      socket.write(held);
    }
    // A copy: the chunk may live in a read buffer that is reused, and the write may be queued.
    const data = Buffer.from(chunk);
    if (!this.chunked) return socket.write(data);
    let ok = true;
    for (const b of encodeChunk(data)) ok = socket.write(b);
    return ok;
  }

  waitDrain(resume: () => void): void {
    this.conn.socket.once('drain', resume);
  }

  onTrailers(t: string[]): void {
    this.trailers = t;
  }

  onEnd(): void {
    const socket = this.conn.socket;
    holdWrites(socket);
    if (this.heldHead !== undefined) {
      socket.write(this.heldHead);
      this.heldHead = undefined;
    }
    if (this.chunked) socket.write(lastChunk(this.trailers));
    this.trailers = undefined;
    this.upstreamHost = this.upstreamCluster;
    this.conn.complete(this, this.closeAfter);
  }

  onLocalReply(reply: LocalReply): void {
    this.conn.sendLocal(this, reply, false, this.filters);
  }

  onReset(): void {
    this.heldHead = undefined;
    this.flags.add('UR');
    this.conn.complete(this, true, true);
  }

  onUpgraded(upstream: Socket, rh: MessageHead, rest: Buffer): void {
    this.conn.startTunnel(this, upstream, rh, rest);
  }
}

const NO_FILTERS: HttpStreamFilter[] = [];

const NO_BODY = { kind: 'none' } as const;
const CHUNKED = { kind: 'chunked' } as const;
/** Up to this many body bytes are copied behind a held head to leave in one write (one buffer, not a writev). */
const COALESCE_BYTES = 4096;

export class HttpConnectionManager {
  /** `http.<stat_prefix>.*`, shared by every connection of this manager. */
  readonly stats: HttpConnManagerStats;

  constructor(
    readonly config: HcmConfig,
    private readonly state: ProxyState,
  ) {
    this.stats = httpConnManagerStats(state.stats, config.statPrefix);
  }

  /** The proxy state this manager looks routes and clusters up in (the HTTP/2 manager shares it). */
  get proxyState(): ProxyState { return this.state; }

  handle(socket: Socket): void {
    new DownstreamConnection(socket, this.config, this.state, this.stats);
  }
}

const enum Timeout {
  Headers = 1,
  Idle = 2,
}

class DownstreamConnection {
  private readonly parser: H1Parser;
  private stream: Stream | undefined;
  private closed = false;
  /** The request-headers timeout while a head is arriving, the idle timeout between requests. */
  private readonly timer: LazyTimer<Timeout>;
  private readonly peer: string;
  private readonly onData: (d: Buffer) => void;
  /** The upstream socket once an Upgrade was accepted (101): bytes are spliced from then on. */
  private tunnel: Socket | undefined;

  constructor(
    readonly socket: Socket,
    private readonly cfg: HcmConfig,
    readonly state: ProxyState,
    private readonly stats: HttpConnManagerStats,
  ) {
    stats.downstream_cx_total.inc();
    stats.downstream_cx_http1_total.inc();
    stats.downstream_cx_active.inc();
    this.peer = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    this.parser = new H1Parser('request', {}, {
      onMessageBegin: () => {
        idleSockets.delete(socket);
        if (this.cfg.requestHeadersTimeoutMs > 0) this.timer.arm(Timeout.Headers, this.cfg.requestHeadersTimeoutMs);
        else this.timer.disarm();
      },
      onHead: (head) => {
        this.timer.disarm();
        this.stream = new Stream(this, head, true);
        this.stats.downstream_rq_total.inc();
        this.stats.downstream_rq_http1_total.inc();
        this.stats.downstream_rq_active.inc();
        if (head.known.expect?.toLowerCase() === '100-continue') socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      },
      onBody: (chunk) => {
        const s = this.stream;
        if (!s) return;
        s.bodyLength += chunk.length;
        if (s.bodyLength > MAX_BUFFERED_BODY) {
          this.sendLocal(s, localReply(413, undefined, 'request body too large'), true);
          return 'pause';
        }
        s.body.push(Buffer.from(chunk));
        return undefined;
      },
      onMessageComplete: () => {
        const s = this.stream;
        if (!s || s.responded) return 'pause';
        // Paused while the request is routed; complete() resumes, possibly before dispatch returns.
        this.parser.pause();
        this.dispatch(s);
        return undefined;
      },
      onUpgrade: (rest) => {
        // Bytes the client sent after an accepted upgrade's head go to the upstream.
        if (this.tunnel) {
          if (rest.length > 0) this.tunnel.write(rest);
          return;
        }
        // An upgrade request answered without a tunnel: HTTP cannot go on on this connection.
        socket.destroy();
      },
      onError: (err: H1ParseError) => {
        const s = this.stream ?? this.syntheticStream();
        s.flags.add('DPE');
        this.sendLocal(s, localReply(err.status, undefined, `${err.message}`), true);
      },
    });
    this.timer = new LazyTimer((kind) => this.onTimeout(kind));
    this.onData = (d: Buffer) => this.parser.execute(d);
    socket.on('data', this.onData);
    socket.on('end', () => {
      if (!this.stream) socket.end();
    });
    socket.on('error', () => this.onClose());
    socket.on('close', () => this.onClose());
    idleSockets.add(socket);
    this.armIdleTimer();
  }

  private syntheticStream(): Stream {
    const head = { method: '-', target: '-', versionMinor: 1, headers: [], statusCode: 0 } as unknown as MessageHead;
    return new Stream(this, head, false);
  }

  private onTimeout(kind: Timeout): void {
    if (kind === Timeout.Headers) this.sendLocal(this.syntheticStream(), localReply(408, undefined, 'request headers not received in time'), true);
    else this.socket.end();
  }

  private armIdleTimer(): void {
    if (this.cfg.idleTimeoutMs > 0) this.timer.arm(Timeout.Idle, this.cfg.idleTimeoutMs);
    else this.timer.disarm();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer.cancel();
    this.stats.downstream_cx_active.dec();
    if (this.tunnel) this.stats.downstream_cx_upgrades_active.dec();
    this.stats.downstream_cx_destroy.inc();
    const s = this.stream;
    if (s && !s.responded) {
      s.flags.add('DC');
      s.abort?.abort();
      if (s.counted) {
        s.counted = false;
        this.stats.downstream_rq_active.dec();
        this.stats.downstream_rq_rx_reset.inc();
      }
    }
  }

  /** Routes a complete request: route match, then the request filters (which may wait), then continueRequest. */
  private dispatch(s: Stream): void {
    const head = s.head;
    let path = head.target;
    let authority = head.known.host ?? '';
    // Absolute-form (the app uses us as its HTTP proxy): http://host:port/path
    if (path.startsWith('http://') || path.startsWith('https://')) {
      try {
        const u = new URL(path);
        authority = u.host;
        path = u.pathname + u.search;
      } catch {
        return this.sendLocal(s, localReply(400, undefined, 'invalid absolute request-target'), true);
      }
    }
    const headers = HeaderMap.fromH1(head.headers, head.known.connection);
    prepareForwarding(headers, { authority, peer: this.peer, scheme: 'http', edge: this.cfg.edge, generateRequestId: this.cfg.generateRequestId });
    const ct = headers.get('content-type');
    const req: HttpRequestView = { method: head.method, path, authority, scheme: 'http', headers, downstreamAddress: this.peer, grpc: ct !== undefined && ct.startsWith('application/grpc') };
    s.req = req;

    const table = this.cfg.inlineRoutes ?? (this.cfg.routeName ? this.state.routeTable(this.cfg.routeName) : undefined);
    const match = table?.match({ authority, path, method: head.method, header: (n) => (n === ':authority' ? authority : n === ':path' ? path : n === ':method' ? head.method : headers.get(n, true)) });
    if (!match) {
      this.stats.no_route.inc();
      return this.sendLocal(s, noRoute(authority, path));
    }
    const { route, virtualHost } = match;
    s.route = route;
    s.virtualHost = virtualHost;
    // Upgrade (WebSocket): only where upgrade_configs allow it (Envoy answers 403 otherwise).
    const upgradeType = head.upgrade ? (head.method === 'CONNECT' ? 'connect' : (head.known.upgrade ?? '').trim().toLowerCase()) : '';
    if (upgradeType && (upgradeType === 'connect' || route.action.case !== 'route' || !upgradeAllowed(upgradeType, route.action.value.upgradeConfigs, this.cfg.upgradeTypes))) {
      if (upgradeType === 'websocket') this.stats.downstream_rq_ws_on_non_ws_route.inc();
      return this.sendLocal(s, localReply(403, undefined, `upgrade to ${upgradeType} is not allowed here`), true);
    }
    s.upgradeType = upgradeType;

    // The router alone (no HTTP filters): no stream info, nothing to run.
    if (this.cfg.filters.length === 0) return this.continueRequest(s, NO_FILTERS_RUN);
    const info = streamInfo(this.cfg.filters, route, virtualHost, s.flags, this.state);
    s.info = info;
    const ran = runRequestFilters(this.cfg.filters, req, info, () => this.closed);
    if (ran instanceof Promise) {
      ran.then(
        (r) => this.continueRequest(s, r),
        (err: unknown) => {
          log.warn('HTTP filter failed', { err });
          this.sendLocal(s, localReply(500, undefined, 'an HTTP filter failed'), true);
        },
      );
      return;
    }
    this.continueRequest(s, ran);
  }

  /** After the request filters: a local reply, or the request on its way to the route's cluster. */
  private continueRequest(s: Stream, ran: FilterRun): void {
    if (ran.gone) return;
    const filters = ran.filters;
    s.filters = filters;
    if (ran.reply) return this.sendLocal(s, ran.reply, false, filters);
    const head = s.head;
    const req = s.req!;
    const d = decideRoute(s.route!, s.virtualHost!, { method: head.method, path: req.path, authority: req.authority, peer: this.peer, body: s.body, bodyLength: s.bodyLength, downstream: 'http1', grpc: req.grpc, connection: this.socket }, req.headers, this.state, this.stats);
    if (d.clusterName !== undefined) s.upstreamCluster = d.clusterName;
    if (d.kind === 'local') return this.sendLocal(s, d.reply, false, filters);
    const { cluster, upstream, timeoutMs, hash } = d;
    if (s.upgradeType) {
      upstream.headers.push('connection', 'upgrade', 'upgrade', head.known.upgrade!);
      s.abort = { abort: upgradeToCluster(cluster, upstream, { timeoutMs, clock: this.state.clock, hash }, s) };
      return;
    }
    s.abort = routeToCluster(cluster, upstream, { timeoutMs, retryPolicy: d.retryPolicy, random: this.state.random, clock: this.state.clock, hash, grpcDeadline: d.grpcDeadline }, s);
    // Shadows go after the main request is on its way, and are never waited for.
    if (d.mirrors.length > 0) mirrorRequest(d.mirrors, upstream, (n) => req.headers.get(n), timeoutMs, this.state);
  }

  /** The upstream switched protocols: forward its 101 and splice the sockets; HTTP is over here. */
  startTunnel(s: Stream, upstream: Socket, rh: MessageHead, rest: Buffer): void {
    if (this.closed || s.responded) {
      upstream.destroy();
      return;
    }
    s.status = 101;
    s.upstreamHost = `${upstream.remoteAddress ?? ''}:${upstream.remotePort ?? ''}`;
    this.socket.write(serializeResponseHead(101, rh.reason, rh.headers, s.head.versionMinor));
    if (rest.length > 0) this.socket.write(rest);
    this.tunnel = upstream;
    this.stats.downstream_cx_upgrades_total.inc();
    this.stats.downstream_cx_upgrades_active.inc();
    s.responded = true;
    if (s.counted) {
      s.counted = false;
      this.stats.downstream_rq_active.dec();
      this.stats.chargeResponse(101, Date.now() - s.started);
    }
    this.accessLog(s);
    this.stream = undefined;
    this.timer.cancel();
    this.socket.off('data', this.onData);
    this.parser.resume(); // delivers what the client sent after its head (onUpgrade)
    splice(this.socket, upstream);
  }

  sendLocal(s: Stream, reply: LocalReply, close = false, filters: HttpStreamFilter[] = NO_FILTERS): void {
    if (s.responded || this.closed) return;
    if (reply.flag) s.flags.add(reply.flag);
    // A gRPC client gets a trailers-only answer: 200 with grpc-status / grpc-message, no body.
    const grpc = s.head.method !== '-' && isGrpcHead(s.head);
    const status = grpc ? 200 : reply.status;
    s.status = status;
    const body = grpc ? EMPTY : Buffer.from(reply.body ? (reply.verbatim ? reply.body : `${reply.body}\n`) : '');
    const h = new HeaderMap();
    for (const [k, v] of reply.headers ?? []) h.add(k, v);
    if (grpc) {
      h.set('content-type', 'application/grpc');
      h.set('grpc-status', String(reply.grpcStatus ?? httpToGrpcStatus(reply.status)));
      if (reply.body) h.set('grpc-message', encodeGrpcMessage(reply.body));
    } else if (body.length) h.set('content-type', 'text/plain');
    if (s.flags.size) h.set(FLAGS_HEADER, [...s.flags].join(','));
    const req = { method: s.head.method, path: s.head.target, authority: s.head.known?.host ?? '', scheme: 'http' as const, headers: new HeaderMap(), downstreamAddress: this.peer, grpc };
    for (const f of filters) f.onResponse?.(status, h, req, { flags: s.flags, perFilterConfig: () => undefined, clock: this.state.clock, random: this.state.random });
    const out = h.toFlat();
    if (s.head.method !== 'HEAD' || body.length) out.push('content-length', String(body.length));
    const closeNow = close || !s.head.keepAlive || this.state.draining;
    if (closeNow) out.push('connection', 'close');
    const headBuf = serializeResponseHead(status, '', out, s.head.versionMinor ?? 1);
    holdWrites(this.socket);
    this.socket.write(body.length && s.head.method !== 'HEAD' ? Buffer.concat([headBuf, body]) : headBuf);
    this.complete(s, closeNow);
  }

  complete(s: Stream, close: boolean, reset = false): void {
    s.responded = true;
    if (s.counted) {
      s.counted = false;
      this.stats.downstream_rq_active.dec();
      this.stats.chargeResponse(s.status, Date.now() - s.started);
    }
    this.accessLog(s);
    this.stream = undefined;
    if (reset) {
      this.socket.destroy();
      return;
    }
    if (close || this.closed || s.head.upgrade) {
      this.socket.end();
      return;
    }
    this.armIdleTimer();
    idleSockets.add(this.socket);
    this.parser.resume();
  }

  private accessLog(s: Stream): void {
    if (this.cfg.accessLogPath === undefined) return;
    writeAccessLog(this.cfg.accessLogPath, { started: s.started, method: s.head.method, target: s.head.target, protocol: `HTTP/1.${s.head.versionMinor}`, status: s.status, flags: s.flags, bytes: s.bodyLength, cluster: s.upstreamCluster, peer: this.peer });
  }
}
