// The part of request handling both connection managers (HTTP/1.1 and HTTP/2) share:
// per-route filter config, running the request filters, turning the matched route's
// action into a local reply or an upstream request (cluster choice, hashing, rewrites,
// header operations, original destination), response header operations, access log.
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Route, VirtualHost } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import type { RetryPolicy, RouteAction_RequestMirrorPolicy } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { durationMs } from '../../api/envoy/build.js';
import type { HeaderMap } from './headers.js';
import type { HttpRequestView, HttpStreamFilter, LocalReply, ResponseFlag, StreamInfo } from './filter.js';
import { noCluster, noRoute } from './local-reply.js';
import type { UpstreamRequest } from './router.js';
import type { DownstreamProtocol } from '../upstream/upstream-protocol.js';
import { computeHash, type HashRequest } from '../balance/hash-policy.js';
import type { ClusterRuntime } from '../cluster/cluster.js';
import type { CompiledFilter, ProxyState } from './connection-manager.js';
import type { HttpConnManagerStats } from '../stats/index.js';
import { logger } from '../../shared/log.js';
import { originalDstOf } from '../listener/original-dst.js';
import type { Socket } from 'node:net';

const log = logger('hcm');
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/** Route-level typed_per_filter_config, compiled once per route (or virtual host) object. */
const routeFilterConfigs = new WeakMap<object, Map<string, unknown>>();

