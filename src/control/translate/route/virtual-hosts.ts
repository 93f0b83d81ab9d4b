// Virtual hosts of a sidecar's outbound route configs, as Istio builds them: per listener
// port, one virtual host per service (its VirtualService's routes, or a default route to
// `outbound|port||host`), named `host:port`, answering to every name a client in the
// proxy's namespace may use (FQDN, short names, VIPs, each with and without `:port`).
// Domains are unique within a route config (Envoy rejects duplicates): later virtual hosts
// lose a domain an earlier one already claimed. Passthrough traffic goes to the catch-all
// `allow_any` (ALLOW_ANY) or is refused by `block_all` (REGISTRY_ONLY, 502).
import { create } from '@bufbuild/protobuf';
import { duration } from '../../../api/envoy/build.js';
import {
  RouteSchema,
  VirtualHostSchema,
  type Route,
  type VirtualHost,
} from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import type { Destination } from '../../../api/istio/networking.js';
import type { Protocol, Service } from '../../registry/model.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../snapshot/push-context.js';
import { hostMatches } from '../../snapshot/hosts.js';
import { PASSTHROUGH_CLUSTER, outboundClusterName } from '../naming.js';
import { destinationCluster, translateRoute, type RouteContext } from './action.js';
import { isCatchAllRoute } from './match.js';
import { retryPolicyFor } from './retry.js';
import { hashPolicyFor } from './hash.js';
import { resolveHostIn, type ResolvedVirtualService } from './virtual-service.js';

export const ALLOW_ANY_VHOST = 'allow_any';
export const BLOCK_ALL_VHOST = 'block_all';
/** The body of block_all's 502: why the call was refused, and the fix. */
export const BLOCKED_BODY = 'blocked by the mesh: outboundTrafficPolicy is REGISTRY_ONLY and this host is not in the service registry; add a ServiceEntry for it to allow the call';
export const DEFAULT_ROUTE_NAME = 'default';

/** Ports that get HTTP routes: HTTP, HTTP2, GRPC, GRPC-WEB, and UNKNOWN (sniffed; routed as HTTP). */
export function isHttpProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB' || p === 'UNKNOWN';
}

export function hasHttpPort(s: Service, port: number): boolean {
  return s.ports.some((p) => p.port === port && isHttpProtocol(p.protocol));
}

