// tcp_proxy: a downstream connection piped to one upstream host of a cluster (or weighted
// clusters); either side closing or failing ends both. An ORIGINAL_DST cluster's host is the
// connection's original destination (a redirected connection on a use_original_dst
// listener); a connection without one is closed.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TcpProxy } from '../../api/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { ProxyState } from '../http/connection-manager.js';
import { originalDstOf } from '../listener/original-dst.js';

export function handleTcpProxy(cfg: TcpProxy, state: ProxyState, socket: Socket, head?: Buffer): void {
  let clusterName = '';
  const spec = cfg.clusterSpecifier;
  if (spec.case === 'cluster') clusterName = spec.value;
  else if (spec.case === 'weightedClusters') {
    const total = spec.value.clusters.reduce((a, c) => a + c.weight, 0);
    let x = state.random.next() * total;
    for (const c of spec.value.clusters) {
      x -= c.weight;
      if (x < 0) {
        clusterName = c.name;
        break;
      }
    }
  }
  const cluster = state.cluster(clusterName);
  if (!cluster) {
    socket.destroy();
    return;
  }
  const host = cluster.originalDst ? originalDstOf(socket) : cluster.pick();
  if (!host) {
    cluster.stats.upstream_cx_none_healthy.inc();
    socket.destroy();
    return;
  }
  cluster.stats.upstream_cx_total.inc();
  // A cluster with upstream TLS gets TLS here too (never plaintext where TLS is configured).
  const tls = cluster.tls;
  const upstream = tls
    ? tlsConnect({
        host: host.address,
        port: host.port,
        ...cluster.bind,
        secureContext: tls.secureContext,
        ...(tls.sni ? { servername: tls.sni } : {}),
        ...(tls.alpn.length ? { ALPNProtocols: tls.alpn } : {}),
        rejectUnauthorized: tls.verifyChain,
        checkServerIdentity: (_host, cert) => tls.check?.(cert),
      })
    : connect({ host: host.address, port: host.port, ...cluster.bind, noDelay: true });
  let connected = false;
  const timer = setTimeout(() => {
    cluster.stats.upstream_cx_connect_timeout.inc();
    upstream.destroy();
  }, cluster.connectTimeoutMs);
  upstream.once(tls ? 'secureConnect' : 'connect', () => {
    connected = true;
    clearTimeout(timer);
  });
  if (head?.length) upstream.write(head);
  socket.pipe(upstream);
  upstream.pipe(socket);
  const end = () => {
    clearTimeout(timer);
    socket.destroy();
    upstream.destroy();
  };
  socket.on('error', end);
  upstream.on('error', () => {
    if (!connected) cluster.stats.upstream_cx_connect_fail.inc();
    end();
  });
  socket.on('close', () => upstream.end());
  upstream.on('close', () => socket.end());
}
