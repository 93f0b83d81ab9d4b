// RDS: the RouteConfigurations of one proxy, built from VirtualServices the way Istio does.
// - sidecar: one config per HTTP service port (`"9080"`) plus `http_proxy` (every port,
//   for apps using the explicit HTTP proxy), each ending with `allow_any`/`block_all`;
// - router (gateway): one per gateway route name (`http.8080`, `https.443.<port>.<gw>.<ns>`);
// - proxyless gRPC: one per service port, named like its api_listener (`host:port`),
//   holding only what gRPC implements.
// Pure and deterministic: same inputs, same bytes; output sorted by name.
import { clone, create } from '@bufbuild/protobuf';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import { RouteSchema } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import type { PushContext } from '../snapshot/push-context.js';
import type { Proxy } from '../model/proxy.js';
import { byName } from './output.js';
import { HTTP_PROXY_ROUTE_CONFIG, outboundRouteName } from './naming.js';
import type { RouteContext } from './route/action.js';
import { MAX_DIRECT_RESPONSE_BODY_BYTES } from './route/config.js';
import { gatewayRouteConfigs } from './route/gateway.js';
import { buildVirtualHosts, catchAllVirtualHost, domainName, isHttpProtocol, sidecarWrappers, type VirtualHostWrapper } from './route/virtual-hosts.js';
import { MESH_GATEWAY, resolveVirtualService, type ResolvedVirtualService } from './route/virtual-service.js';

export { tcpRouteFor, type TcpCluster } from './route/tcp.js';

/** RDS name a proxyless gRPC client's api_listener uses for `host:port` (the listener's own name; see listener/grpc.ts). */
export function grpcRouteName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}

function meshContext(push: PushContext, proxy: Proxy): RouteContext {
  return { push, proxy, gatewayNames: new Set([MESH_GATEWAY]), isTLS: false, grpc: proxy.type === 'grpc' };
}

function meshVirtualServices(push: PushContext, proxy: Proxy): ResolvedVirtualService[] {
  return push.virtualServicesForMesh(proxy).map((vs) => resolveVirtualService(push, vs));
}

function sidecarConfig(name: string, push: PushContext, proxy: Proxy, wrappers: VirtualHostWrapper[], port80Only: boolean): RouteConfiguration {
  const virtualHosts = buildVirtualHosts(wrappers, {
    proxy,
    clusterDomain: push.mesh.clusterDomain,
    // http_proxy: a request's Host names the port unless it is 80, so only port-qualified domains off port 80.
    ...(port80Only ? { domainFilter: (d: string, port: number) => port === 80 || d.includes(':') } : {}),
  });
  virtualHosts.push(catchAllVirtualHost(push, proxy));
  return create(RouteConfigurationSchema, { name, virtualHosts, validateClusters: false, maxDirectResponseBodySizeBytes: MAX_DIRECT_RESPONSE_BODY_BYTES });
}

/** HTTP ports of the services a proxy sees, ascending. */
function httpPorts(push: PushContext, proxy: Proxy): number[] {
  const ports = new Set<number>();
  for (const s of push.servicesFor(proxy)) for (const p of s.ports) if (isHttpProtocol(p.protocol)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

export function sidecarRouteConfigs(push: PushContext, proxy: Proxy): RouteConfiguration[] {
  const ctx = meshContext(push, proxy);
  const services = push.servicesFor(proxy);
  const vss = meshVirtualServices(push, proxy);
  const out: RouteConfiguration[] = [];
  const all: VirtualHostWrapper[] = [];
  for (const port of httpPorts(push, proxy)) {
    const wrappers = sidecarWrappers(ctx, services, vss, port);
    // http_proxy gets its own copies: no message is shared between two configs.
    all.push(...wrappers.map((w) => ({ ...w, routes: w.routes.map((r) => clone(RouteSchema, r)) })));
    out.push(sidecarConfig(outboundRouteName(port), push, proxy, wrappers, false));
  }
  // Port 80 first so its bare domains (`reviews`) are not claimed elsewhere; the per-port
  // filter then drops bare domains of the other ports anyway.
  all.sort((a, b) => (a.port === 80 ? 0 : 1) - (b.port === 80 ? 0 : 1));
  out.push(sidecarConfig(HTTP_PROXY_ROUTE_CONFIG, push, proxy, all, true));
  return out;
}

/**
 * Proxyless gRPC: for every port of every visible service, the config its api_listener
 * `host:port` names, holding that service's virtual host (domains with and without port,
 * as gRPC matches the dialed authority). Istio's grpcgen names it `outbound|port||host`
 * and includes every virtual host of the port; Rigging's LDS names RDS after the listener,
 * and a gRPC channel only ever uses the virtual host of the name it dialed.
 */
export function grpcRouteConfigs(push: PushContext, proxy: Proxy): RouteConfiguration[] {
  const ctx = meshContext(push, proxy);
  const services = push.servicesFor(proxy);
  const vss = meshVirtualServices(push, proxy);
  const byPort = new Map<number, ReturnType<typeof buildVirtualHosts>>();
  const out: RouteConfiguration[] = [];
  for (const s of services) {
    for (const p of s.ports) {
      let vhosts = byPort.get(p.port);
      if (!vhosts) {
        // Every protocol: a gRPC client may dial any port; treat it as HTTP/2 routing.
        const wrappers = sidecarWrappers(ctx, services.map((x) => ({ ...x, ports: x.ports.map((q) => ({ ...q, protocol: isHttpProtocol(q.protocol) ? q.protocol : 'GRPC' as const })) })), vss, p.port);
        vhosts = buildVirtualHosts(wrappers, { proxy, clusterDomain: push.mesh.clusterDomain });
        byPort.set(p.port, vhosts);
      }
      const name = domainName(s.hostname, p.port);
      const mine = vhosts.filter((vh) => vh.name === name);
      out.push(create(RouteConfigurationSchema, { name: grpcRouteName(s.hostname, p.port), virtualHosts: mine }));
    }
  }
  return out;
}

/** Every RouteConfiguration of a proxy, sorted by name. */
export function buildRoutes(push: PushContext, proxy: Proxy): RouteConfiguration[] {
  switch (proxy.type) {
    case 'router':
      return byName(gatewayRouteConfigs(push, proxy));
    case 'grpc':
      return byName(grpcRouteConfigs(push, proxy));
    default:
      return byName(sidecarRouteConfigs(push, proxy));
  }
}
