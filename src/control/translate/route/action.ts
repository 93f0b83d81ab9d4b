// One VirtualService HTTP route (with one of its matches) → one Envoy Route, as Istio's
// translateRoute builds it: the match, then exactly one action — redirect, direct
// response, or forwarding to one cluster / weighted clusters (with timeout, retries,
// rewrite, host rewrite, mirrors, hash policy) — plus header mutations, fault and CORS
// per-filter config, a tracing decorator and the VirtualService's config path in metadata.
import { create } from '@bufbuild/protobuf';
import { packMessage } from '../../../api/envoy/types.js';
import { duration, durationMs } from '../../../api/envoy/build.js';
import type { Destination, HTTPMatchRequest, HTTPRedirect, HTTPRoute, HTTPRouteDestination } from '../../../api/istio/networking.js';
import { matchLabels } from '../../../api/istio/meta.js';
import {
  RedirectActionSchema,
  RedirectAction_RedirectResponseCode,
  RouteActionSchema,
  RouteSchema,
  WeightedCluster_ClusterWeightSchema,
  DirectResponseActionSchema,
  DecoratorSchema,
  RouteAction_MaxStreamDurationSchema,
  WeightedClusterSchema,
  type RouteAction,
  type Route,
  type RouteAction_HashPolicy,
  type WeightedCluster_ClusterWeight,
} from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { RegexMatchAndSubstituteSchema } from '../../../api/gen/envoy/type/matcher/v3/regex_pb.js';
import { DataSourceSchema } from '../../../api/gen/envoy/config/core/v3/base_pb.js';
import { HTTPFaultSchema } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { CorsPolicySchema } from '../../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import type { PushContext } from '../../snapshot/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import { outboundClusterName, parseClusterName } from '../naming.js';
import { translateRouteMatch } from './match.js';
import { translateHeaders } from './headers.js';
import { retryPolicyFor } from './retry.js';
import { FAULT_FILTER_NAME, translateFault } from './fault.js';
import { CORS_FILTER_NAME, translateCors } from './cors.js';
import { translateMirrors } from './mirror.js';
import { parseDuration } from './duration.js';
import { hashPolicyFor } from './hash.js';
import type { ResolvedVirtualService } from './virtual-service.js';

/** What a route is being built for. */
export interface RouteContext {
  push: PushContext;
  proxy: Proxy;
  /** `mesh` for sidecars and gRPC clients; `namespace/name` of the gateway being built. */
  gatewayNames: ReadonlySet<string>;
  /** The route serves a TLS-terminating gateway server (redirects default to https). */
  isTLS: boolean;
  /** Proxyless gRPC: only what gRPC implements (gRFC A28/A31/A33/A44). */
  grpc: boolean;
}

export const UNKNOWN_SERVICE_CLUSTER = 'UnknownService';

/**
 * Istio's GetDestinationCluster: `outbound|port|subset|host`, the port being the
 * destination's, else the service's only port, else the port the route is served on.
 */
export function destinationCluster(push: PushContext, d: Destination, listenPort: number): string {
  if (!d.host) return UNKNOWN_SERVICE_CLUSTER;
  let port = listenPort;
  if (d.port?.number) port = d.port.number;
  else {
    const svc = push.service(d.host);
    if (svc && svc.ports.length === 1) port = svc.ports[0]!.port;
  }
  return outboundClusterName(port, d.subset ?? '', d.host);
}

/** Istio's sourceMatchHTTP: gateways in the match, else source labels and namespace. */
export function sourceMatches(match: HTTPMatchRequest | undefined, ctx: RouteContext): boolean {
  if (!match) return true;
  if (match.gateways && match.gateways.length > 0) return match.gateways.some((g) => ctx.gatewayNames.has(g));
  if (!matchLabels(match.sourceLabels, ctx.proxy.labels)) return false;
  return !match.sourceNamespace || match.sourceNamespace === ctx.proxy.namespace;
}

const REDIRECT_CODES: Record<number, RedirectAction_RedirectResponseCode> = {
  0: RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
  301: RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
  302: RedirectAction_RedirectResponseCode.FOUND,
  303: RedirectAction_RedirectResponseCode.SEE_OTHER,
  307: RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT,
  308: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT,
};