/** IPv6 literals in brackets, as a Host header carries them. */
function ipv6Compliant(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `host:port` (`[v6]:port`): Istio's virtual host name and port-qualified domain. */
export function domainName(host: string, port: number): string {
  return `${ipv6Compliant(host)}:${port}`;
}

/**
 * Istio's alternate names for a Kubernetes-style service `name.ns.svc.<domain>` seen from a
 * proxy in `proxyNs`: same namespace → `name`, `name.ns.svc`, `name.ns`; another namespace →
 * `name.ns`, `name.ns.svc`; each also with `:port`. Other hosts (ServiceEntries) have none.
 */
export function altHostnames(hostname: string, port: number, proxyNs: string, clusterDomain: string): string[] {
  const svcSuffix = `.svc.${clusterDomain}`;
  if (!hostname.endsWith(svcSuffix)) return [];
  const ih = hostname.indexOf('.svc.');
  const dot = hostname.indexOf('.');
  if (dot < 0 || dot + 1 >= ih) return [];
  const name = hostname.slice(0, dot);
  const nameNs = hostname.slice(0, ih);
  const ns = hostname.slice(dot + 1, ih);
  if (ns === proxyNs) return [name, domainName(name, port), `${nameNs}.svc`, domainName(`${nameNs}.svc`, port), nameNs, domainName(nameNs, port)];
  return [nameNs, domainName(nameNs, port), `${nameNs}.svc`, domainName(`${nameNs}.svc`, port)];
}

/** Istio's generateVirtualHostDomains: FQDN, FQDN:port, alternate names, headless wildcards, VIPs. */
export function serviceDomains(svc: Service, port: number, proxy: Proxy, clusterDomain: string): { domains: string[]; altHosts: string[] } {
  const altHosts = altHostnames(svc.hostname, port, proxy.namespace, clusterDomain);
  const domains = [ipv6Compliant(svc.hostname), domainName(svc.hostname, port), ...altHosts];
  // Headless Kubernetes services: also answer for pod names under the service (`*.svc-name…`).
  if (svc.resolution === 'PASSTHROUGH' && svc.origin.kind === 'Service') domains.push(...domains.map((d) => `*.${d}`));
  for (const vip of svc.addresses) if (vip && vip !== '0.0.0.0') domains.push(ipv6Compliant(vip), domainName(vip, port));
  return { domains, altHosts };
}

/**
 * Istio's BuildHTTPRoutesForVirtualService on one port: every (route, match) that applies,
 * in order, stopping after the first catch-all.
 */
export function virtualServiceRoutes(ctx: RouteContext, vs: ResolvedVirtualService, port: number): Route[] {
  const out: Route[] = [];
  for (const http of vs.http) {
    let catchAll = false;
    if (!http.match || http.match.length === 0) {
      const r = translateRoute(ctx, vs, http, undefined, port);
      if (r) out.push(r);
      catchAll = true;
    } else {
      for (const m of http.match) {
        const r = translateRoute(ctx, vs, http, m, port);
        if (!r) continue;
        out.push(r);
        if (isCatchAllRoute(r)) {
          catchAll = true;
          break;
        }
      }
    }
    if (catchAll) break;
  }
  return out;
}

/** The route of a service without a VirtualService: everything to `outbound|port||host`. */
export function defaultRoute(ctx: RouteContext, svc: Service, port: number): Route {
  const timeout = duration(0);
  const cluster = outboundClusterName(port, '', svc.hostname);
  const route = create(RouteSchema, {
    name: DEFAULT_ROUTE_NAME,
    match: { pathSpecifier: { case: 'prefix', value: '/' } },
    decorator: { operation: `${svc.hostname}:${port}/*` },
    action: {
      case: 'route',
      value: {
        clusterSpecifier: { case: 'cluster', value: cluster },
        timeout,
        ...(ctx.grpc ? { maxStreamDuration: { maxStreamDuration: duration(0) } } : { maxGrpcTimeout: duration(0) }),
        hashPolicy: hashPolicyFor(ctx.push, ctx.proxy, svc.hostname, port, ''),
      },
    },
  });
  const retry = retryPolicyFor(undefined, ctx.push.mesh, { consistentHash: false, grpc: ctx.grpc });
  if (retry && route.action.case === 'route') route.action.value.retryPolicy = retry;
  return route;
}

/** Services (and non-registry VirtualService hosts) sharing one list of routes on one port. */
export interface VirtualHostWrapper {
  port: number;
  services: Service[];
  /** VirtualService hosts that name no service (e.g. `bookinfo.com`): they get `host`, `host:port`. */
  vsHosts: string[];
  routes: Route[];
}

function specificity(pattern: string): number {
  return pattern.startsWith('*') ? pattern.length : Number.MAX_SAFE_INTEGER;
}

/**
 * Which VirtualService (index into `vss`) owns each service: the first one naming it
 * exactly, else the one with the most specific wildcard host matching it (first on a tie).
 */
export function assignVirtualServices(vss: readonly ResolvedVirtualService[], services: readonly Service[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of services) {
    let best = -1;
    let bestSpec = -1;
    vss.forEach((vs, i) => {
      for (const h of vs.hosts) {
        if (!hostMatches(h, s.hostname)) continue;
        const spec = specificity(h);
        if (spec > bestSpec) {
          best = i;
          bestSpec = spec;
        }
      }
    });
    if (best >= 0) out.set(s.hostname, best);
  }
  return out;
}

/** VirtualService hosts that match no service the proxy can see. */
export function nonRegistryHosts(vs: ResolvedVirtualService, services: readonly Service[]): string[] {
  return vs.hosts.filter((h) => !services.some((s) => hostMatches(h, s.hostname)));
}

/**
 * The wrappers of one sidecar port: VirtualService-owned services first (VirtualService
 * order), then every other HTTP service on the port with its default route. A VirtualService
 * with no route applying on this port leaves its services to the default route. Hosts that
 * name no service get virtual hosts on port 80 only, or beside services of the same
 * VirtualService on this port (as Istio does).
 */
export function sidecarWrappers(ctx: RouteContext, services: readonly Service[], vss: readonly ResolvedVirtualService[], port: number): VirtualHostWrapper[] {
  const onPort = services.filter((s) => hasHttpPort(s, port));
  const owner = assignVirtualServices(vss, onPort);
  const handled = new Set<string>();
  const out: VirtualHostWrapper[] = [];
  vss.forEach((vs, i) => {
    const owned = onPort.filter((s) => owner.get(s.hostname) === i);
    const extra = nonRegistryHosts(vs, services);
    if (owned.length === 0 && !(port === 80 && extra.length > 0)) return;
    const routes = virtualServiceRoutes(ctx, vs, port);
    if (routes.length === 0) return;
    for (const s of owned) handled.add(s.hostname);
    out.push({ port, services: owned, vsHosts: extra, routes });
  });
  for (const s of onPort) {
    if (handled.has(s.hostname)) continue;
    out.push({ port, services: [s], vsHosts: [], routes: [defaultRoute(ctx, s, port)] });
  }
  return out;
}

export interface VirtualHostOptions {
  proxy: Proxy;
  clusterDomain: string;
  /** Keeps only some domains of a virtual host (the http_proxy config keeps port-qualified ones off port 80). */
  domainFilter?: (domain: string, port: number) => boolean;
}

/**
 * Virtual hosts from wrappers, in wrapper order for deduplication (a name or domain already
 * used is dropped, as are alternate short names that are some other service's FQDN), then
 * sorted by name.
 */
export function buildVirtualHosts(wrappers: readonly VirtualHostWrapper[], opts: VirtualHostOptions): VirtualHost[] {
  const names = new Set<string>();
  const seen = new Set<string>();
  const knownFqdn = new Set<string>();
  for (const w of wrappers) for (const s of w.services) knownFqdn.add(s.hostname).add(domainName(s.hostname, w.port));
  const out: VirtualHost[] = [];
  const build = (w: VirtualHostWrapper, host: string, svc: Service | undefined) => {
    const name = domainName(host, w.port);
    if (names.has(name)) return;
    names.add(name);
    let domains: string[];
    let alt: string[] = [];
    if (svc) ({ domains, altHosts: alt } = serviceDomains(svc, w.port, opts.proxy, opts.clusterDomain));
    else domains = [ipv6Compliant(host), name];
    if (opts.domainFilter) domains = domains.filter((d) => opts.domainFilter!(d, w.port));
    const kept: string[] = [];
    for (const d of domains) {
      const key = d.toLowerCase();
      if (seen.has(key)) continue;
      if (alt.includes(d) && knownFqdn.has(d)) continue;
      seen.add(key);
      kept.push(d);
    }
    if (kept.length === 0) return;
    out.push(create(VirtualHostSchema, { name, domains: kept, routes: [...w.routes], includeRequestAttemptCount: true }));
  };
  for (const w of wrappers) {
    if (w.routes.length === 0) continue;
    for (const h of w.vsHosts) build(w, h, undefined);
    for (const s of w.services) build(w, s.hostname, s);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The proxy's outbound traffic policy: its Sidecar's, else the mesh's. */
export function outboundTrafficPolicy(push: PushContext, proxy: Proxy): { mode: 'ALLOW_ANY' | 'REGISTRY_ONLY'; egressProxy?: Destination; namespace: string } {
  const sidecar = proxy.type === 'sidecar' ? push.sidecarFor(proxy) : undefined;
  const p = sidecar?.spec.outboundTrafficPolicy;
  return {
    mode: p?.mode ?? push.mesh.outboundTrafficPolicy.mode,
    ...(p?.egressProxy ? { egressProxy: p.egressProxy } : {}),
    namespace: sidecar?.metadata.namespace ?? proxy.namespace,
  };
}

/** Istio's buildCatchAllVirtualHost: `allow_any` → PassthroughCluster (or the egress proxy), `block_all` → 502. */
export function catchAllVirtualHost(push: PushContext, proxy: Proxy): VirtualHost {
  const policy = outboundTrafficPolicy(push, proxy);
  if (policy.mode === 'ALLOW_ANY') {
    const cluster = policy.egressProxy
      ? destinationCluster(push, { ...policy.egressProxy, host: resolveHostIn(push, policy.egressProxy.host, policy.namespace) }, 0)
      : PASSTHROUGH_CLUSTER;
    return create(VirtualHostSchema, {
      name: ALLOW_ANY_VHOST,
      domains: ['*'],
      includeRequestAttemptCount: true,
      routes: [
        {
          name: ALLOW_ANY_VHOST,
          match: { pathSpecifier: { case: 'prefix', value: '/' } },
          action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster }, timeout: duration(0), maxGrpcTimeout: duration(0) } },
        },
      ],
    });
  }
  return create(VirtualHostSchema, {
    name: BLOCK_ALL_VHOST,
    domains: ['*'],
    includeRequestAttemptCount: true,
    // Istio answers a bare 502; the body says why, and what to do about it.
    routes: [{ name: BLOCK_ALL_VHOST, match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'directResponse', value: { status: 502, body: { specifier: { case: 'inlineString', value: BLOCKED_BODY } } } } }],
  });
}
