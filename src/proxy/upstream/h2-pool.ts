// The HTTP/2 connection pool of one upstream host (clusters with http2_protocol_options):
// requests are streams multiplexed on a few sessions (h2c, or h2 by ALPN over the cluster's
// TLS). A session takes streams up to the peer's SETTINGS_MAX_CONCURRENT_STREAMS (and the
// cluster's max_concurrent_streams); when every session is full, another is opened while the
// cluster is under max_connections, else the request waits (max_pending_requests) or
// overflows (UO). A session that received GOAWAY, failed, or served
// max_requests_per_connection streams takes no new stream and closes when its last ends.
// Requests waiting on a session that fails to connect fail with it (UF).
import { connect as h2connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Http2ProtocolOptions } from '../../api/gen/envoy/config/core/v3/protocol_pb.js';
import type { CircuitBreakers } from '../cluster/circuit-breakers.js';
import type { UpstreamTls } from '../tls/context.js';
import type { SourceBind } from '../cluster/cluster.js';
import type { ClusterStats } from '../stats/index.js';
import { MessageHead } from '../http/h1/index.js';
import { flattenHeaders, toH2Headers } from '../http/h2/h2-headers.js';
import type { ResponseSink } from './h1-connection.js';
import type { AcquireError, UpstreamLease, UpstreamPool, UpstreamRequestHead } from './pool.js';

/** Envoy's default cap on streams per upstream connection. */
const DEFAULT_MAX_STREAMS = 2147483647;

export interface H2PoolOptions {
  connectTimeoutMs: number;
  /** 0 = unlimited streams per session. */
  maxRequestsPerConnection: number;
  /** A session with no stream for this long is closed. */
  idleTimeoutMs: number;
  http2: Http2ProtocolOptions | undefined;
  tls?: UpstreamTls | undefined;
  stats?: ClusterStats | undefined;
  /** upstream_bind_config: where connections are made from. */
  bind?: SourceBind;
}

type AcquireCb = (err: AcquireError | undefined, lease?: UpstreamLease) => void;

interface Waiter {
  cb: AcquireCb;
  /** Counted in the breakers' pending requests (it waits for capacity, not for its own session). */
  counted: boolean;
}

class Session {
  ready = false;
  /** Takes no new streams (GOAWAY, error, closing, or max requests served). */
  retired = false;
  active = 0;
  started = 0;
  idleTimer: NodeJS.Timeout | undefined;
  error: Error | undefined;
  constructor(readonly h2: ClientHttp2Session) {}
}

