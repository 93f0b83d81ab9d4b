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
import type { ClusterRuntime, UpstreamHost } from '../cluster/cluster.js';
import type { UpstreamLease, UpstreamPool } from '../upstream/pool.js';
import type { DownstreamProtocol } from '../upstream/upstream-protocol.js';
import type { LocalReply } from './filter.js';
import { connectFailure, noHealthyUpstream, overflow, upstreamProtocolError, upstreamReset, upstreamTimeout } from './local-reply.js';
import type { Clock, Random } from '../../shared/clock.js';

export interface UpstreamRequest {
  method: string;
  path: string;
  /** Flat [name, value, …] without hop-by-hop fields and without framing fields. */
  headers: string[];
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
  /** Returns false when the downstream is congested: the router pauses the upstream until waitDrain's callback. */
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

interface RetryState {
  retryOn: Set<string>;
  codes: Set<number>;
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

/** A request's retry state: the policy's compiled settings and its own count of retries left. */
function retryState(p: RetryPolicy | undefined): RetryState {
  if (!p) return { ...NO_RETRIES };
  let c = compiledRetryPolicies.get(p);
  if (!c) compiledRetryPolicies.set(p, (c = compileRetryPolicy(p)));
  return { ...c };
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

/**
 * Sends `req` to `cluster`. Returns an abort function (downstream went away): it cancels
 * timers and destroys the upstream connection in use.
 */
export function routeToCluster(cluster: ClusterRuntime, req: UpstreamRequest, opts: RouteOptions, h: ResponseHandler): () => void {
  const retry = retryState(opts.retryPolicy);
  const tried = new Set<string>();
  let retried = 0;
  let done = false;
  let conn: UpstreamLease | undefined;
  let pool: UpstreamPool | undefined;
  let cancelAcquire: (() => void) | undefined;
  let perTryTimer: NodeJS.Timeout | undefined;
  let backoffTimer: NodeJS.Timeout | undefined;
  let headSent = false;
  let retryStarted = false;
  const stats = cluster.stats;
  const started = cluster.breakers.tryStartRequest();
  stats.upstream_rq_total.inc();
  if (!started) {
    stats.upstream_rq_pending_overflow.inc();
    h.onLocalReply(overflow(cluster.name, 'max_requests'), 0);
    return () => {};
  }
  stats.upstream_rq_active.inc();
  const startedAt = opts.clock.now();
  let status = 0;
  const globalTimer = opts.timeoutMs > 0 ? setTimeout(() => fail(timeoutReply(cluster.name, opts), true), opts.timeoutMs) : undefined;

  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(globalTimer);
    clearTimeout(perTryTimer);
    clearTimeout(backoffTimer);
    cancelAcquire?.();
    if (retryStarted) cluster.breakers.endRetry();
    cluster.breakers.endRequest();
    stats.upstream_rq_active.dec();
  };

  function fail(reply: LocalReply, timeout = false): void {
    if (done) return;
    if (timeout) stats.upstream_rq_timeout.inc();
    const c = conn;
    conn = undefined;
    c?.destroy();
    if (headSent) {
      stats.chargeResponse(status);
      finish();
      h.onReset();
      return;
    }
    if (tried.size > 0) stats.chargeResponse(reply.status); // Envoy charges the upstream code of an aborted request
    finish();
    h.onLocalReply(reply, retried);
  }

  /** Whether to try again; schedules the attempt. */
  function maybeRetry(): boolean {
    if (retry.left <= 0 || done) return false;
    if (!retryStarted) {
      if (!cluster.breakers.tryStartRetry()) return false;
      retryStarted = true;
    }
    retry.left--;
    retried++;
    stats.upstream_rq_retry.inc();
    const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** (retried - 1));
    backoffTimer = setTimeout(attempt, opts.random.next() * ceiling);
    return true;
  }

