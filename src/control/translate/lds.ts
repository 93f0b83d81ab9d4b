// LDS: the listeners of one proxy — sidecar, gateway (router) or proxyless gRPC. Pure and
// deterministic: output sorted by name.
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { PushContext } from '../snapshot/push-context.js';
import type { Proxy } from '../model/proxy.js';
import { byName } from './output.js';
import { outboundClusterName } from './naming.js';
import { sidecarInboundListeners, sidecarOutboundListeners, type TcpRouteResolver } from './listener/sidecar.js';
import { gatewayListeners } from './listener/gateway.js';
import { grpcListeners } from './listener/grpc.js';

/** Default TCP routing: VirtualService tcp routes for the host if any, else the service's own cluster. */
export const defaultTcpRoute: TcpRouteResolver = (push, proxy, service, port) => {
  for (const vs of push.virtualServicesForMesh(proxy)) {
    const ns = vs.metadata.namespace ?? 'default';
    if (!(vs.spec.hosts ?? []).some((h) => push.resolveHost(h, ns) === service.hostname)) continue;
    for (const r of vs.spec.tcp ?? []) {
      const matches = !r.match?.length || r.match.some((m) => m.port === undefined || m.port === port);
      if (!matches || !r.route?.length) continue;
      return r.route.map((d) => {
        const host = push.resolveHost(d.destination.host, ns);
        return { name: outboundClusterName(d.destination.port?.number ?? port, d.destination.subset ?? '', host), weight: d.weight ?? (r.route!.length === 1 ? 1 : 0) };
      });
    }
  }
  return [{ name: outboundClusterName(port, '', service.hostname), weight: 1 }];
};

export function buildListeners(push: PushContext, proxy: Proxy, tcpRoute: TcpRouteResolver = defaultTcpRoute): Listener[] {
  switch (proxy.type) {
    case 'grpc':
      return byName(grpcListeners(push, proxy));
    case 'router':
      return byName(gatewayListeners(push, proxy));
    default:
      return byName([...sidecarOutboundListeners(push, proxy, tcpRoute), ...sidecarInboundListeners(push, proxy)]);
  }
}
