// The router: sends a routed request to its cluster — host pick, circuit breakers,
// connection pool, timeout, retries (retry_on, num_retries, per_try_timeout, back-off,
// previous_hosts) — and hands the response back as a head, body chunks and an end.
// The request body is buffered (bounded), so a retry can resend it. The upstream is reached
// through the host's pool for the cluster's protocol (HTTP/1.1 connection or HTTP/2 stream);
// gRPC retry_on conditions read grpc-status from a trailers-only response's headers.
import type { RetryPolicy } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { durationMs } from '../../api/envoy/build.js';
import type { MessageHead } from './h1/index.js';
import { encodeChunk, LAST_CHUNK } from './h1/index.js';
import type { ClusterRuntime, PickedHost } from '../cluster/cluster.js';
import type { AcquireError, UpstreamLease, UpstreamPool } from '../upstream/pool.js';
import type { ResponseSink } from '../upstream/h1-connection.js';
import type { DownstreamProtocol } from '../upstream/upstream-protocol.js';
import type { LocalReply } from './filter.js';
import { connectFailure, noHealthyUpstream, overflow, upstreamProtocolError, upstreamReset, upstreamTimeout } from './local-reply.js';
import type { Clock, Random } from '../../shared/clock.js';

export interface UpstreamRequest {
  method: string;
  path: string;
  /** Flat [name, value, …] without hop-by-hop fields and without framing fields. */
  headers: string[];
  /** Every name and value in `headers` is known valid for HTTP/1.1 (a HeaderMap without `invalid`). */
  checked?: boolean;
  body: Buffer[];
  bodyLength: number;
  /** Original destination for ORIGINAL_DST clusters (host:port from the authority). */
  originalDst?: { address: string; port: number };
  /** The protocol the request arrived on (for use_downstream_protocol_config); HTTP/1.1 when absent. */
  downstream?: DownstreamProtocol;
}

export interface ResponseHandler {
  /** The response head to forward (retries are over). Return false to stop (downstream gone). */
  onHead(head: MessageHead): void;
  /**
   * Returns false when the downstream is congested: the router pauses the upstream until
   * waitDrain's callback. `chunk` may be a view into a read buffer reused once this returns:
   * copy it to keep it, or to write it where it may be queued.
   */
  onBody(chunk: Buffer): boolean | void;
  /** Calls `resume` once the downstream took what was written (back-pressure). */
  waitDrain?(resume: () => void): void;
  onTrailers(trailers: string[]): void;
  onEnd(): void;
  /** A local reply instead of a response (no head was sent). */
  onLocalReply(reply: LocalReply, retried: number): void;
  /** The response broke after its head was forwarded: reset the downstream. */
  onReset(): void;
}

/** A retry policy compiled once: what to retry on, how many times, timeouts and back-off. */
interface RetryState {
  retryOn: Set<string>;
  codes: Set<number>;
  /** num_retries (0 without a retry_on condition). */
  left: number;
  perTryMs: number;
  baseMs: number;
  maxMs: number;
  previousHosts: boolean;
}

