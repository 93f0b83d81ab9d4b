// The HTTP/1.1 connection pool of one upstream host, under its cluster's circuit
// breakers: idle keep-alive connections are reused; a new connection is opened while the
// cluster is under max_connections; otherwise the request waits (max_pending_requests),
// or overflows (UO). The router sees any pool (this one, or the HTTP/2 pool in h2-pool.ts)
// through UpstreamPool: acquire a lease, send one request on it, release it.
import { UpstreamConnection, type ResponseSink } from './h1-connection.js';
import type { CircuitBreakers } from '../cluster/circuit-breakers.js';
import type { UpstreamTls } from '../tls/context.js';
import type { SourceBind } from '../cluster/cluster.js';
import type { ClusterStats } from '../stats/index.js';

export type AcquireError = { kind: 'overflow' } | { kind: 'connect'; err: Error } | { kind: 'cancelled' };

/** What the router sends upstream: a head without framing fields, and the buffered body. */
export interface UpstreamRequestHead {
  method: string;
  path: string;
  /** Flat [name, value, …] without hop-by-hop and framing fields; `host` carries the authority. */
  headers: string[];
  /** Every name and value in `headers` is known valid for HTTP/1.1, so serializing skips the checks. */
  checked?: boolean;
  body: Buffer[];
  bodyLength: number;
}

/** One request's hold on an upstream: an HTTP/1.1 connection, or a stream slot of an HTTP/2 session. */
export interface UpstreamLease {
  /** Whether a response is still expected. */
  readonly busy: boolean;
  /** Sends the request (head and body); the response goes to `sink`. */
  request(req: UpstreamRequestHead, sink: ResponseSink): void;
  /** Abandons the request (the downstream went away, or a timeout): nothing more reaches the sink. */
  destroy(): void;
  /** Stops reading the response (the downstream is congested); flow control pushes back upstream. */
  pause(): void;
  resume(): void;
}

export interface UpstreamPool {
  /** Gets a lease for one request. Returns a cancel function (client went away). */
  acquire(cb: (err: AcquireError | undefined, lease?: UpstreamLease) => void): () => void;
  /** Returns a lease after a complete response; `reusable` false closes an HTTP/1.1 connection. */
  release(lease: UpstreamLease, reusable: boolean): void;
  /** Closes idle connections now and busy ones as they finish. */
  drain(): void;
  /** Open connections. */
  readonly connections: number;
  /** Whether a request holds or awaits a connection (or stream) of this pool. */
  readonly inUse: boolean;
}

interface Waiter {
  cb: (err: AcquireError | undefined, conn?: UpstreamConnection) => void;
}

const NOOP = (): void => {};

export class H1Pool implements UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly breakers: CircuitBreakers,
    private readonly connectTimeoutMs: number,
    private readonly maxRequestsPerConnection: number,
    /** The cluster's upstream TLS; connections are plaintext without it. */
    private readonly tls?: UpstreamTls,
    private readonly stats?: ClusterStats,
    /** upstream_bind_config: where connections are made from. */
    private readonly bind: SourceBind = {},
  ) {}

  /** Gets a connection for one request. Returns a cancel function (client went away). */
  acquire(cb: (err: AcquireError | undefined, conn?: UpstreamConnection) => void): () => void {
    while (this.idle.length) {
      const c = this.idle.pop()!;
      if (!c.closed) {
        cb(undefined, c);
        return NOOP;
      }
    }
    if (this.breakers.canOpenConnection()) {
      this.open(cb);
      return NOOP;
    }
    if (!this.breakers.canQueue()) {
      this.breakers.overflowPending();
      cb({ kind: 'overflow' });
      return NOOP;
    }
    const w: Waiter = { cb };
    this.waiters.push(w);
    this.breakers.pendingAdded();
    return () => {
      const i = this.waiters.indexOf(w);
      if (i >= 0) {
        this.waiters.splice(i, 1);
        this.breakers.pendingRemoved();
      }
    };
  }

  private open(cb: Waiter['cb']): void {
    this.breakers.connectionOpened();
    this.stats?.upstream_cx_total.inc();
    this.stats?.upstream_cx_http1_total.inc();
    const c: UpstreamConnection = new UpstreamConnection(
      this.address,
      this.port,
      this.connectTimeoutMs,
      (err) => (err ? cb({ kind: 'connect', err }) : cb(undefined, c)),
      (closed) => {
        if (this.all.delete(closed)) this.breakers.connectionClosed();
        const i = this.idle.indexOf(closed);
        if (i >= 0) this.idle.splice(i, 1);
        this.serveWaiter();
      },
      this.tls,
      this.bind,
    );
    this.all.add(c);
  }

  /** Returns a connection after a complete response; `reusable` false closes it. */
  release(c: UpstreamConnection, reusable: boolean): void {
    if (!reusable || this.closed || c.closed || (this.maxRequestsPerConnection > 0 && c.served >= this.maxRequestsPerConnection)) {
      c.destroy();
      return;
    }
    const w = this.waiters.shift();
    if (w) {
      this.breakers.pendingRemoved();
      w.cb(undefined, c);
      return;
    }
    this.idle.push(c);
  }

  private serveWaiter(): void {
    if (this.waiters.length === 0 || this.closed || !this.breakers.canOpenConnection()) return;
    const w = this.waiters.shift()!;
    this.breakers.pendingRemoved();
    this.open(w.cb);
  }

  get connections(): number {
    return this.all.size;
  }

  get inUse(): boolean {
    return this.waiters.length > 0 || this.all.size > this.idle.length;
  }

  /** Closes idle connections now and busy ones as they finish. */
  drain(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.destroy();
    for (const w of this.waiters.splice(0)) {
      this.breakers.pendingRemoved();
      w.cb({ kind: 'cancelled' });
    }
  }
}
