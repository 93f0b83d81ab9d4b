// The HTTP connection manager for HTTP/2 downstreams (h2c with prior knowledge, or h2 on a
// TLS socket): one node:http2 server per HTTP filter chain that never listens; the chain
// hands it connections. Each stream is routed like an HTTP/1.1 request — the same route
// table, HTTP filters, local replies (x-rig-response-flags, gRPC trailers-only answers) —
// and sent upstream over HTTP/1.1 by the router. The response is mapped back onto the
// stream: status, headers without hop-by-hop fields, body and trailers.
import type { Socket } from 'node:net';
import { constants, createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { removeHopByHop } from '../h1/index.js';
import { HeaderMap } from '../headers.js';
import type { HttpRequestView, HttpStreamFilter, LocalReply, ResponseFlag, StreamInfo } from '../filter.js';
import { localReply, noRoute } from '../local-reply.js';
import { routeToCluster, type ResponseHandler, type UpstreamCall } from '../router.js';
import { encodeGrpcMessage, httpToGrpcStatus } from '../grpc.js';
import { mirrorRequest } from '../mirror.js';
import { applyResponseHeaderOps, decideRoute, prepareForwarding, runRequestFilters, streamInfo, writeAccessLog } from '../request-pipeline.js';
import { idleSockets, type HcmConfig, type ProxyState } from '../connection-manager.js';
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
  abort: UpstreamCall | undefined;
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
      s.abort?.abort();
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
    prepareForwarding(headers, { authority, peer: req.downstreamAddress, scheme: req.scheme, edge: this.cfg.edge, generateRequestId: this.cfg.generateRequestId });

    const table = this.cfg.inlineRoutes ?? (this.cfg.routeName ? this.state.routeTable(this.cfg.routeName) : undefined);
    const match = table?.match({ authority, path, method, header: (n) => (n === ':authority' ? authority : n === ':path' ? path : n === ':method' ? method : headers.get(n, true)) });
    if (!match) {
      this.stats.no_route.inc();
      return this.sendLocal(s, noRoute(authority, path));
    }
    const { route, virtualHost } = match;
    const info = streamInfo(this.cfg.filters, route, virtualHost, s.flags, this.state);
    let ran = runRequestFilters(this.cfg.filters, req, info, () => s.responded);
    if (ran instanceof Promise) ran = await ran;
    if (ran.gone) return;
    const filters = ran.filters;
    if (ran.reply) return this.sendLocal(s, ran.reply, filters, info);

    headers.remove('content-length'); // the router frames the buffered body
    const d = decideRoute(route, virtualHost, { method, path, authority, peer: req.downstreamAddress, body: s.body, bodyLength: s.bodyLength, downstream: 'http2', grpc: req.grpc, connection: s.conn.socket }, headers, this.state, this.stats);
    if (d.clusterName !== undefined) s.upstreamCluster = d.clusterName;
    if (d.kind === 'local') return this.sendLocal(s, d.reply, filters, info);
    const { cluster, upstream, timeoutMs, hash } = d;
    const stream = s.stream;
    const handler: ResponseHandler = {
      onHead: (rh) => {
        if (s.responded) return;
        s.status = rh.statusCode;
        const rhm = HeaderMap.fromFlat(removeHopByHop(rh.headers, rh.known.connection));
        applyResponseHeaderOps(rhm, virtualHost, route);
        for (const f of filters) f.onResponse?.(rh.statusCode, rhm, req, info);
        const bodyless = method === 'HEAD' || rh.statusCode === 204 || rh.statusCode === 304;
        if (bodyless) rhm.remove('content-length');
        try {
          stream.respond(toH2Headers(rhm, rh.statusCode), bodyless ? { endStream: true } : { waitForTrailers: true });
        } catch (err) {
          log.warn('upstream response not representable in HTTP/2; stream reset', { err });
          s.abort?.abort();
          s.flags.add('UPE');
          return this.reset(s);
        }
        if (!bodyless) stream.once('wantTrailers', () => stream.sendTrailers(s.trailers ? toH2Headers(s.trailers) : {}));
      },
      // A copy: the chunk may live in an upstream read buffer that is reused (ResponseHandler.onBody).
      onBody: (chunk) => (!s.responded && !stream.writableEnded ? stream.write(Buffer.from(chunk)) : true),
      waitDrain: (resume) => stream.once('drain', resume),
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
    s.abort = routeToCluster(cluster, upstream, { timeoutMs, retryPolicy: d.retryPolicy, random: this.state.random, clock: this.state.clock, hash, grpcDeadline: d.grpcDeadline }, handler);
    if (d.mirrors.length > 0) mirrorRequest(d.mirrors, upstream, (n) => headers.get(n), timeoutMs, this.state);
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
    const body = grpc || s.req.method === 'HEAD' ? undefined : reply.body ? Buffer.from(reply.verbatim ? reply.body : `${reply.body}\n`) : undefined;
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
    writeAccessLog(this.cfg.accessLogPath, { started: s.started, method: s.req.method, target: s.req.path, protocol: 'HTTP/2', status: s.status, flags: s.flags, bytes: s.bodyLength, cluster: s.upstreamCluster, peer: s.conn.peer });
  }

}