function compileRetryPolicy(p: RetryPolicy | undefined): Readonly<RetryState> {
  const retryOn = new Set((p?.retryOn ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  const baseMs = durationMs(p?.retryBackOff?.baseInterval) ?? 25;
  return {
    retryOn,
    codes: new Set(p?.retriableStatusCodes ?? []),
    left: p && retryOn.size ? (p.numRetries ?? 1) : 0,
    perTryMs: durationMs(p?.perTryTimeout) ?? 0,
    baseMs,
    maxMs: durationMs(p?.retryBackOff?.maxInterval) ?? baseMs * 10,
    previousHosts: (p?.retryHostPredicate ?? []).some((h) => h.name === 'envoy.retry_host_predicates.previous_hosts'),
  };
}

/** Compiled once per RetryPolicy message (config objects are immutable once applied). */
const compiledRetryPolicies = new WeakMap<RetryPolicy, Readonly<RetryState>>();
const NO_RETRIES = compileRetryPolicy(undefined);

/** The compiled settings of a policy (shared; a request counts its own retries left). */
function retryState(p: RetryPolicy | undefined): Readonly<RetryState> {
  if (!p) return NO_RETRIES;
  let c = compiledRetryPolicies.get(p);
  if (!c) compiledRetryPolicies.set(p, (c = compileRetryPolicy(p)));
  return c;
}

/** The 504 for an expired timeout; DEADLINE_EXCEEDED when the deadline came from grpc-timeout. */
function timeoutReply(cluster: string, opts: RouteOptions): LocalReply {
  return opts.grpcDeadline ? { ...upstreamTimeout(cluster), grpcStatus: 4 } : upstreamTimeout(cluster);
}

/** retry_on names for gRPC status codes (Envoy's x-envoy-retry-grpc-on values). */
const GRPC_RETRY_ON: Record<string, number> = { cancelled: 1, 'deadline-exceeded': 4, 'resource-exhausted': 8, internal: 13, unavailable: 14 };

/** Whether a trailers-only gRPC response's grpc-status is one retry_on names. */
function retriableGrpc(r: RetryState, head: MessageHead): boolean {
  const h = head.headers;
  for (let i = 0; i + 1 < h.length; i += 2) {
    if (h[i]!.length !== 11 || h[i]!.toLowerCase() !== 'grpc-status') continue;
    const code = Number(h[i + 1]);
    for (const name of r.retryOn) if (GRPC_RETRY_ON[name] === code) return true;
    return false;
  }
  return false;
}

function retriableStatus(r: RetryState, status: number): boolean {
  if (r.retryOn.has('5xx') && status >= 500) return true;
  if (r.retryOn.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  if (r.retryOn.has('retriable-4xx') && status === 409) return true;
  if (r.retryOn.has('retriable-status-codes') && r.codes.has(status)) return true;
  return false;
}

function retriableFailure(r: RetryState, kind: 'connect' | 'reset' | 'refused'): boolean {
  if (r.retryOn.has('5xx') || r.retryOn.has('gateway-error')) return true;
  if (kind === 'connect') return r.retryOn.has('connect-failure') || r.retryOn.has('reset');
  if (kind === 'refused') return r.retryOn.has('refused-stream') || r.retryOn.has('reset');
  return r.retryOn.has('reset');
}

export interface RouteOptions {
  timeoutMs: number;
  retryPolicy: RetryPolicy | undefined;
  random: Random;
  /** Times upstream_rq_time (ms). */
  clock: Clock;
  /** Consistent-hash key from the route's hash_policy (RING_HASH / MAGLEV clusters). */
  hash?: bigint | undefined;
  /** The timeout came from the request's grpc-timeout: it expires as DEADLINE_EXCEEDED. */
  grpcDeadline?: boolean;
}

/** A routed request in flight: abort() when the downstream went away. */
export interface UpstreamCall {
  abort(): void;
}

/**
 * Sends `req` to `cluster`. Returns the call, whose abort() (downstream went away) cancels
 * timers and destroys the upstream connection in use.
 */
export function routeToCluster(cluster: ClusterRuntime, req: UpstreamRequest, opts: RouteOptions, h: ResponseHandler): UpstreamCall {
  const stats = cluster.stats;
  stats.upstream_rq_total.inc();
  if (!cluster.breakers.tryStartRequest()) {
    stats.upstream_rq_pending_overflow.inc();
    h.onLocalReply(overflow(cluster.name, 'max_requests'), 0);
    return DONE;
  }
  stats.upstream_rq_active.inc();
  const call = new RouterCall(cluster, req, opts, h);
  call.attempt();
  return call;
}

const DONE: UpstreamCall = { abort() {} };

/**
 * One request's life in the router: attempts (a host, a pooled connection or stream, the
 * response), retries with back-off, the timeouts, and the stats. It is the response sink of
 * each attempt; `attemptId` tells a stale attempt's callbacks from the current one's.
 */
class RouterCall implements UpstreamCall, ResponseSink {
  private readonly retry: Readonly<RetryState>;
  /** Retries this request may still make (starts at the policy's num_retries). */
  private retriesLeft: number;
  /** Keys of the hosts tried (previous_hosts, and whether any attempt reached a host). */
  private tried: Set<string> | undefined = undefined;
  private retried = 0;
  private done = false;
  private conn: UpstreamLease | undefined = undefined;
  private pool: UpstreamPool | undefined = undefined;
  private hostKey = '';
  private cancelAcquire: (() => void) | undefined = undefined;
  private perTryTimer: NodeJS.Timeout | undefined = undefined;
  private backoffTimer: NodeJS.Timeout | undefined = undefined;
  private readonly globalTimer: NodeJS.Timeout | undefined;
  private headSent = false;
  private retryStarted = false;
  private readonly startedAt: number;
  private status = 0;
  // The current attempt's response:
  private discarding = false;
  private paused = false;
  /** Made only when the downstream pushes back. */
  private resumeFn: (() => void) | undefined = undefined;
  private readonly acquired = (err: AcquireError | undefined, c?: UpstreamLease) => this.onAcquired(err, c);

  constructor(
    private readonly cluster: ClusterRuntime,
    private readonly req: UpstreamRequest,
    private readonly opts: RouteOptions,
    private readonly h: ResponseHandler,
  ) {
    this.retry = retryState(opts.retryPolicy);
    this.retriesLeft = this.retry.left;
    this.startedAt = opts.clock.now();
    this.globalTimer = opts.timeoutMs > 0 ? setTimeout(onGlobalTimeout, opts.timeoutMs, this) : undefined;
  }

  abort(): void {
    if (this.done) return;
    const c = this.conn;
    this.conn = undefined;
    c?.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.globalTimer);
    clearTimeout(this.perTryTimer);
    clearTimeout(this.backoffTimer);
    this.cancelAcquire?.();
    if (this.retryStarted) this.cluster.breakers.endRetry();
    this.cluster.breakers.endRequest();
    this.cluster.stats.upstream_rq_active.dec();
  }

  fail(reply: LocalReply, timeout = false): void {
    if (this.done) return;
    const stats = this.cluster.stats;
    if (timeout) stats.upstream_rq_timeout.inc();
    const c = this.conn;
    this.conn = undefined;
    c?.destroy();
    if (this.headSent) {
      stats.chargeResponse(this.status);
      this.finish();
      this.h.onReset();
      return;
    }
    if (this.tried !== undefined) stats.chargeResponse(reply.status); // Envoy charges the upstream code of an aborted request
    this.finish();
    this.h.onLocalReply(reply, this.retried);
  }

  /** Whether to try again; schedules the attempt. */
  private maybeRetry(): boolean {
    const retry = this.retry;
    if (this.retriesLeft <= 0 || this.done) return false;
    if (!this.retryStarted) {
      if (!this.cluster.breakers.tryStartRetry()) return false;
      this.retryStarted = true;
    }
    this.retriesLeft--;
    this.retried++;
    this.cluster.stats.upstream_rq_retry.inc();
    const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** (this.retried - 1));
    this.backoffTimer = setTimeout(onBackoff, this.opts.random.next() * ceiling, this);
    return true;
  }

  attempt(): void {
    if (this.done) return;
    const cluster = this.cluster;
    const req = this.req;
    let host: PickedHost | undefined;
    if (cluster.originalDst) host = req.originalDst ? { ...req.originalDst, key: `${req.originalDst.address}:${req.originalDst.port}` } : undefined;
    else host = cluster.pick(this.retry.previousHosts ? this.tried : undefined, this.opts.hash);
    if (!host) return this.fail(noHealthyUpstream(cluster.name));
    (this.tried ??= new Set()).add(host.key);
    this.hostKey = host.key;
    this.pool = cluster.pool(host, req.downstream);
    if (this.retry.perTryMs > 0) {
      clearTimeout(this.perTryTimer);
      this.perTryTimer = setTimeout(onPerTryTimeout, this.retry.perTryMs, this);
    }
    this.cancelAcquire = this.pool.acquire(this.acquired);
  }

  globalTimeout(): void {
    this.fail(timeoutReply(this.cluster.name, this.opts), true);
  }

  perTryTimeout(): void {
    const c = this.conn;
    this.conn = undefined;
    c?.destroy();
    this.cancelAcquire?.();
    const retryOn = this.retry.retryOn;
    if (!(retryOn.has('5xx') || retryOn.has('gateway-error') || retryOn.has('reset')) || !this.maybeRetry()) this.fail(timeoutReply(this.cluster.name, this.opts), true);
  }

  private onAcquired(err: AcquireError | undefined, c: UpstreamLease | undefined): void {
    this.cancelAcquire = undefined;
    if (this.done) {
      if (c) this.pool!.release(c, !c.busy);
      return;
    }
    const cluster = this.cluster;
    if (err) {
      if (err.kind === 'overflow') {
        cluster.stats.upstream_rq_pending_overflow.inc();
        return this.fail(overflow(cluster.name, 'max_pending_requests'));
      }
      if (err.kind === 'connect') {
        cluster.stats.upstream_cx_connect_fail.inc();
        cluster.onResult(this.hostKey, { localFailure: 'connect' });
        if (retriableFailure(this.retry, 'connect') && this.maybeRetry()) return;
        return this.fail(connectFailure(cluster.name, this.hostKey, err.err.message));
      }
      return this.fail(noHealthyUpstream(cluster.name));
    }
    this.conn = c!;
    this.discarding = false;
    this.paused = false;
    this.resumeFn = undefined;
    c!.request(this.req, this);
  }

  // ---- ResponseSink of the current attempt (a lease only calls the sink it was given until it completes or fails)

  onHead(head: MessageHead): void {
    if (this.done) return;
    const code = head.statusCode;
    if (code >= 200) this.cluster.onResult(this.hostKey, { status: code });
    if (code >= 200 && !this.headSent && this.retriesLeft > 0 && (retriableStatus(this.retry, code) || retriableGrpc(this.retry, head))) {
      this.discarding = true; // drain this response, then retry
      this.cluster.stats.chargeResponse(code); // every try's response is charged, as Envoy does
      return;
    }
    if (code < 200) return; // 1xx informational: not forwarded (100-continue is ours)
    this.headSent = true;
    this.status = code;
    clearTimeout(this.perTryTimer);
    this.h.onHead(head);
  }

  onBody(chunk: Buffer): void {
    if (this.discarding || this.done) return;
    const h = this.h;
    if (h.onBody(chunk) === false && !this.paused && h.waitDrain) {
      this.paused = true;
      const c = this.conn!;
      // A stale call (the response already ended) finds paused false and does nothing.
      this.resumeFn ??= () => {
        if (!this.paused) return;
        this.paused = false;
        c.resume();
      };
      c.pause();
      h.waitDrain(this.resumeFn);
    }
  }

  onTrailers(t: string[]): void {
    if (!this.discarding && !this.done) this.h.onTrailers(t);
  }

  onComplete(keepAlive: boolean): void {
    this.resumeFn?.(); // the rest arrived in the read that paused; a reused connection must flow
    const c = this.conn;
    this.conn = undefined;
    if (c) this.pool!.release(c, keepAlive);
    if (this.done) return;
    if (this.discarding) {
      if (!this.maybeRetry()) this.fail(upstreamReset(this.cluster.name, this.hostKey));
      return;
    }
    this.cluster.stats.chargeResponse(this.status, this.opts.clock.now() - this.startedAt);
    this.finish();
    this.h.onEnd();
  }

  onError(kind: 'reset' | 'protocol' | 'refused', err?: Error): void {
    this.conn = undefined;
    const cluster = this.cluster;
    cluster.onResult(this.hostKey, { localFailure: 'reset' });
    if (this.done) return;
    if (kind === 'protocol') return this.fail(upstreamProtocolError(cluster.name, this.hostKey, err?.message ?? 'invalid response'));
    if (!this.headSent && retriableFailure(this.retry, kind === 'refused' ? 'refused' : 'reset') && this.maybeRetry()) return;
    this.fail(upstreamReset(cluster.name, this.hostKey));
  }
}

function onGlobalTimeout(call: RouterCall): void {
  call.globalTimeout();
}

function onBackoff(call: RouterCall): void {
  call.attempt();
}

function onPerTryTimeout(call: RouterCall): void {
  call.perTryTimeout();
}

export { encodeChunk, LAST_CHUNK };
