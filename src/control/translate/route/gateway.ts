// Route configs of a gateway (router) proxy, as Istio's buildGatewayHTTPRouteConfig builds
// them: plain HTTP servers on one port share `http.<port>`; each TLS-terminating HTTPS
// server has its own `https.<port>.<portName>.<gateway>.<ns>`. A virtual host per host in
// both a server's hosts and a bound VirtualService's hosts, with that VirtualService's routes
// (routes honour `match.gateways`); `httpsRedirect` servers require TLS (Envoy answers
// 301 to https). Virtual hosts with identical routes collapse into one. A route config with
// no virtual host gets Istio's `blackhole:<port>` (domains `*`, no routes: 404 NR).
import { create } from '@bufbuild/protobuf';
import {
  RouteConfigurationSchema,
  type RouteConfiguration,
} from '../../../api/gen/envoy/config/route/v3/route_pb.js';
import { VirtualHostSchema, VirtualHost_TlsRequirementType, type Route, type VirtualHost } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import type { Server } from '../../../api/istio/networking.js';
import type { Gateway, PushContext } from '../../snapshot/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import { gatewayRouteName } from '../naming.js';
import type { RouteContext } from './action.js';
import { isCatchAllRoute } from './match.js';
import { domainName, virtualServiceRoutes } from './virtual-hosts.js';
import { resolveVirtualService, type ResolvedVirtualService } from './virtual-service.js';
import { MAX_DIRECT_RESPONSE_BODY_BYTES } from './config.js';

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);
const TERMINATING_MODES = new Set(['SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL']);

export interface GatewayServer {
  gateway: Gateway;
  /** `namespace/name`. */
  gatewayName: string;
  server: Server;
}

/**
 * Gateway Service port → the port the gateway pod listens on (its endpoint's target port).
 * Must agree with listener/gateway.ts (targetPortMap): HTTP route configs are named by it.
 */
function targetPorts(push: PushContext, proxy: Proxy): Map<number, number> {
  const m = new Map<number, number>();
  for (const { endpoint } of push.inboundServices(proxy)) if (!m.has(endpoint.servicePort)) m.set(endpoint.servicePort, endpoint.port);
  return m;
}

/** The route config a server's HTTP traffic uses, or undefined for servers without HTTP routing (TCP, TLS, passthrough). */
export function serverRouteName(server: Server, gateway: Gateway, targets: ReadonlyMap<number, number>): string | undefined {
  const protocol = server.port.protocol.toUpperCase();
  if (HTTP_PROTOCOLS.has(protocol)) return gatewayRouteName(targets.get(server.port.number) ?? server.port.targetPort ?? server.port.number);
  if (protocol !== 'HTTPS' || !server.tls) return undefined;
  if (!TERMINATING_MODES.has(server.tls.mode ?? 'SIMPLE')) return undefined;
  return gatewayRouteName(server.port.number, {
    portName: server.port.name ?? `${protocol.toLowerCase()}-${server.port.number}`,
    gateway: gateway.metadata.name,
    namespace: gateway.metadata.namespace ?? 'default',
  });
}

/** Server hosts visible to a VirtualService namespace (Istio's NamesForNamespace; `./h` is the gateway's namespace). */
export function serverHostsFor(server: Server, vsNamespace: string, gatewayNamespace: string): string[] {
  const out: string[] = [];
  for (const h of server.hosts) {
    const slash = h.indexOf('/');
    if (slash < 0) {
      out.push(h);
      continue;
    }
    let ns = h.slice(0, slash);
    if (ns === '.') ns = gatewayNamespace;
    if (ns !== '*' && ns !== vsNamespace) continue;
    out.push(h.slice(slash + 1));
  }
  return out;
}

/** Istio's host.Name.SubsetOf: is every host `a` covers also covered by `b`? */
export function hostSubsetOf(a: string, b: string): boolean {
  if (b === '*') return true;
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw) return bw && a.slice(1).endsWith(b.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Istio's Names.Intersection: for each pair, the more specific name when one covers the other. */
export function intersectHosts(serverHosts: readonly string[], vsHosts: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of serverHosts) {
    for (const v of vsHosts) {
      const pick = hostSubsetOf(s, v) ? s : hostSubsetOf(v, s) ? v : undefined;
      if (pick !== undefined && !out.includes(pick)) out.push(pick);
    }
  }
  return out;
}

/** A gateway virtual host answers for its host, and `host:port` (except `*`, which already matches everything). */
function gatewayDomains(host: string, port: number): string[] {
  return host === '*' ? ['*'] : [host, domainName(host, port)];
}

interface PendingVirtualHost {
  host: string;
  port: number;
  domains: string[];
  routes: Route[];
  /** Which (gateway, VirtualService) route lists were appended, for collapsing identical virtual hosts. */
  routeKeys: string[];
  requireTls: boolean;
}

/** Istio's SortVHostRoutes: catch-all routes last, others in order. */
function catchAllLast(routes: Route[]): Route[] {
  return [...routes.filter((r) => !isCatchAllRoute(r)), ...routes.filter((r) => isCatchAllRoute(r))];
}

