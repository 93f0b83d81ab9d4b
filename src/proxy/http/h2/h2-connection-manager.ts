// The HTTP connection manager for HTTP/2 downstreams (h2c with prior knowledge, or h2 on a
// TLS socket): one node:http2 server per HTTP filter chain that never listens; the chain
// hands it connections. Each stream is routed like an HTTP/1.1 request — the same route
// table, HTTP filters, local replies (x-rig-response-flags, gRPC trailers-only answers) —
// and sent upstream over HTTP/1.1 by the router. The response is mapped back onto the
// stream: status, headers without hop-by-hop fields, body and trailers.
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { constants, createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Route, VirtualHost } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { durationMs } from '../../../api/envoy/build.js';
import { removeHopByHop } from '../h1/index.js';
import { HeaderMap } from '../headers.js';
import type { HttpRequestView, HttpStreamFilter, LocalReply, ResponseFlag, StreamInfo } from '../filter.js';
import { localReply, noCluster, noRoute } from '../local-reply.js';
import { routeToCluster, type ResponseHandler, type UpstreamRequest } from '../router.js';
import { encodeGrpcMessage, httpToGrpcStatus } from '../grpc.js';
import { computeHash, type HashRequest } from '../../balance/hash-policy.js';
import { mirrorRequest } from '../mirror.js';
import { idleSockets, type CompiledFilter, type HcmConfig, type ProxyState } from '../connection-manager.js';
import type { HttpConnManagerStats } from '../../stats/index.js';
import { logger } from '../../../shared/log.js';
import { requestHead, toH2Headers } from './h2-headers.js';

const log = logger('hcm-h2');
/** SETTINGS_MAX_CONCURRENT_STREAMS (Envoy's default is 2^31-1; a mesh sidecar wants a number). */
export const MAX_CONCURRENT_STREAMS = 100;
/** SETTINGS_MAX_HEADER_LIST_SIZE: 60 KiB, the HTTP/1.1 codec's head limit. */
export const MAX_HEADER_LIST_SIZE = 60 * 1024;
const MAX_BUFFERED_BODY = 16 * 1024 * 1024;
const FLAGS_HEADER = 'x-rig-response-flags';
const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/** Route-level typed_per_filter_config, compiled once per route object (as the HTTP/1.1 manager does). */
const routeFilterConfigs = new WeakMap<object, Map<string, unknown>>();

function perFilter(route: Route, vh: VirtualHost, filter: CompiledFilter): unknown {
  for (const owner of [route, vh] as const) {
    const any = owner.typedPerFilterConfig[filter.name];
    if (!any || !filter.factory.compileRoute) continue;
    let m = routeFilterConfigs.get(owner);
    if (!m) routeFilterConfigs.set(owner, (m = new Map()));
    if (!m.has(filter.name)) {
      const r = filter.factory.compileRoute(any);
      m.set(filter.name, r.ok ? r.value : undefined);
      if (!r.ok) log.warn('invalid per-route filter config ignored', { filter: filter.name, errors: r.errors.join('; ') });
    }
    const v = m.get(filter.name);
    if (v !== undefined) return v;
  }
  return undefined;
}

interface H2Stream {
  stream: ServerHttp2Stream;
  conn: H2Connection;
  req: HttpRequestView;
  body: Buffer[];
  bodyLength: number;
  started: number;
  flags: Set<ResponseFlag>;
  status: number;
  upstreamCluster: string;
  abort: (() => void) | undefined;
  /** The response is over (sent, reset, or the client went away). */
  responded: boolean;
  trailers: string[] | undefined;
}

/** Per downstream connection: the peer and the number of open streams (idle when zero). */
interface H2Connection {
  session: ServerHttp2Session;
  socket: Socket;
  peer: string;
  encrypted: boolean;
  active: number;
}

export class H2ConnectionManager {
  private readonly server: Http2Server;
  private readonly connections = new WeakMap<ServerHttp2Session, H2Connection>();

