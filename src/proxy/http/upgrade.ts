// HTTP/1.1 Upgrade (WebSocket) passthrough, as Envoy's upgrade_configs: whether a request may
// upgrade (the route's upgrade_configs override the connection manager's), sending its head
// on a dedicated upstream connection (an upgraded connection never returns to a pool), and
// on 101 splicing the two sockets: raw bytes both ways, closed together. A non-101 answer is
// an ordinary response, handed back as head, body and end.
import { connect, type Socket } from 'node:net';
import type { RouteAction_UpgradeConfig } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { H1Parser, serializeRequestHead, type MessageHead } from './h1/index.js';
import type { ClusterRuntime } from '../cluster/cluster.js';
import type { Clock } from '../../shared/clock.js';
import type { ResponseHandler, UpstreamRequest } from './router.js';
import { connectFailure, noHealthyUpstream, overflow, upstreamProtocolError, upstreamReset, upstreamTimeout } from './local-reply.js';

/** After one side of a tunnel closed, the other gets this long to flush before it is destroyed. */
const TUNNEL_CLOSE_GRACE_MS = 5_000;

/**
 * Whether an upgrade of `type` (lower-case) is allowed: a route-level upgrade_config for the
 * type decides; otherwise the connection manager's list.
 */
export function upgradeAllowed(type: string, routeConfigs: readonly RouteAction_UpgradeConfig[], hcmTypes: readonly string[] | undefined): boolean {
  for (const c of routeConfigs) if (c.upgradeType.toLowerCase() === type) return c.enabled !== false && (hcmTypes?.includes(type) ?? false);
  return hcmTypes?.includes(type) ?? false;
}

export interface UpgradeHandler extends ResponseHandler {
  /** The upstream answered 101: the socket (listeners removed) and bytes it sent after the head. */
  onUpgraded(upstream: Socket, head: MessageHead, rest: Buffer): void;
}

export interface UpgradeOptions {
  /** Until the response head; the tunnel itself has no timeout. */
  timeoutMs: number;
  clock: Clock;
  hash?: bigint | undefined;
}

/** Sends an Upgrade request to `cluster` on a new connection. Returns an abort (downstream gone). */
export function upgradeToCluster(cluster: ClusterRuntime, req: UpstreamRequest, opts: UpgradeOptions, h: UpgradeHandler): () => void {
  if (cluster.tls) {
    // Not yet: the tunnel connects in plaintext, which a TLS upstream would refuse.
    h.onLocalReply({ status: 501, body: `upgrade to the TLS cluster ${cluster.name} is not supported` }, 0);
    return () => {};
  }
  const stats = cluster.stats;
  stats.upstream_rq_total.inc();
  if (!cluster.breakers.tryStartRequest()) {
    stats.upstream_rq_pending_overflow.inc();
    h.onLocalReply(overflow(cluster.name, 'max_requests'), 0);
    return () => {};
  }
  const host = cluster.originalDst ? (req.originalDst ? { ...req.originalDst, key: `${req.originalDst.address}:${req.originalDst.port}` } : undefined) : cluster.pick(undefined, opts.hash);
  if (!host) {
    cluster.breakers.endRequest();
    h.onLocalReply(noHealthyUpstream(cluster.name), 0);
    return () => {};
  }
  stats.upstream_rq_active.inc();
  stats.upstream_cx_total.inc();
  const startedAt = opts.clock.now();
  let done = false;
  let upgraded = false;
  let headSent = false;
  let status = 0;
  let upgradedHead: MessageHead | undefined;
  const socket = connect({ host: host.address, port: host.port, ...cluster.bind, noDelay: true });
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    cluster.breakers.endRequest();
    stats.upstream_rq_active.dec();
  };
  const fail = (reply: Parameters<ResponseHandler['onLocalReply']>[0]) => {
    if (done) return;
    socket.destroy();
    finish();
    if (headSent) h.onReset();
    else h.onLocalReply(reply, 0);
  };
  const timer = setTimeout(() => {
    stats.upstream_rq_timeout.inc();
    fail(upstreamTimeout(cluster.name));
  }, opts.timeoutMs > 0 ? opts.timeoutMs : cluster.connectTimeoutMs + 15_000);
  let connected = false;
  const connectTimer = setTimeout(() => {
    if (!connected) socket.destroy(new Error(`connect timeout after ${cluster.connectTimeoutMs} ms`));
  }, cluster.connectTimeoutMs);

  const parser = new H1Parser('response', {}, {
    onHead(head) {
      if (head.statusCode === 101) {
        status = 101;
        upgradedHead = head;
        return; // onMessageComplete, then onUpgrade with the bytes after the head
      }
      if (head.statusCode < 200) return;
      headSent = true;
      status = head.statusCode;
      cluster.onResult(host.key, { status });
      h.onHead(head);
    },
    onBody(chunk) {
      if (!done) h.onBody(chunk);
    },
    onTrailers(t) {
      if (!done) h.onTrailers(t);
    },
    onMessageComplete() {
      if (status === 101 || done) return;
      stats.chargeResponse(status, opts.clock.now() - startedAt);
      finish();
      socket.destroy(); // a refused upgrade leaves the connection in an unknown state
      h.onEnd();
    },
    onUpgrade(rest) {
      if (done || upgraded) return;
      upgraded = true;
      clearTimeout(timer);
      stats.chargeResponse(101, opts.clock.now() - startedAt);
      cluster.onResult(host.key, { status: 200 });
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.once('close', finish); // the request is active until the tunnel closes
      h.onUpgraded(socket, upgradedHead!, rest);
    },
    onError(err) {
      fail(upstreamProtocolError(cluster.name, host.key, err.message));
    },
  });
  const onData = (d: Buffer) => parser.execute(d);
  const onEnd = () => parser.finish();
  const onClose = () => {
    clearTimeout(connectTimer);
    if (!connected) return;
    cluster.onResult(host.key, { localFailure: 'reset' });
    fail(upstreamReset(cluster.name, host.key));
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onClose);
  socket.on('error', (err) => {
    if (connected || done) return;
    clearTimeout(connectTimer);
    stats.upstream_cx_connect_fail.inc();
    cluster.onResult(host.key, { localFailure: 'connect' });
    fail(connectFailure(cluster.name, host.key, err.message));
  });
  socket.once('connect', () => {
    connected = true;
    clearTimeout(connectTimer);
    parser.expectResponse(req.method, true);
    socket.write(serializeRequestHead(req.method, req.path, req.bodyLength > 0 ? [...req.headers, 'content-length', String(req.bodyLength)] : req.headers));
    for (const b of req.body) socket.write(b);
  });
  return () => {
    if (done || upgraded) return;
    socket.destroy();
    finish();
  };
}

/** Joins two sockets: bytes both ways with backpressure; when one side closes, the other follows. */
export function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const follow = (closed: Socket, other: Socket) => {
    closed.once('close', () => {
      if (other.destroyed) return;
      other.end();
      setTimeout(() => other.destroy(), TUNNEL_CLOSE_GRACE_MS).unref();
    });
    closed.on('error', () => closed.destroy());
  };
  follow(a, b);
  follow(b, a);
}