/** Istio's ApplyRedirect; undefined for a redirect code Envoy cannot send (the route is dropped). */
export function redirectAction(r: HTTPRedirect, listenPort: number, isTLS: boolean) {
  const code = REDIRECT_CODES[r.redirectCode ?? 0];
  if (code === undefined) return undefined;
  const out = create(RedirectActionSchema, { hostRedirect: r.authority ?? '', responseCode: code });
  if (r.uri) out.pathRewriteSpecifier = { case: 'pathRedirect', value: r.uri };
  if (r.scheme) out.schemeRewriteSpecifier = { case: 'schemeRedirect', value: r.scheme };
  if (r.port !== undefined || r.derivePort !== undefined) {
    // Envoy cannot derive the port per request; routes are built per port, so use that one.
    if (r.port !== undefined) out.portRedirect = r.port;
    else if (r.derivePort === 'FROM_REQUEST_PORT') out.portRedirect = listenPort;
    const scheme = r.scheme || (isTLS ? 'https' : 'http');
    // No explicit :80 / :443 for their own schemes.
    if ((out.portRedirect === 80 && scheme === 'http') || (out.portRedirect === 443 && scheme === 'https')) out.portRedirect = 0;
  }
  return out;
}

function directResponseAction(r: NonNullable<HTTPRoute['directResponse']>) {
  const out = create(DirectResponseActionSchema, { status: r.status });
  if (r.body?.string !== undefined) out.body = create(DataSourceSchema, { specifier: { case: 'inlineString', value: r.body.string } });
  else if (r.body?.bytes !== undefined) out.body = create(DataSourceSchema, { specifier: { case: 'inlineBytes', value: new Uint8Array(Buffer.from(r.body.bytes, 'base64')) } });
  return out;
}

/** Istio's GetRouteOperation: `host:port/path*` for one cluster, else `vsName:port/path*`. */
function routeOperation(route: Route, vsName: string, listenPort: number): string {
  const ps = route.match?.pathSpecifier;
  let path = '/*';
  if (ps?.case === 'prefix') path = `${ps.value}*`;
  else if (ps?.case === 'path') path = ps.value;
  else if (ps?.case === 'safeRegex') path = ps.value.regex;
  const cluster = route.action.case === 'route' && route.action.value.clusterSpecifier.case === 'cluster' ? route.action.value.clusterSpecifier.value : '';
  const parsed = parseClusterName(cluster);
  if (parsed) return `${parsed.hostname}:${parsed.port}${path}`;
  return `${vsName}:${listenPort}${path}`;
}

function applyTimeout(action: RouteAction, timeout: string | undefined, grpc: boolean): void {
  action.timeout = parseDuration(timeout) ?? duration(0);
  if (grpc) action.maxStreamDuration = create(RouteAction_MaxStreamDurationSchema, { maxStreamDuration: action.timeout });
  else action.maxGrpcTimeout = duration(durationMs(action.timeout) ?? 0);
}