export function perFilter(route: Route, vh: VirtualHost, filter: CompiledFilter): unknown {
  for (const owner of [route, vh] as const) {
    const any = owner.typedPerFilterConfig[filter.name];
    if (!any || !filter.factory.compileRoute) continue;
    let m = routeFilterConfigs.get(owner);
    if (!m) routeFilterConfigs.set(owner, (m = new Map()));
    if (!m.has(filter.name)) {
      const r = filter.factory.compileRoute(any);
      m.set(filter.name, r.ok ? r.value : undefined);
      if (!r.ok) log.warn('invalid per-route filter config ignored', { filter: filter.name, errors: r.errors.join('; ') });
    }
    const v = m.get(filter.name);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function streamInfo(filters: readonly CompiledFilter[], route: Route, vh: VirtualHost, flags: Set<ResponseFlag>, state: ProxyState): StreamInfo {
  return {
    flags,
    perFilterConfig: <T>(name: string) => {
      const c = filters.find((x) => x.name === name);
      return c ? (perFilter(route, vh, c) as T | undefined) : undefined;
    },
    clock: state.clock,
    random: state.random,
  };
}

export interface FilterRun {
  filters: HttpStreamFilter[];
  reply?: LocalReply;
  gone?: true;
}

/** The run of a chain without HTTP filters (the router alone): nothing to create per request. */
export const NO_FILTERS_RUN: FilterRun = Object.freeze({ filters: Object.freeze([]) as unknown as HttpStreamFilter[] });

/**
 * Runs the request filters in order. Stops at the first local reply, or when `gone()`
 * says the downstream went away while a filter waited. Synchronous unless a filter
 * returns a Promise (a fault delay), so the common path adds no microtask.
 */
export function runRequestFilters(compiled: readonly CompiledFilter[], req: HttpRequestView, info: StreamInfo, gone: () => boolean): FilterRun | Promise<FilterRun> {
  if (compiled.length === 0) return NO_FILTERS_RUN;
  const filters: HttpStreamFilter[] = [];
  const step = (i: number): FilterRun | Promise<FilterRun> => {
    for (; i < compiled.length; i++) {
      const c = compiled[i]!;
      const f = c.factory.create(c.config);
      filters.push(f);
      if (!f.onRequest) continue;
      const reply = f.onRequest(req, info);
      if (reply instanceof Promise) {
        const next = i + 1;
        return reply.then((r) => (gone() ? { filters, gone: true as const } : r ? { filters, reply: r } : step(next)));
      }
      if (reply) return { filters, reply };
    }
    return { filters };
  };
  return step(0);
}

/** Host, x-request-id and x-forwarded-* on a request about to be routed (Envoy's connection manager does the same). */
export function prepareForwarding(headers: HeaderMap, o: { authority: string; peer: string; scheme: string; edge: boolean; generateRequestId: boolean }): void {
  headers.set('host', o.authority);
  if (o.generateRequestId && !headers.has('x-request-id')) headers.add('x-request-id', randomUUID());
  if (o.edge) {
    const xff = headers.get('x-forwarded-for', true);
    headers.set('x-forwarded-for', xff ? `${xff}, ${o.peer}` : o.peer);
    headers.set('x-forwarded-proto', o.scheme);
  } else if (!headers.has('x-forwarded-proto')) headers.add('x-forwarded-proto', o.scheme);
}

/** What hash policies read (only built for routes that have a hash_policy). */
export function hashRequest(headers: HeaderMap, authority: string, path: string, method: string, peer: string): HashRequest {
  return {
    header: (n) => {
      if (n === ':authority') return authority;
      if (n === ':path') return path;
      if (n === ':method') return method;
      const all = headers.getAll(n);
      return all.length === 0 ? undefined : all.length === 1 ? all[0] : all;
    },
    query: (n) => {
      const q = path.indexOf('?');
      return q < 0 ? undefined : (new URLSearchParams(path.slice(q + 1)).get(n) ?? undefined);
    },
    sourceIp: peer,
  };
}

export type RouteDecision =
  | { kind: 'local'; reply: LocalReply; clusterName?: string }
  | {
      kind: 'upstream';
      cluster: ClusterRuntime;
      clusterName: string;
      upstream: UpstreamRequest;
      timeoutMs: number;
      retryPolicy: RetryPolicy | undefined;
      hash: bigint | undefined;
      mirrors: RouteAction_RequestMirrorPolicy[];
      /** timeoutMs came from the request's grpc-timeout. */
      grpcDeadline: boolean;
    };

/**
 * The matched route's action for a request whose filters ran: a direct response, a
 * redirect, or an upstream request with its cluster. `headers` are the request headers
 * to forward (without framing fields) and are changed in place by the route's header
 * operations. Counts the connection manager stats the outcome calls for.
 */
export function decideRoute(
  route: Route,
  virtualHost: VirtualHost,
  req: {
    method: string;
    path: string;
    authority: string;
    peer: string;
    body: Buffer[];
    bodyLength: number;
    downstream: DownstreamProtocol;
    grpc: boolean;
    /** The downstream connection: its original destination (if redirected) is an ORIGINAL_DST cluster's host. */
    connection?: Socket;
  },
  headers: HeaderMap,
  state: ProxyState,
  stats: HttpConnManagerStats,
): RouteDecision {
  const { method, path, authority } = req;
  const action = route.action;
  if (action.case === 'directResponse') {
    const body = action.value.body?.specifier;
    const text = body?.case === 'inlineString' ? body.value : body?.case === 'inlineBytes' ? Buffer.from(body.value).toString() : '';
    stats.rq_direct_response.inc();
    return { kind: 'local', reply: { status: action.value.status, body: text, verbatim: true } };
  }
  if (action.case === 'redirect') {
    const r = action.value;
    const scheme = r.schemeRewriteSpecifier.case === 'schemeRedirect' ? r.schemeRewriteSpecifier.value : r.schemeRewriteSpecifier.case === 'httpsRedirect' && r.schemeRewriteSpecifier.value ? 'https' : 'http';
    let host = r.hostRedirect || authority;
    if (r.portRedirect) host = `${host.split(':')[0]}:${r.portRedirect}`;
    else if (scheme === 'https' && r.schemeRewriteSpecifier.case) host = host.split(':')[0]!;
    const target =
      r.pathRewriteSpecifier.case === 'pathRedirect'
        ? r.pathRewriteSpecifier.value
        : r.pathRewriteSpecifier.case === 'prefixRewrite' && route.match?.pathSpecifier.case === 'prefix'
          ? r.pathRewriteSpecifier.value + path.slice(route.match.pathSpecifier.value.length)
          : path;
    const code = [301, 301, 302, 303, 307, 308][r.responseCode] ?? 301;
    stats.rq_redirect.inc();
    return { kind: 'local', reply: { status: code, headers: [['location', `${scheme}://${host}${target}`]] } };
  }
  if (action.case !== 'route') {
    stats.no_route.inc();
    return { kind: 'local', reply: noRoute(authority, path) };
  }
  const ra = action.value;
  let clusterName = '';
  const spec = ra.clusterSpecifier;
  if (spec.case === 'cluster') clusterName = spec.value;
  else if (spec.case === 'clusterHeader') clusterName = headers.get(spec.value) ?? '';
  else if (spec.case === 'weightedClusters') {
    const total = spec.value.clusters.reduce((a, c) => a + (c.weight ?? 0), 0);
    let x = state.random.next() * total;
    for (const c of spec.value.clusters) {
      x -= c.weight ?? 0;
      if (x < 0) {
        clusterName = c.name;
        for (const hv of c.requestHeadersToAdd) if (hv.header) headers.set(hv.header.key, hv.header.value);
        break;
      }
    }
  }
  const cluster = state.cluster(clusterName);
  if (!cluster) {
    stats.no_cluster.inc();
    return { kind: 'local', reply: noCluster(clusterName), clusterName };
  }

  // hash_policy (ring hash / maglev): computed on the request as the filters left it.
  const hash = ra.hashPolicy.length > 0 ? computeHash(ra.hashPolicy, hashRequest(headers, authority, path, method, req.peer)) : undefined;

  // Rewrites and header operations (virtual host, then route: the route wins).
  let upstreamPath = path;
  if (ra.prefixRewrite && route.match?.pathSpecifier.case === 'prefix') upstreamPath = ra.prefixRewrite + path.slice(route.match.pathSpecifier.value.length);
  else if (ra.regexRewrite?.pattern) {
    const q = path.indexOf('?');
    const p = q < 0 ? path : path.slice(0, q);
    upstreamPath = p.replace(new RegExp(ra.regexRewrite.pattern.regex, 'g'), ra.regexRewrite.substitution.replace(/\\(\d)/g, '$$$1')) + (q < 0 ? '' : path.slice(q));
  }
  if (ra.hostRewriteSpecifier.case === 'hostRewriteLiteral') headers.set('host', ra.hostRewriteSpecifier.value);
  requestHeaderOps(headers, virtualHost);
  requestHeaderOps(headers, route);

  // ORIGINAL_DST: the connection's original destination when it was redirected to a
  // use_original_dst listener; otherwise (the app uses the proxy explicitly) the Host.
  let originalDst: UpstreamRequest['originalDst'] = cluster.originalDst && req.connection ? originalDstOf(req.connection) : undefined;
  if (cluster.originalDst && !originalDst) {
    const h = headers.get('host') ?? authority;
    const colon = h.lastIndexOf(':');
    originalDst = colon > 0 && !h.endsWith(']') ? { address: h.slice(0, colon), port: Number(h.slice(colon + 1)) || 80 } : { address: h, port: 80 };
  }
  const upstream: UpstreamRequest = { method, path: upstreamPath, headers: headers.toFlat(), checked: headers.invalid === undefined, body: req.body, bodyLength: req.bodyLength, downstream: req.downstream };
  if (originalDst) upstream.originalDst = originalDst;
  let timeoutMs = ra.timeout ? (durationMs(ra.timeout) ?? DEFAULT_ROUTE_TIMEOUT_MS) : DEFAULT_ROUTE_TIMEOUT_MS;
  // grpc-timeout is the deadline when the route says so (max_stream_duration.grpc_timeout_header_max,
  // or the older max_grpc_timeout), capped by that value unless it is 0.
  let grpcDeadline = false;
  const cap = ra.maxStreamDuration?.grpcTimeoutHeaderMax ?? ra.maxGrpcTimeout;
  if (req.grpc && cap) {
    const t = parseGrpcTimeout(headers.get('grpc-timeout'));
    if (t !== undefined) {
      const c = durationMs(cap) ?? 0;
      timeoutMs = c > 0 ? Math.min(t, c) : t;
      grpcDeadline = true;
    }
  }
  return { kind: 'upstream', cluster, clusterName, upstream, timeoutMs, retryPolicy: ra.retryPolicy ?? virtualHost.retryPolicy, hash, mirrors: ra.requestMirrorPolicies, grpcDeadline };
}

/** A virtual host's or route's request_headers_to_remove, then request_headers_to_add. */
function requestHeaderOps(headers: HeaderMap, owner: Route | VirtualHost): void {
  const remove = owner.requestHeadersToRemove;
  for (let i = 0; i < remove.length; i++) headers.remove(remove[i]!);
  const add = owner.requestHeadersToAdd;
  for (let i = 0; i < add.length; i++) {
    const hv = add[i]!;
    if (!hv.header) continue;
    if (hv.appendAction === 0 && hv.append !== false) headers.add(hv.header.key, hv.header.value);
    else headers.set(hv.header.key, hv.header.value);
  }
}

const GRPC_TIMEOUT_UNITS_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** A grpc-timeout value (1–8 digits and a unit, gRPC over HTTP/2 spec) in ms; undefined when absent or invalid. */
export function parseGrpcTimeout(v: string | undefined): number | undefined {
  if (!v || v.length < 2 || v.length > 9) return undefined;
  const unit = GRPC_TIMEOUT_UNITS_MS[v[v.length - 1]!];
  const digits = v.slice(0, -1);
  if (unit === undefined || !/^\d+$/.test(digits)) return undefined;
  // At least 1 ms: a 0 timeout would mean "none" to the router.
  return Math.max(1, Math.ceil(Number(digits) * unit));
}

/** The virtual host's, then the route's response header operations. */
export function applyResponseHeaderOps(h: HeaderMap, virtualHost: VirtualHost, route: Route): void {
  responseHeaderOps(h, virtualHost);
  responseHeaderOps(h, route);
}

function responseHeaderOps(h: HeaderMap, owner: Route | VirtualHost): void {
  const remove = owner.responseHeadersToRemove;
  for (let i = 0; i < remove.length; i++) h.remove(remove[i]!);
  const add = owner.responseHeadersToAdd;
  for (let i = 0; i < add.length; i++) {
    const hv = add[i]!;
    if (hv.header) h.set(hv.header.key, hv.header.value);
  }
}

/** One access log line in the connection managers' format. */
export function writeAccessLog(
  path: string | undefined,
  e: { started: number; method: string; target: string; protocol: string; status: number; flags: Set<ResponseFlag>; bytes: number; cluster: string; peer: string },
): void {
  if (!path) return;
  const flags = e.flags.size ? [...e.flags].join(',') : '-';
  const line = `[${new Date(e.started).toISOString()}] "${e.method} ${e.target} ${e.protocol}" ${e.status} ${flags} ${e.bytes} ${Date.now() - e.started} "${e.cluster}" "${e.peer}"\n`;
  try {
    if (path === '/dev/stdout') process.stdout.write(line);
    else appendFileSync(path, line);
  } catch (err) {
    log.warn('access log write failed', { path, err });
  }
}