function collapse(pending: Map<string, PendingVirtualHost>): PendingVirtualHost[] {
  const primaries = new Map<string, PendingVirtualHost>();
  const out: PendingVirtualHost[] = [];
  for (const host of [...pending.keys()].sort()) {
    const vh = pending.get(host)!;
    const sig = `${vh.requireTls}|${vh.routeKeys.join(',')}`;
    const primary = primaries.get(sig);
    if (primary) primary.domains.push(...vh.domains);
    else {
      primaries.set(sig, vh);
      out.push(vh);
    }
  }
  return out;
}

function routeConfig(name: string, virtualHosts: VirtualHost[]): RouteConfiguration {
  return create(RouteConfigurationSchema, { name, virtualHosts, validateClusters: false, maxDirectResponseBodySizeBytes: MAX_DIRECT_RESPONSE_BODY_BYTES });
}

/** Every HTTP route config of a gateway proxy (one per route name its servers use). */
export function gatewayRouteConfigs(push: PushContext, proxy: Proxy): RouteConfiguration[] {
  const targets = targetPorts(push, proxy);
  const byRouteName = new Map<string, GatewayServer[]>();
  for (const gateway of push.gatewaysFor(proxy)) {
    const gatewayName = `${gateway.metadata.namespace ?? 'default'}/${gateway.metadata.name}`;
    for (const server of gateway.spec.servers ?? []) {
      const name = serverRouteName(server, gateway, targets);
      if (!name) continue;
      const list = byRouteName.get(name) ?? [];
      list.push({ gateway, gatewayName, server });
      byRouteName.set(name, list);
    }
  }
  const resolved = new Map<string, ResolvedVirtualService[]>();
  const vssFor = (gatewayName: string) => {
    let list = resolved.get(gatewayName);
    if (!list) {
      list = push.virtualServicesForGateway(gatewayName).map((vs) => resolveVirtualService(push, vs));
      resolved.set(gatewayName, list);
    }
    return list;
  };
  const out: RouteConfiguration[] = [];
  for (const [name, servers] of byRouteName) out.push(gatewayRouteConfig(push, proxy, name, servers, vssFor));
  return out;
}

export function gatewayRouteConfig(
  push: PushContext,
  proxy: Proxy,
  name: string,
  servers: readonly GatewayServer[],
  vssFor: (gatewayName: string) => readonly ResolvedVirtualService[],
): RouteConfiguration {
  const pending = new Map<string, PendingVirtualHost>();
  const routeCache = new Map<string, Route[]>();
  for (const { gateway, gatewayName, server } of servers) {
    const port = server.port.number;
    const redirect = server.tls?.httpsRedirect === true;
    const gwNs = gateway.metadata.namespace ?? 'default';
    const ctx: RouteContext = { push, proxy, gatewayNames: new Set([gatewayName]), isTLS: server.tls !== undefined, grpc: false };
    for (const vs of vssFor(gatewayName)) {
      const hosts = intersectHosts(serverHostsFor(server, vs.namespace, gwNs), vs.hosts);
      if (hosts.length === 0) continue;
      const key = `${gatewayName}|${vs.key}|${port}`;
      let routes = routeCache.get(key);
      if (!routes) {
        routes = virtualServiceRoutes(ctx, vs, port);
        routeCache.set(key, routes);
      }
      if (routes.length === 0) continue;
      for (const raw of hosts) {
        const host = raw.toLowerCase();
        const vh = pending.get(host);
        if (vh) {
          vh.routes.push(...routes);
          vh.routeKeys.push(key);
          vh.requireTls ||= redirect;
        } else {
          pending.set(host, { host, port, domains: gatewayDomains(host, port), routes: [...routes], routeKeys: [key], requireTls: redirect });
        }
      }
    }
    if (redirect) {
      for (const raw of server.hosts) {
        const host = (raw.includes('/') ? raw.slice(raw.indexOf('/') + 1) : raw).toLowerCase();
        const vh = pending.get(host);
        if (vh) vh.requireTls = true;
        else pending.set(host, { host, port, domains: gatewayDomains(host, port), routes: [], routeKeys: [], requireTls: true });
      }
    }
  }

  let virtualHosts: VirtualHost[];
  if (pending.size === 0) {
    const port = servers[0]?.server.port.number ?? 0;
    virtualHosts = [create(VirtualHostSchema, { name: domainName('blackhole', port), domains: ['*'], routes: [] })];
  } else {
    virtualHosts = collapse(pending).map((vh) =>
      create(VirtualHostSchema, {
        name: domainName(vh.host, vh.port),
        domains: vh.domains,
        routes: catchAllLast(vh.routes),
        includeRequestAttemptCount: true,
        requireTls: vh.requireTls ? VirtualHost_TlsRequirementType.ALL : VirtualHost_TlsRequirementType.NONE,
      }),
    );
  }
  virtualHosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return routeConfig(name, virtualHosts);
}