  constructor(
    private readonly cfg: HcmConfig,
    private readonly state: ProxyState,
    private readonly stats: HttpConnManagerStats,
  ) {
    this.server = createServer({ settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, maxHeaderListSize: MAX_HEADER_LIST_SIZE, enablePush: false } });
    this.server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, raw?: string[]) => this.onStream(stream, headers, raw));
    this.server.on('sessionError', () => {}); // the session closes; its 'close' does the accounting
    this.server.on('unknownProtocol', (socket: Socket) => socket.destroy());
  }

  /** A downstream connection whose first bytes are the HTTP/2 preface (or that negotiated h2); `transport` replays peeked bytes. */
  handle(transport: Socket, socket: Socket = transport): void {
    socket.setNoDelay(true);
    const onSession = (session: ServerHttp2Session) => {
      const conn: H2Connection = { session, socket, peer: socket.remoteAddress ?? '', encrypted: (socket as { encrypted?: boolean }).encrypted === true, active: 0 };
      this.connections.set(session, conn);
      this.stats.downstream_cx_total.inc();
      this.stats.downstream_cx_http2_total.inc();
      this.stats.downstream_cx_active.inc();
      this.stats.downstream_cx_http2_active.inc();
      idleSockets.add(socket);
      if (this.cfg.idleTimeoutMs > 0) {
        session.setTimeout(this.cfg.idleTimeoutMs, () => {
          if (conn.active === 0) {
            this.stats.downstream_cx_idle_timeout.inc();
            session.close();
          }
        });
      }
      session.on('error', () => {});
      session.once('close', () => {
        this.stats.downstream_cx_active.dec();
        this.stats.downstream_cx_http2_active.dec();
        this.stats.downstream_cx_destroy.inc();
        idleSockets.delete(socket);
      });
    };
    this.server.once('session', onSession);
    this.server.emit('connection', transport);
    this.server.off('session', onSession); // emitted synchronously; never left behind
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, raw: string[] | undefined): void {
    const conn = this.connections.get(stream.session as ServerHttp2Session);
    if (!conn) {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    conn.active++;
    idleSockets.delete(conn.socket);
    const head = requestHead(headers, raw);
    const ct = head.headers.get('content-type') ?? '';
    const req: HttpRequestView = { method: head.method, path: head.path, authority: head.authority, scheme: conn.encrypted ? 'https' : 'http', headers: head.headers, downstreamAddress: conn.peer, grpc: ct.startsWith('application/grpc') };
    const s: H2Stream = { stream, conn, req, body: [], bodyLength: 0, started: Date.now(), flags: new Set(), status: 0, upstreamCluster: '-', abort: undefined, responded: false, trailers: undefined };
    this.stats.downstream_rq_total.inc();
    this.stats.downstream_rq_http2_total.inc();
    this.stats.downstream_rq_active.inc();
    stream.on('error', () => {}); // a reset or a broken session: 'close' follows
    stream.once('close', () => {
      conn.active--;
      if (conn.active === 0) {
        if (this.state.draining) conn.session.close();
        else if (!conn.session.closed) idleSockets.add(conn.socket);
      }
      if (s.responded) return;
      // The client reset the stream (or the connection went away) before the response was over.
      s.flags.add('DC');
      s.abort?.();
      this.stats.downstream_rq_rx_reset.inc();
      this.finish(s);
    });
    stream.on('data', (chunk: Buffer) => {
      if (s.responded) return;
      s.bodyLength += chunk.length;
      if (s.bodyLength > MAX_BUFFERED_BODY) {
        this.stats.downstream_rq_too_large.inc();
        this.sendLocal(s, localReply(413, undefined, 'request body too large'));
        return;
      }
      s.body.push(chunk);
    });
    stream.once('end', () => {
      if (s.responded) return;
      this.dispatch(s).catch((err: unknown) => {
        log.error('HTTP/2 stream failed', { err });
        this.reset(s);
      });
    });
  }

  private async dispatch(s: H2Stream): Promise<void> {
    const { req } = s;
    const { method, authority, headers } = req;
    const path = req.path;
    if (method === 'CONNECT' || !path) return this.sendLocal(s, localReply(403, undefined, 'CONNECT is not allowed here'));
    headers.set('host', authority);
    if (this.cfg.generateRequestId && !headers.has('x-request-id')) headers.set('x-request-id', randomUUID());
    if (this.cfg.edge) {
      const xff = headers.get('x-forwarded-for', true);
      headers.set('x-forwarded-for', xff ? `${xff}, ${req.downstreamAddress}` : req.downstreamAddress);
      headers.set('x-forwarded-proto', req.scheme);
    } else if (!headers.has('x-forwarded-proto')) headers.set('x-forwarded-proto', req.scheme);

    const table = this.cfg.inlineRoutes ?? (this.cfg.routeName ? this.state.routeTable(this.cfg.routeName) : undefined);
    const match = table?.match({ authority, path, method, header: (n) => (n === ':authority' ? authority : n === ':path' ? path : n === ':method' ? method : headers.get(n, true)) });
    if (!match) {
      this.stats.no_route.inc();
      return this.sendLocal(s, noRoute(authority, path));
    }
    const { route, virtualHost } = match;
    const filters: HttpStreamFilter[] = [];
    const info: StreamInfo = {
      flags: s.flags,
      perFilterConfig: <T>(name: string) => {
        const c = this.cfg.filters.find((x) => x.name === name);
        return c ? (perFilter(route, virtualHost, c) as T | undefined) : undefined;
      },
      clock: this.state.clock,
      random: this.state.random,
    };
    for (const c of this.cfg.filters) {
      const f = c.factory.create(c.config);
      filters.push(f);
      if (!f.onRequest) continue;
      let reply = f.onRequest(req, info);
      if (reply instanceof Promise) reply = await reply;
      if (s.responded) return;
      if (reply) return this.sendLocal(s, reply, filters, info);
    }

    const action = route.action;
    if (action.case === 'directResponse') {
      const body = action.value.body?.specifier;
      const text = body?.case === 'inlineString' ? body.value : body?.case === 'inlineBytes' ? Buffer.from(body.value).toString() : '';
      this.stats.rq_direct_response.inc();
      return this.sendLocal(s, { status: action.value.status, body: text }, filters, info);
    }
    if (action.case === 'redirect') {
      const r = action.value;
      const scheme = r.schemeRewriteSpecifier.case === 'schemeRedirect' ? r.schemeRewriteSpecifier.value : r.schemeRewriteSpecifier.case === 'httpsRedirect' && r.schemeRewriteSpecifier.value ? 'https' : 'http';
      let host = r.hostRedirect || authority;
      if (r.portRedirect) host = `${host.split(':')[0]}:${r.portRedirect}`;
      else if (scheme === 'https' && r.schemeRewriteSpecifier.case) host = host.split(':')[0]!;
      const target = r.pathRewriteSpecifier.case === 'pathRedirect' ? r.pathRewriteSpecifier.value : r.pathRewriteSpecifier.case === 'prefixRewrite' && route.match?.pathSpecifier.case === 'prefix' ? r.pathRewriteSpecifier.value + path.slice(route.match.pathSpecifier.value.length) : path;
      const code = [301, 301, 302, 303, 307, 308][r.responseCode] ?? 301;
      this.stats.rq_redirect.inc();
      return this.sendLocal(s, { status: code, headers: [['location', `${scheme}://${host}${target}`]] }, filters, info);
    }
    if (action.case !== 'route') {
      this.stats.no_route.inc();
      return this.sendLocal(s, noRoute(authority, path), filters, info);
    }
    const ra = action.value;
    let clusterName = '';
    const spec = ra.clusterSpecifier;
    if (spec.case === 'cluster') clusterName = spec.value;
    else if (spec.case === 'clusterHeader') clusterName = headers.get(spec.value) ?? '';
    else if (spec.case === 'weightedClusters') {
      const total = spec.value.clusters.reduce((a, c) => a + (c.weight ?? 0), 0);
      let x = this.state.random.next() * total;
      for (const c of spec.value.clusters) {
        x -= c.weight ?? 0;
        if (x < 0) {
          clusterName = c.name;
          for (const hv of c.requestHeadersToAdd) if (hv.header) headers.set(hv.header.key, hv.header.value);
          break;
        }
      }
    }
    s.upstreamCluster = clusterName;
    const cluster = this.state.cluster(clusterName);
    if (!cluster) {
      this.stats.no_cluster.inc();
      return this.sendLocal(s, noCluster(clusterName), filters, info);
    }
    const hash = ra.hashPolicy.length > 0 ? computeHash(ra.hashPolicy, hashRequest(headers, authority, path, method, req.downstreamAddress)) : undefined;

    let upstreamPath = path;
    if (ra.prefixRewrite && route.match?.pathSpecifier.case === 'prefix') upstreamPath = ra.prefixRewrite + path.slice(route.match.pathSpecifier.value.length);
    else if (ra.regexRewrite?.pattern) {
      const q = path.indexOf('?');
      const p = q < 0 ? path : path.slice(0, q);
      upstreamPath = p.replace(new RegExp(ra.regexRewrite.pattern.regex, 'g'), ra.regexRewrite.substitution.replace(/\\(\d)/g, '$$$1')) + (q < 0 ? '' : path.slice(q));
    }
    if (ra.hostRewriteSpecifier.case === 'hostRewriteLiteral') headers.set('host', ra.hostRewriteSpecifier.value);
    for (const owner of [virtualHost, route]) {
      for (const n of owner.requestHeadersToRemove) headers.remove(n);
      for (const hv of owner.requestHeadersToAdd) if (hv.header) (hv.appendAction === 0 && hv.append !== false ? headers.add.bind(headers) : headers.set.bind(headers))(hv.header.key, hv.header.value);
    }
    let originalDst: UpstreamRequest['originalDst'];
    if (cluster.originalDst) {
      const h = headers.get('host') ?? authority;
      const colon = h.lastIndexOf(':');
      originalDst = colon > 0 && !h.endsWith(']') ? { address: h.slice(0, colon), port: Number(h.slice(colon + 1)) || 80 } : { address: h, port: 80 };
    }
    headers.remove('content-length'); // the router frames the buffered body
    const upstream: UpstreamRequest = { method, path: upstreamPath, headers: headers.toFlat(), body: s.body, bodyLength: s.bodyLength, ...(originalDst ? { originalDst } : {}) };
    const timeoutMs = ra.timeout ? (durationMs(ra.timeout) ?? DEFAULT_ROUTE_TIMEOUT_MS) : DEFAULT_ROUTE_TIMEOUT_MS;
    const stream = s.stream;
    const handler: ResponseHandler = {
      onHead: (rh) => {
        if (s.responded) return;
        s.status = rh.statusCode;
        const rhm = HeaderMap.fromFlat(removeHopByHop(rh.headers, rh.known.connection));
        for (const owner of [virtualHost, route]) {
          for (const n of owner.responseHeadersToRemove) rhm.remove(n);
          for (const hv of owner.responseHeadersToAdd) if (hv.header) rhm.set(hv.header.key, hv.header.value);
        }
        for (const f of filters) f.onResponse?.(rh.statusCode, rhm, req, info);
        const bodyless = method === 'HEAD' || rh.statusCode === 204 || rh.statusCode === 304;
        if (bodyless) rhm.remove('content-length');
        try {
          stream.respond(toH2Headers(rhm, rh.statusCode), bodyless ? { endStream: true } : { waitForTrailers: true });
        } catch (err) {
          log.warn('upstream response not representable in HTTP/2; stream reset', { err });
          s.abort?.();
          s.flags.add('UPE');
          return this.reset(s);
        }
        if (!bodyless) stream.once('wantTrailers', () => stream.sendTrailers(s.trailers ? toH2Headers(s.trailers) : {}));
      },
      onBody: (chunk) => {
        // TODO(flow control): the router offers no pause; node:http2 buffers what the peer's window does not take.
        if (!s.responded && !stream.writableEnded) stream.write(chunk);
      },
      onTrailers: (t) => {
        s.trailers = t;
      },
      onEnd: () => {
        if (s.responded) return;
        if (!stream.writableEnded) stream.end();
        this.finish(s);
      },
      onLocalReply: (reply) => this.sendLocal(s, reply, filters, info),
      onReset: () => {
        s.flags.add('UR');
        this.reset(s);
      },
    };
    s.abort = routeToCluster(cluster, upstream, { timeoutMs, retryPolicy: ra.retryPolicy ?? virtualHost.retryPolicy, random: this.state.random, clock: this.state.clock, hash }, handler);
    if (ra.requestMirrorPolicies.length > 0) mirrorRequest(ra.requestMirrorPolicies, upstream, (n) => headers.get(n), timeoutMs, this.state);
  }

  /** A response the proxy makes itself; gRPC requests get a trailers-only answer. */
  private sendLocal(s: H2Stream, reply: LocalReply, filters: HttpStreamFilter[] = [], info?: StreamInfo): void {
    if (s.responded) return;
    const stream = s.stream;
    if (stream.headersSent || stream.destroyed) return this.reset(s);
    if (reply.flag) s.flags.add(reply.flag);
    const grpc = s.req.grpc;
    const status = grpc ? 200 : reply.status;
    s.status = status;
    const body = grpc || s.req.method === 'HEAD' ? undefined : reply.body ? Buffer.from(`${reply.body}\n`) : undefined;
    const h = new HeaderMap();
    for (const [k, v] of reply.headers ?? []) h.add(k, v);
    if (grpc) {
      h.set('content-type', 'application/grpc');
      h.set('grpc-status', String(reply.grpcStatus ?? httpToGrpcStatus(reply.status)));
      if (reply.body) h.set('grpc-message', encodeGrpcMessage(reply.body));
    } else if (reply.body) h.set('content-type', 'text/plain');
    if (s.flags.size) h.set(FLAGS_HEADER, [...s.flags].join(','));
    const fi = info ?? { flags: s.flags, perFilterConfig: () => undefined, clock: this.state.clock, random: this.state.random };
    for (const f of filters) f.onResponse?.(status, h, s.req, fi);
    if (body) h.set('content-length', String(body.length));
    try {
      stream.respond(toH2Headers(h, status), { endStream: !body });
      if (body) stream.end(body);
    } catch (err) {
      log.warn('local reply failed; stream reset', { err });
      return this.reset(s);
    }
    // Stop reading a body nobody will use (RST_STREAM NO_ERROR after the response, RFC 9113 §8.1).
    if (!stream.readableEnded) stream.once('finish', () => stream.close(constants.NGHTTP2_NO_ERROR));
    this.finish(s);
  }

  /** RST_STREAM INTERNAL_ERROR: the response cannot be completed. */
  private reset(s: H2Stream): void {
    if (s.responded) return;
    if (!s.stream.destroyed) s.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    this.stats.downstream_rq_tx_reset.inc();
    this.finish(s);
  }

  private finish(s: H2Stream): void {
    if (s.responded) return;
    s.responded = true;
    this.stats.downstream_rq_active.dec();
    if (s.status) this.stats.chargeResponse(s.status, Date.now() - s.started);
    this.accessLog(s);
  }

  private accessLog(s: H2Stream): void {
    const path = this.cfg.accessLogPath;
    if (!path) return;
    const flags = s.flags.size ? [...s.flags].join(',') : '-';
    const line = `[${new Date(s.started).toISOString()}] "${s.req.method} ${s.req.path} HTTP/2" ${s.status} ${flags} ${s.bodyLength} ${Date.now() - s.started} "${s.upstreamCluster}" "${s.conn.peer}"\n`;
    try {
      if (path === '/dev/stdout') process.stdout.write(line);
      else appendFileSync(path, line);
    } catch (err) {
      log.warn('access log write failed', { path, err });
    }
  }
}

/** What hash policies read (only built for routes that have a hash_policy). */
function hashRequest(headers: HeaderMap, authority: string, path: string, method: string, peer: string): HashRequest {
  return {
    header: (n) => {
      if (n === ':authority') return authority;
      if (n === ':path') return path;
      if (n === ':method') return method;
      const all = headers.getAll(n);
      return all.length === 0 ? undefined : all.length === 1 ? all[0] : all;
    },
    query: (n) => {
      const q = path.indexOf('?');
      return q < 0 ? undefined : (new URLSearchParams(path.slice(q + 1)).get(n) ?? undefined);
    },
    sourceIp: peer,
  };
}