export class H2Pool implements UpstreamPool {
  private readonly sessions = new Set<Session>();
  private readonly waiters: Waiter[] = [];
  private closed = false;
  private readonly maxStreamsConfigured: number;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly breakers: CircuitBreakers,
    private readonly opts: H2PoolOptions,
  ) {
    this.maxStreamsConfigured = opts.http2?.maxConcurrentStreams || DEFAULT_MAX_STREAMS;
  }

  acquire(cb: AcquireCb): () => void {
    if (this.closed) {
      cb({ kind: 'cancelled' });
      return () => {};
    }
    const s = this.available();
    if (s) {
      cb(undefined, this.lease(s));
      return () => {};
    }
    let counted = false;
    if (!this.connecting()) {
      if (this.breakers.canOpenConnection()) this.open();
      else if (this.breakers.canQueue()) {
        counted = true;
        this.breakers.pendingAdded();
      } else {
        this.breakers.overflowPending();
        cb({ kind: 'overflow' });
        return () => {};
      }
    }
    const w: Waiter = { cb, counted };
    this.waiters.push(w);
    return () => {
      const i = this.waiters.indexOf(w);
      if (i < 0) return;
      this.waiters.splice(i, 1);
      if (w.counted) this.breakers.pendingRemoved();
    };
  }

  /** Streams end by themselves; a lease is released when its stream closes. */
  release(lease: UpstreamLease, _reusable: boolean): void {
    if (lease.busy) lease.destroy();
  }

  get connections(): number {
    return this.sessions.size;
  }

  get inUse(): boolean {
    if (this.waiters.length > 0) return true;
    for (const s of this.sessions) if (s.active > 0) return true;
    return false;
  }

  drain(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      if (w.counted) this.breakers.pendingRemoved();
      w.cb({ kind: 'cancelled' });
    }
    for (const s of this.sessions) this.retire(s);
  }

  private maxStreams(s: Session): number {
    const remote = s.h2.remoteSettings?.maxConcurrentStreams ?? DEFAULT_MAX_STREAMS;
    return Math.min(remote, this.maxStreamsConfigured);
  }

  private available(): Session | undefined {
    for (const s of this.sessions) if (s.ready && !s.retired && s.active < this.maxStreams(s)) return s;
    return undefined;
  }

  private connecting(): boolean {
    for (const s of this.sessions) if (!s.ready && !s.retired) return true;
    return false;
  }

  private lease(s: Session): UpstreamLease {
    s.active++;
    s.started++;
    clearTimeout(s.idleTimer);
    if (this.opts.maxRequestsPerConnection > 0 && s.started >= this.opts.maxRequestsPerConnection) s.retired = true;
    return new H2Lease(s.h2, this.opts.tls ? 'https' : 'http', `${this.address}:${this.port}`, () => this.streamEnded(s));
  }

  private streamEnded(s: Session): void {
    s.active--;
    if (s.retired) {
      if (s.active === 0) this.closeSession(s);
    } else if (s.active === 0) {
      s.idleTimer = setTimeout(() => this.retire(s), this.opts.idleTimeoutMs);
      s.idleTimer.unref();
    }
    this.serveWaiters();
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const s = this.available();
      if (!s) break;
      const w = this.waiters.shift()!;
      if (w.counted) this.breakers.pendingRemoved();
      w.cb(undefined, this.lease(s));
    }
    if (this.waiters.length > 0 && !this.closed && !this.connecting() && this.breakers.canOpenConnection()) {
      // The uncounted waiters lost their session: this one is theirs.
      this.open();
    }
  }

  private retire(s: Session): void {
    s.retired = true;
    clearTimeout(s.idleTimer);
    if (s.active === 0) this.closeSession(s);
  }

  private closeSession(s: Session): void {
    if (!s.h2.closed && !s.h2.destroyed) s.h2.close();
  }

  private open(): void {
    this.breakers.connectionOpened();
    this.opts.stats?.upstream_cx_total.inc();
    this.opts.stats?.upstream_cx_http2_total.inc();
    const { tls } = this.opts;
    const host = this.address;
    const port = this.port;
    const socket: Socket = tls
      ? tlsConnect({
          host,
          port,
          ...this.opts.bind,
          secureContext: tls.secureContext,
          ...(tls.sni ? { servername: tls.sni } : {}),
          ALPNProtocols: ['h2'],
          rejectUnauthorized: tls.verifyChain,
          checkServerIdentity: (_host, cert) => tls.check?.(cert),
        })
      : netConnect({ host, port, ...this.opts.bind, noDelay: true });
    if (tls) socket.setNoDelay(true);
    const settings = {
      enablePush: false,
      ...(this.opts.http2?.initialStreamWindowSize ? { initialWindowSize: this.opts.http2.initialStreamWindowSize } : {}),
    };
    const h2 = h2connect(`${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`, { createConnection: () => socket, settings });
    const s = new Session(h2);
    this.sessions.add(s);
    const timer = setTimeout(() => h2.destroy(new Error(`connect timeout after ${this.opts.connectTimeoutMs} ms`)), this.opts.connectTimeoutMs);
    h2.once('connect', () => {
      clearTimeout(timer);
      if (tls && (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol !== 'h2') {
        h2.destroy(new Error(`the upstream did not negotiate h2 by ALPN`));
        return;
      }
      s.ready = true;
      const cw = this.opts.http2?.initialConnectionWindowSize;
      if (cw) h2.setLocalWindowSize(cw);
      this.serveWaiters();
    });
    h2.on('remoteSettings', () => this.serveWaiters());
    h2.on('goaway', () => {
      s.retired = true;
    });
    h2.on('error', (err: Error) => {
      s.error = err;
    });
    socket.on('error', (err: Error) => {
      s.error ??= err;
    });
    h2.once('close', () => {
      clearTimeout(timer);
      clearTimeout(s.idleTimer);
      s.retired = true;
      this.sessions.delete(s);
      this.breakers.connectionClosed();
      if (!s.ready) this.connectFailed(s.error ?? new Error('connection closed during connect'));
      else this.serveWaiters();
    });
  }

  /** A session never became ready: its uncounted waiters fail with it (UF); counted ones keep waiting. */
  private connectFailed(err: Error): void {
    this.opts.stats?.upstream_cx_connect_fail.inc();
    if (this.connecting()) return;
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i]!;
      if (w.counted) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      w.cb({ kind: 'connect', err });
    }
    this.serveWaiters();
  }
}

