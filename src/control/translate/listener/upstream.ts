// Upstream bindings (explicit mode, INTERCEPTION_MODE NONE): for each `RIG_UPSTREAMS` entry
// the sidecar listens on the pod IP at the binding's local port and forwards to that one
// service port through the mesh, so a client that cannot use HTTP_PROXY (a database
// driver, a gRPC client, raw TCP) gets a plain local address per service.
//  - HTTP port: an HTTP connection manager whose inline route config holds the service's
//    virtual host from the port's routes (VirtualService routing applies) answering to any
//    Host, since the client dials the pod IP;
//  - TCP port: tcp_proxy to the service (VirtualService tcp routes apply);
//  - unknown protocol, or a service not (yet) known: sniffed, HTTP to the service's route
//    or cluster, anything else over TCP. A missing service's cluster does not exist, so
//    HTTP gets 503 (NC) and TCP a closed connection until the service appears.
import { clone, create } from '@bufbuild/protobuf';
import { socketAddress } from '../../../api/envoy/build.js';
import { ListenerSchema, type Listener } from '../../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { FilterChainSchema, type FilterChain } from '../../../api/gen/envoy/config/listener/v3/listener_components_pb.js';
import { VirtualHostSchema, type VirtualHost } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { TrafficDirection } from '../../../api/gen/envoy/config/core/v3/base_pb.js';
import type { PushContext } from '../../snapshot/push-context.js';
import { upstreamBindings, type Proxy, type UpstreamBinding } from '../../model/proxy.js';
import type { Service } from '../../registry/model.js';
import { INBOUND_PORT, OUTBOUND_PORT, outboundClusterName } from '../naming.js';
import { MAX_DIRECT_RESPONSE_BODY_BYTES } from '../route/config.js';
import { buildVirtualHosts, domainName, sidecarWrappers } from '../route/virtual-hosts.js';
import { MESH_GATEWAY, resolveVirtualService } from '../route/virtual-service.js';
import { httpConnectionManagerFilter } from './hcm.js';
import { HTTP_ALPN, HTTP_INSPECTOR, defaultRoute, interceptionNone, listenerFilter, protocolClass, tcpProxyFilter, type ProtocolClass, type WeightedCluster } from './common.js';

/** The sidecar's own ports on the pod IP (admin, outbound, inbound, health, stats): never bound for an upstream. */
const PROXY_PORTS = new Set([15000, OUTBOUND_PORT, INBOUND_PORT, 15020, 15021, 15090]);

/** Clusters a TCP connection to a service port goes to (lds.ts's resolver). */
export type UpstreamTcpRoute = (push: PushContext, proxy: Proxy, service: Service, port: number) => WeightedCluster[];

function findService(push: PushContext, proxy: Proxy, host: string): Service | undefined {
  const services = push.servicesFor(proxy);
  const suffixed = `${host}.svc.${push.mesh.clusterDomain}`; // `reviews.other` → reviews.other.svc.<domain>
  return services.find((s) => s.hostname === host) ?? services.find((s) => s.hostname === suffixed);
}

/** The service's virtual host on `port` (its VirtualService routes, or the default route), answering to any Host. */
function bindingVirtualHost(push: PushContext, proxy: Proxy, b: UpstreamBinding, service: Service | undefined): VirtualHost {
  if (service) {
    const ctx = { push, proxy, gatewayNames: new Set([MESH_GATEWAY]), isTLS: false, grpc: false };
    const vss = push.virtualServicesForMesh(proxy).map((vs) => resolveVirtualService(push, vs));
    const vhosts = buildVirtualHosts(sidecarWrappers(ctx, [service], vss, b.port), { proxy, clusterDomain: push.mesh.clusterDomain });
    const mine = vhosts.find((vh) => vh.name === domainName(service.hostname, b.port));
    if (mine) return create(VirtualHostSchema, { ...clone(VirtualHostSchema, mine), domains: ['*'] });
  }
  const cluster = outboundClusterName(b.port, '', service?.hostname ?? b.host);
  return create(VirtualHostSchema, {
    name: domainName(service?.hostname ?? b.host, b.port),
    domains: ['*'],
    routes: [defaultRoute(cluster)],
  });
}

function bindingListener(push: PushContext, proxy: Proxy, podIP: string, b: UpstreamBinding, tcpRoute: UpstreamTcpRoute): Listener {
  const service = findService(push, proxy, b.host);
  const sp = service?.ports.find((p) => p.port === b.port);
  const cls: ProtocolClass = sp ? protocolClass(sp.protocol) : 'auto';
  const name = `${podIP}_${b.localPort}`;
  const hostname = service?.hostname ?? b.host;
  const chains: FilterChain[] = [];
  if (cls !== 'tcp') {
    const routeName = `upstream|${b.port}||${hostname}`;
    chains.push(
      create(FilterChainSchema, {
        ...(cls === 'auto' ? { filterChainMatch: { applicationProtocols: HTTP_ALPN } } : {}),
        filters: [
          httpConnectionManagerFilter({
            statPrefix: `outbound_${name}`,
            routeConfig: { name: routeName, validateClusters: false, virtualHosts: [bindingVirtualHost(push, proxy, b, service)], maxDirectResponseBodySizeBytes: MAX_DIRECT_RESPONSE_BODY_BYTES },
            mesh: push.mesh,
            edge: false,
          }),
        ],
      }),
    );
  }
  if (cls !== 'http') {
    const clusters = service && sp ? tcpRoute(push, proxy, service, b.port) : [{ name: outboundClusterName(b.port, '', hostname), weight: 1 }];
    chains.push(create(FilterChainSchema, { filters: [tcpProxyFilter(outboundClusterName(b.port, '', hostname), clusters)] }));
  }
  return create(ListenerSchema, {
    name,
    address: socketAddress(podIP, b.localPort),
    trafficDirection: TrafficDirection.OUTBOUND,
    ...(cls === 'auto' ? { listenerFilters: [listenerFilter(HTTP_INSPECTOR)] } : {}),
    filterChains: chains,
  });
}

/**
 * One bound listener per upstream binding of an explicit-mode sidecar, on its pod IP.
 * A binding whose local port the sidecar already uses (its own ports, or a port the
 * workload serves: `taken`) is skipped.
 */
export function sidecarUpstreamListeners(push: PushContext, proxy: Proxy, tcpRoute: UpstreamTcpRoute, taken: ReadonlySet<number>): Listener[] {
  const podIP = proxy.ips[0];
  if (!interceptionNone(proxy) || !podIP) return [];
  return upstreamBindings(proxy, push.mesh.clusterDomain)
    .filter((b) => !PROXY_PORTS.has(b.localPort) && !taken.has(b.localPort))
    .map((b) => bindingListener(push, proxy, podIP, b, tcpRoute));
}