/** The forwarding action; undefined when the route names no destination. */
function forwardAction(ctx: RouteContext, route: Route, http: HTTPRoute, listenPort: number, authorityFromHeaders: string): RouteAction | undefined {
  const dests: HTTPRouteDestination[] = http.route ?? [];
  if (dests.length === 0) return undefined;
  const action = create(RouteActionSchema, {});
  applyTimeout(action, http.timeout, ctx.grpc);

  let authority = authorityFromHeaders;
  if (http.rewrite && !ctx.grpc) {
    const rx = http.rewrite.uriRegexRewrite;
    if (rx?.match !== undefined) action.regexRewrite = create(RegexMatchAndSubstituteSchema, { pattern: { regex: rx.match }, substitution: rx.rewrite ?? '' });
    else if (http.rewrite.uri) action.prefixRewrite = http.rewrite.uri;
    if (http.rewrite.authority) authority = http.rewrite.authority;
  }

  if (!ctx.grpc) action.requestMirrorPolicies = translateMirrors(http, (d) => destinationCluster(ctx.push, d, listenPort));

  const hashes: RouteAction_HashPolicy[] = [];
  const hashOf = (d: Destination, cluster: string) => {
    const parsed = parseClusterName(cluster);
    return parsed ? hashPolicyFor(ctx.push, ctx.proxy, d.host, parsed.port, d.subset ?? '') : [];
  };
  let consistentHash = false;
  if (dests.length === 1) {
    const d = dests[0]!;
    const cluster = destinationCluster(ctx.push, d.destination, listenPort);
    action.clusterSpecifier = { case: 'cluster', value: cluster };
    if (d.headers && !ctx.grpc) {
      const ops = translateHeaders(d.headers);
      route.requestHeadersToAdd.push(...ops.requestHeadersToAdd);
      route.requestHeadersToRemove.push(...ops.requestHeadersToRemove);
      route.responseHeadersToAdd.push(...ops.responseHeadersToAdd);
      route.responseHeadersToRemove.push(...ops.responseHeadersToRemove);
      // A destination's authority applies only when the route itself does not rewrite it.
      if (ops.authority && !authority) authority = ops.authority;
    }
    const h = hashOf(d.destination, cluster);
    consistentHash = h.length > 0;
    hashes.push(...h);
  } else {
    const clusters: WeightedCluster_ClusterWeight[] = [];
    for (const d of dests) {
      if (!d.weight) continue; // 0-weight destinations are dropped when there are others
      const name = destinationCluster(ctx.push, d.destination, listenPort);
      const cw = create(WeightedCluster_ClusterWeightSchema, { name, weight: d.weight });
      if (d.headers && !ctx.grpc) {
        const ops = translateHeaders(d.headers);
        cw.requestHeadersToAdd = ops.requestHeadersToAdd;
        cw.requestHeadersToRemove = ops.requestHeadersToRemove;
        cw.responseHeadersToAdd = ops.responseHeadersToAdd;
        cw.responseHeadersToRemove = ops.responseHeadersToRemove;
        if (ops.authority) cw.hostRewriteSpecifier = { case: 'hostRewriteLiteral', value: ops.authority };
      }
      clusters.push(cw);
      hashes.push(...hashOf(d.destination, name));
    }
    if (clusters.length === 0) return undefined;
    action.clusterSpecifier = { case: 'weightedClusters', value: create(WeightedClusterSchema, { clusters }) };
  }
  if (authority && !ctx.grpc) action.hostRewriteSpecifier = { case: 'hostRewriteLiteral', value: authority };
  action.hashPolicy = hashes;
  const retry = retryPolicyFor(http.retries, ctx.push.mesh, { consistentHash, grpc: ctx.grpc });
  if (retry) action.retryPolicy = retry;
  return action;
}

/**
 * Istio's translateRoute for one (route, match) pair on a listener port; undefined when the
 * match does not apply here (another port, other source labels/namespace/gateway) or the
 * route cannot be expressed (no destination, unsupported redirect code, or — for gRPC — a
 * redirect or direct response, which gRPC clients reject).
 */
export function translateRoute(ctx: RouteContext, vs: ResolvedVirtualService, http: HTTPRoute, match: HTTPMatchRequest | undefined, listenPort: number): Route | undefined {
  if (match?.port && match.port !== listenPort) return undefined;
  if (!sourceMatches(match, ctx)) return undefined;
  if (ctx.grpc && (http.redirect || http.directResponse)) return undefined;

  let name = http.name ?? '';
  if (match?.name) name = `${name}.${match.name}`;
  const route = create(RouteSchema, {
    name,
    match: translateRouteMatch(match),
    metadata: { filterMetadata: { istio: { config: vs.configPath } } },
  });
  if (match?.statPrefix) route.statPrefix = match.statPrefix;

  let authority = '';
  if (http.headers && !ctx.grpc) {
    const ops = translateHeaders(http.headers);
    route.requestHeadersToAdd = ops.requestHeadersToAdd;
    route.requestHeadersToRemove = ops.requestHeadersToRemove;
    route.responseHeadersToAdd = ops.responseHeadersToAdd;
    route.responseHeadersToRemove = ops.responseHeadersToRemove;
    authority = ops.authority;
  }

  if (http.redirect) {
    const redirect = redirectAction(http.redirect, listenPort, ctx.isTLS);
    if (!redirect) return undefined;
    route.action = { case: 'redirect', value: redirect };
  } else if (http.directResponse) {
    route.action = { case: 'directResponse', value: directResponseAction(http.directResponse) };
  } else {
    const action = forwardAction(ctx, route, http, listenPort, authority);
    if (!action) return undefined;
    route.action = { case: 'route', value: action };
  }

  route.decorator = create(DecoratorSchema, { operation: routeOperation(route, vs.name, listenPort) });
  const fault = translateFault(http.fault);
  if (fault) route.typedPerFilterConfig[FAULT_FILTER_NAME] = packMessage(HTTPFaultSchema, fault);
  const cors = ctx.grpc ? undefined : translateCors(http.corsPolicy);
  if (cors) route.typedPerFilterConfig[CORS_FILTER_NAME] = packMessage(CorsPolicySchema, cors);
  return route;
}
