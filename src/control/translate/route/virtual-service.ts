// A VirtualService made ready for translation, as Istio prepares it before building routes:
// delegate routes merged in, short host names resolved against the namespace that wrote
// them (hosts, destinations, mirrors), gateway references resolved to `namespace/name`.
// Pure: the PushContext's objects are never mutated; every result is a fresh copy.
import type { Destination, HTTPMatchRequest, HTTPRoute, TCPRoute, VirtualServiceSpec } from '../../../api/istio/networking.js';
import type { PushContext, VirtualService } from '../../snapshot/push-context.js';
import { delegateFor, expandDelegate } from './delegate.js';

export const MESH_GATEWAY = 'mesh';

export interface ResolvedVirtualService {
  /** `namespace/name`. */
  key: string;
  name: string;
  namespace: string;
  /** Hosts as fully qualified names (wildcards kept). */
  hosts: string[];
  /** `mesh` or `namespace/name`; empty in the spec means `mesh`. */
  gateways: string[];
  http: HTTPRoute[];
  tcp: TCPRoute[];
  /** Istio's config path, put in route metadata (`filter_metadata.istio.config`). */
  configPath: string;
}

/**
 * A host as written in config → the name translation uses. Istio expands only dot-less short
 * names (`reviews` → `reviews.<ns>.svc.<domain>`); a two-label name (`reviews.default`) is
 * expanded only when that expansion is a known service, so `httpbin.org` stays itself.
 */
export function resolveHostIn(push: PushContext, host: string, namespace: string): string {
  if (host === '*' || host.startsWith('*')) return host.toLowerCase();
  if (!host.includes('.')) return push.resolveHost(host, namespace);
  if (host.split('.').length === 2) {
    const expanded = `${host}.svc.${push.mesh.clusterDomain}`;
    if (push.service(expanded)) return expanded;
  }
  return host;
}

/** `gw` → `ns/gw`; `./gw` → `ns/gw`; legacy `gw.ns.svc.cluster.local` → `ns/gw`; `mesh` unchanged. */
export function resolveGatewayName(name: string, namespace: string): string {
  if (name === MESH_GATEWAY) return name;
  const slash = name.indexOf('/');
  if (slash >= 0) return name.slice(0, slash) === '.' ? `${namespace}/${name.slice(slash + 1)}` : name;
  const dot = name.indexOf('.');
  if (dot < 0) return `${namespace}/${name}`;
  const rest = name.slice(dot + 1);
  const nsEnd = rest.indexOf('.');
  return `${nsEnd < 0 ? rest : rest.slice(0, nsEnd)}/${name.slice(0, dot)}`;
}

function resolveDestination(push: PushContext, d: Destination, ns: string): Destination {
  return { ...d, host: resolveHostIn(push, d.host, ns) };
}

function resolveMatch(m: HTTPMatchRequest, ns: string): HTTPMatchRequest {
  return m.gateways ? { ...m, gateways: m.gateways.map((g) => resolveGatewayName(g, ns)) } : { ...m };
}

function resolveHttpRoute(push: PushContext, r: HTTPRoute, ns: string): HTTPRoute {
  const out: HTTPRoute = { ...r };
  if (r.match) out.match = r.match.map((m) => resolveMatch(m, ns));
  if (r.route) out.route = r.route.map((d) => ({ ...d, destination: resolveDestination(push, d.destination, ns) }));
  if (r.mirror) out.mirror = resolveDestination(push, r.mirror, ns);
  if (r.mirrors) out.mirrors = r.mirrors.map((m) => ({ ...m, destination: resolveDestination(push, m.destination, ns) }));
  return out;
}

function resolveTcpRoute(push: PushContext, r: TCPRoute, ns: string): TCPRoute {
  const out: TCPRoute = { ...r };
  if (r.match) out.match = r.match.map((m) => (m.gateways ? { ...m, gateways: m.gateways.map((g) => resolveGatewayName(g, ns)) } : { ...m }));
  if (r.route) out.route = r.route.map((d) => ({ ...d, destination: resolveDestination(push, d.destination, ns) }));
  return out;
}

/** HTTP routes of a root VirtualService with delegates expanded (a missing or hidden delegate drops only its route). */
function httpRoutes(push: PushContext, spec: VirtualServiceSpec, ns: string): HTTPRoute[] {
  const out: HTTPRoute[] = [];
  for (const r of spec.http ?? []) {
    if (!r.delegate) {
      out.push(resolveHttpRoute(push, r, ns));
      continue;
    }
    const d = delegateFor(push, r, ns);
    if (!d) continue;
    const dns = d.metadata.namespace ?? ns;
    const leaves = (d.spec.http ?? []).map((leaf) => resolveHttpRoute(push, leaf, dns));
    out.push(...expandDelegate(resolveHttpRoute(push, r, ns), leaves));
  }
  return out;
}

export function resolveVirtualService(push: PushContext, vs: VirtualService): ResolvedVirtualService {
  const ns = vs.metadata.namespace ?? 'default';
  const gws = vs.spec.gateways && vs.spec.gateways.length > 0 ? vs.spec.gateways : [MESH_GATEWAY];
  return {
    key: `${ns}/${vs.metadata.name}`,
    name: vs.metadata.name,
    namespace: ns,
    hosts: (vs.spec.hosts ?? []).map((h) => resolveHostIn(push, h, ns)),
    gateways: gws.map((g) => resolveGatewayName(g, ns)),
    http: httpRoutes(push, vs.spec, ns),
    tcp: (vs.spec.tcp ?? []).map((r) => resolveTcpRoute(push, r, ns)),
    configPath: `/apis/networking.istio.io/v1alpha3/namespaces/${ns}/virtual-service/${vs.metadata.name}`,
  };
}