/** One stream of a session, for one request. */
class H2Lease implements UpstreamLease {
  private stream: ClientHttp2Stream | undefined;
  private ended = false;
  private sink: ResponseSink | undefined;

  constructor(
    private readonly session: ClientHttp2Session,
    private readonly scheme: 'http' | 'https',
    private readonly hostAuthority: string,
    private readonly onEnd: () => void,
  ) {}

  get busy(): boolean {
    return !this.ended;
  }

  request(req: UpstreamRequestHead, sink: ResponseSink): void {
    this.sink = sink;
    const hasBody = req.bodyLength > 0;
    let stream: ClientHttp2Stream;
    try {
      stream = this.session.request(requestHeaders(req, this.scheme, this.hostAuthority), { endStream: !hasBody });
    } catch (err) {
      this.finish();
      this.sink = undefined;
      sink.onError('reset', err as Error);
      return;
    }
    this.stream = stream;
    let complete = false;
    stream.on('response', (h: IncomingHttpHeaders) => this.sink?.onHead(responseHead(h, req.method)));
    stream.on('data', (chunk: Buffer) => this.sink?.onBody(chunk));
    stream.on('trailers', (t: IncomingHttpHeaders) => this.sink?.onTrailers?.(flattenHeaders(t)));
    stream.on('end', () => {
      complete = true;
      const s = this.sink;
      this.sink = undefined;
      this.finish();
      s?.onComplete(true);
    });
    stream.on('error', () => {
      // The stream's close reports it.
    });
    stream.on('close', () => {
      this.finish();
      if (complete) return;
      const s = this.sink;
      this.sink = undefined;
      const code = stream.rstCode;
      if (code === constants.NGHTTP2_REFUSED_STREAM) s?.onError('refused', new Error('upstream refused the stream'));
      else s?.onError('reset', new Error(`upstream reset the stream (code ${code ?? 'none'})`));
    });
    if (hasBody) {
      for (const b of req.body) stream.write(b);
      stream.end();
    }
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  destroy(): void {
    this.sink = undefined;
    const s = this.stream;
    if (s && !s.destroyed && !s.closed) s.close(constants.NGHTTP2_CANCEL);
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
}

/** The HTTP/2 request headers for a routed request: pseudo-headers from method, path and Host. */
export function requestHeaders(req: UpstreamRequestHead, scheme: string, fallbackAuthority: string): OutgoingHttpHeaders {
  const h = req.headers;
  let authority = '';
  let te = false;
  for (let i = 0; i + 1 < h.length; i += 2) {
    const name = h[i]!.toLowerCase();
    if (name === 'host' && !authority) authority = h[i + 1]!;
    else if (name === 'te' && h[i + 1]!.toLowerCase() === 'trailers') te = true;
  }
  // Connection-specific fields (Host and TE among them) are dropped as for a response.
  const out: OutgoingHttpHeaders = { ':method': req.method, ':path': req.path, ':scheme': scheme, ':authority': authority || fallbackAuthority, ...toH2Headers(h) };
  // `te: trailers` is the one TE value RFC 9113 §8.2.2 allows; gRPC needs it, and an HTTP/1.1 hop may have dropped it.
  const ct = out['content-type'];
  if (te || (typeof ct === 'string' && ct.startsWith('application/grpc'))) out.te = 'trailers';
  return out;
}

/** The response as the codec-neutral head the router forwards (framed by Content-Length when given). */
export function responseHead(h: IncomingHttpHeaders, method: string): MessageHead {
  const head = new MessageHead();
  head.statusCode = Number(h[':status']) || 0;
  head.headers = flattenHeaders(h);
  const cl = h['content-length'];
  const n = typeof cl === 'string' && /^\d+$/.test(cl) ? Number(cl) : -1;
  if (method === 'HEAD' || head.statusCode === 204 || head.statusCode === 304) {
    head.framing = 'none';
    head.contentLength = 0;
    if (n >= 0) head.known.contentLength = cl as string;
  } else if (n >= 0) {
    head.framing = 'length';
    head.contentLength = n;
  } else {
    head.framing = 'chunked';
    head.contentLength = -1;
  }
  return head;
}