  function attempt(): void {
    if (done) return;
    let host: UpstreamHost | { address: string; port: number; key: string } | undefined;
    if (cluster.originalDst) host = req.originalDst ? { ...req.originalDst, key: `${req.originalDst.address}:${req.originalDst.port}` } : undefined;
    else host = cluster.pick(retry.previousHosts ? tried : undefined, opts.hash);
    if (!host) return fail(noHealthyUpstream(cluster.name));
    tried.add(host.key);
    const target = host;
    pool = cluster.pool(host, req.downstream);
    if (retry.perTryMs > 0) {
      clearTimeout(perTryTimer);
      perTryTimer = setTimeout(() => {
        const c = conn;
        conn = undefined;
        c?.destroy();
        cancelAcquire?.();
        if (!(retry.retryOn.has('5xx') || retry.retryOn.has('gateway-error') || retry.retryOn.has('reset')) || !maybeRetry()) fail(timeoutReply(cluster.name, opts), true);
      }, retry.perTryMs);
    }
    cancelAcquire = pool.acquire((err, c) => {
      cancelAcquire = undefined;
      if (done) {
        if (c) pool!.release(c, !c.busy);
        return;
      }
      if (err) {
        if (err.kind === 'overflow') {
          stats.upstream_rq_pending_overflow.inc();
          return fail(overflow(cluster.name, 'max_pending_requests'));
        }
        if (err.kind === 'connect') {
          stats.upstream_cx_connect_fail.inc();
          cluster.onResult(target.key, { localFailure: 'connect' });
          if (retriableFailure(retry, 'connect') && maybeRetry()) return;
          return fail(connectFailure(cluster.name, target.key, err.err.message));
        }
        return fail(noHealthyUpstream(cluster.name));
      }
      conn = c!;
      send(conn, pool!, target.key);
    });
  }

  function send(c: UpstreamLease, from: UpstreamPool, hostKey: string): void {
    let discarding = false;
    let paused = false;
    // Made only when the downstream pushes back; a stale call (the response already ended)
    // finds paused false and does nothing.
    let resume: (() => void) | undefined;
    c.request(req, {
      onHead(head) {
        if (done) return;
        const code = head.statusCode;
        if (code >= 200) cluster.onResult(hostKey, { status: code });
        if (code >= 200 && !headSent && retry.left > 0 && (retriableStatus(retry, code) || retriableGrpc(retry, head))) {
          discarding = true; // drain this response, then retry
          stats.chargeResponse(code); // every try's response is charged, as Envoy does
          return;
        }
        if (code < 200) return; // 1xx informational: not forwarded (100-continue is ours)
        headSent = true;
        status = code;
        clearTimeout(perTryTimer);
        h.onHead(head);
      },
      onBody(chunk) {
        if (discarding || done) return;
        if (h.onBody(chunk) === false && !paused && h.waitDrain) {
          paused = true;
          resume ??= () => {
            if (!paused) return;
            paused = false;
            c.resume();
          };
          c.pause();
          h.waitDrain(resume);
        }
      },
      onTrailers(t) {
        if (!discarding && !done) h.onTrailers(t);
      },
      onComplete(keepAlive) {
        resume?.(); // the rest arrived in the read that paused; a reused connection must flow
        conn = undefined;
        from.release(c, keepAlive);
        if (done) return;
        if (discarding) {
          if (!maybeRetry()) fail(upstreamReset(cluster.name, hostKey));
          return;
        }
        stats.chargeResponse(status, opts.clock.now() - startedAt);
        finish();
        h.onEnd();
      },
      onError(kind, err) {
        conn = undefined;
        cluster.onResult(hostKey, { localFailure: 'reset' });
        if (done) return;
        if (kind === 'protocol') return fail(upstreamProtocolError(cluster.name, hostKey, err?.message ?? 'invalid response'));
        if (!headSent && retriableFailure(retry, kind === 'refused' ? 'refused' : 'reset') && maybeRetry()) return;
        fail(upstreamReset(cluster.name, hostKey));
      },
    });
  }

  attempt();
  return () => {
    if (done) return;
    const c = conn;
    conn = undefined;
    c?.destroy();
    finish();
  };
}

export { encodeChunk, LAST_CHUNK };
