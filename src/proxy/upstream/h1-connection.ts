// One HTTP/1.1 connection to an upstream host: a socket, a response parser, and the
// callbacks of the request currently on it. Requests are sent one at a time (no
// pipelining upstream); after a keep-alive response the connection returns to its pool.
// With a cluster's UpstreamTlsContext the socket is TLS: connected means handshaken and
// verified, so a verification failure is a connect failure (UF).
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { UpstreamTls } from '../tls/context.js';
import type { SourceBind } from '../cluster/cluster.js';
import { H1Parser, serializeRequestHead, type MessageHead, type H1ParseError } from '../http/h1/index.js';
import type { UpstreamLease, UpstreamRequestHead } from './pool.js';
import { holdWrites } from '../http/write-batch.js';

export interface ResponseSink {
  onHead(head: MessageHead): void;
  /** Body bytes: possibly a view into a read buffer reused once this returns (copy to keep them). */
  onBody(chunk: Buffer): void;
  onTrailers?(trailers: string[]): void;
  onComplete(keepAlive: boolean): void;
  /** The connection (or HTTP/2 stream) failed or closed before the response completed; 'refused': REFUSED_STREAM. */
  onError(kind: 'reset' | 'protocol' | 'refused', err?: H1ParseError | Error): void;
}

let nextId = 1;

/**
 * Plaintext connections read into this one buffer (net's `onread`), not into a new Buffer per
 * read: the parser copies what it keeps and body chunks are copied before they leave, so
 * nothing refers to it once a read's callback returns.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class UpstreamConnection implements UpstreamLease {
  readonly id = nextId++;
  readonly socket: Socket;
  private readonly parser: H1Parser;
  private sink: ResponseSink | undefined;
  private responseKeepAlive = true;
  closed = false;
  /** Requests served, for max_requests_per_connection. */
  served = 0;

  constructor(
    host: string,
    port: number,
    connectTimeoutMs: number,
    onConnect: (err: Error | undefined) => void,
    private readonly onClose: (c: UpstreamConnection) => void,
    tls?: UpstreamTls,
    bind: SourceBind = {},
  ) {
    const socket = tls
      ? tlsConnect({
          host,
          port,
          ...bind,
          secureContext: tls.secureContext,
          ...(tls.sni ? { servername: tls.sni } : {}),
          ...(tls.alpn.length ? { ALPNProtocols: tls.alpn.filter((p) => p !== 'h2') } : {}),
          rejectUnauthorized: tls.verifyChain,
          // Envoy checks SAN matchers, not the host name; without them any trusted peer is accepted.
          checkServerIdentity: (_host, cert) => tls.check?.(cert),
        })
      : connect({ host, port, ...bind, noDelay: true, onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => this.onRead(n, buf) } });
    if (tls) socket.setNoDelay(true);
    this.socket = socket;
    let connected = false;
    const timer = setTimeout(() => {
      if (!connected) socket.destroy(new Error(`connect timeout after ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      clearTimeout(timer);
      onConnect(undefined);
    });
    this.parser = new H1Parser('response', {}, {
      onHead: (head) => {
        this.responseKeepAlive = head.keepAlive;
        this.sink?.onHead(head);
      },
      onBody: (chunk) => {
        // A plaintext read's bytes live in READ_BUFFER, which the next read overwrites: the
        // sink copies what it keeps (ResponseSink.onBody).
        this.sink?.onBody(chunk);
      },
      onTrailers: (t) => this.sink?.onTrailers?.(t),
      onMessageComplete: () => {
        const sink = this.sink;
        this.sink = undefined;
        this.served++;
        sink?.onComplete(this.responseKeepAlive);
      },
      onUpgrade: () => {
        // Upgrades (WebSocket) are tunnelled by the caller; not reached for plain requests.
      },
      onError: (err) => {
        const sink = this.sink;
        this.sink = undefined;
        sink?.onError('protocol', err);
        socket.destroy();
      },
    });
    if (tls) socket.on('data', (d: Buffer) => this.parser.execute(d));
    socket.on('end', () => {
      // A close-delimited body ends here; anything else mid-response is a reset.
      this.parser.finish();
      socket.end();
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (!connected) onConnect(err);
      else {
        const sink = this.sink;
        this.sink = undefined;
        sink?.onError('reset', err);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      this.closed = true;
      const sink = this.sink;
      this.sink = undefined;
      sink?.onError('reset');
      this.onClose(this);
    });
  }

  private onRead(n: number, buf: Uint8Array): boolean {
    this.parser.execute((buf as Buffer).subarray(0, n));
    return true;
  }

  /** Sends a request with its buffered body: head and body leave in one write. */
  request(req: UpstreamRequestHead, sink: ResponseSink): void {
    const m = req.method;
    const headers = req.bodyLength > 0 || m === 'POST' || m === 'PUT' || m === 'PATCH' ? [...req.headers, 'content-length', String(req.bodyLength)] : req.headers;
    const corked = req.body.length > 0;
    if (corked) this.socket.cork();
    this.send(m, serializeRequestHead(m, req.path, headers, 1, req.checked === true), sink);
    if (!corked) return;
    for (const b of req.body) this.socket.write(b);
    process.nextTick(uncork, this.socket);
  }

  /** Sends a request head (and whatever body the caller writes next) and awaits its response. */
  send(method: string, head: Buffer, sink: ResponseSink, upgrade = false): void {
    this.sink = sink;
    this.parser.expectResponse(method, upgrade);
    holdWrites(this.socket);
    this.socket.write(head);
  }

  write(data: Buffer): boolean {
    return this.socket.write(data);
  }

  get busy(): boolean {
    return this.sink !== undefined;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.sink = undefined;
    this.socket.destroy();
  }
}

function uncork(s: Socket): void {
  s.uncork();
}

export type { H1ParseError };
