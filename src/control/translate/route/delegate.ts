// VirtualService delegation (a root route `delegate: {name, namespace}` hands a path to
// another team's VirtualService), merged as Istio merges it: each delegate route's matches
// are ANDed with the root route's matches (a delegate match must fit inside some root
// match, else it conflicts and that delegate route is dropped); fields the delegate leaves
// unset (rewrite, timeout, retries, fault, mirror, cors, headers) are inherited from the
// root. Only one level: a delegate's own `delegate` routes are ignored.
import type { HTTPMatchRequest, HTTPRoute, StringMatch } from '../../../api/istio/networking.js';
import type { PushContext, VirtualService } from '../../snapshot/push-context.js';
import { visibleTo } from '../../snapshot/build.js';

/** The delegate VirtualService a root route points at, if it exists, is a delegate (no hosts) and is exported to the root's namespace. */
export function delegateFor(push: PushContext, route: HTTPRoute, rootNamespace: string): VirtualService | undefined {
  const d = route.delegate;
  if (!d?.name) return undefined;
  const ns = d.namespace || rootNamespace;
  const vs = push.virtualService(ns, d.name);
  if (!vs || (vs.spec.hosts && vs.spec.hosts.length > 0)) return undefined;
  if (!visibleTo(vs.spec.exportTo, ns, rootNamespace)) return undefined;
  return vs;
}

function joinName(root: string | undefined, leaf: string | undefined): string | undefined {
  if (!leaf) return root;
  return root ? `${root}-${leaf}` : leaf;
}

function mergeMaps<V>(root: Record<string, V> | undefined, leaf: Record<string, V> | undefined): Record<string, V> | undefined {
  if (!root && !leaf) return undefined;
  return { ...(root ?? {}), ...(leaf ?? {}) };
}

function hasAny(m: StringMatch | undefined): boolean {
  return !!m && (m.exact !== undefined || m.prefix !== undefined || m.regex !== undefined);
}

/** Does `leaf` fail to fit inside `root`? (Istio's stringMatchConflict.) */
export function stringMatchConflict(root: StringMatch | undefined, leaf: StringMatch | undefined): boolean {
  if (!hasAny(root) || !hasAny(leaf)) return false;
  const r = root!;
  const l = leaf!;
  if (r.regex) return !!(l.regex || l.prefix || l.exact);
  if (l.regex) return !!(r.regex || r.prefix || r.exact);
  if (r.exact !== undefined) return l.prefix !== undefined || l.exact !== r.exact;
  if (r.prefix !== undefined) {
    if (l.prefix !== undefined) return !l.prefix.startsWith(r.prefix);
    if (l.exact !== undefined) return !l.exact.startsWith(r.prefix);
  }
  return true;
}

export function matchConflict(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  if (stringMatchConflict(root.uri, leaf.uri)) return true;
  if (stringMatchConflict(root.scheme, leaf.scheme)) return true;
  if (stringMatchConflict(root.method, leaf.method)) return true;
  if (stringMatchConflict(root.authority, leaf.authority)) return true;
  for (const [k, v] of Object.entries(leaf.headers ?? {})) if (stringMatchConflict(root.headers?.[k], v)) return true;
  for (const [k, v] of Object.entries(leaf.withoutHeaders ?? {})) if (stringMatchConflict(root.withoutHeaders?.[k], v)) return true;
  for (const [k, v] of Object.entries(leaf.queryParams ?? {})) if (stringMatchConflict(root.queryParams?.[k], v)) return true;
  if (!!root.ignoreUriCase !== !!leaf.ignoreUriCase) return true;
  if (root.port && leaf.port && root.port !== leaf.port) return true;
  if (root.sourceNamespace && leaf.sourceNamespace !== root.sourceNamespace) return true;
  for (const [k, v] of Object.entries(leaf.sourceLabels ?? {})) {
    const rv = root.sourceLabels?.[k];
    if (rv !== undefined && rv !== v) return true;
  }
  const rg = root.gateways ?? [];
  const lg = leaf.gateways ?? [];
  if (rg.length > 0 && lg.length > 0 && (rg.length < lg.length || lg.some((g) => !rg.includes(g)))) return true;
  return false;
}

export function mergeMatch(root: HTTPMatchRequest, leaf: HTTPMatchRequest): HTTPMatchRequest {
  const out: HTTPMatchRequest = { ...leaf };
  const name = joinName(root.name, leaf.name);
  if (name !== undefined) out.name = name;
  if (!out.uri && root.uri) out.uri = root.uri;
  if (!out.scheme && root.scheme) out.scheme = root.scheme;
  if (!out.method && root.method) out.method = root.method;
  if (!out.authority && root.authority) out.authority = root.authority;
  const headers = mergeMaps(root.headers, leaf.headers);
  if (headers) out.headers = headers;
  const without = mergeMaps(root.withoutHeaders, leaf.withoutHeaders);
  if (without) out.withoutHeaders = without;
  const query = mergeMaps(root.queryParams, leaf.queryParams);
  if (query) out.queryParams = query;
  if (!out.port && root.port) out.port = root.port;
  const labels = mergeMaps(root.sourceLabels, leaf.sourceLabels);
  if (labels) out.sourceLabels = labels;
  if (!out.sourceNamespace && root.sourceNamespace) out.sourceNamespace = root.sourceNamespace;
  if ((!out.gateways || out.gateways.length === 0) && root.gateways) out.gateways = root.gateways;
  if (!out.statPrefix && root.statPrefix) out.statPrefix = root.statPrefix;
  return out;
}

/** Merged matches, or undefined when some delegate match fits no root match (conflict). */
export function mergeMatches(root: HTTPMatchRequest[] | undefined, leaf: HTTPMatchRequest[] | undefined): HTTPMatchRequest[] | undefined {
  if (!root || root.length === 0) return leaf ?? [];
  if (!leaf || leaf.length === 0) return root;
  const out: HTTPMatchRequest[] = [];
  for (const l of leaf) {
    let found = false;
    for (const r of root) {
      if (matchConflict(r, l)) continue;
      out.push(mergeMatch(r, l));
      found = true;
    }
    if (!found) return undefined;
  }
  return out.length > 0 ? out : undefined;
}

/** One delegate route merged under its root route; undefined on a match conflict. */
export function mergeRoute(root: HTTPRoute, leaf: HTTPRoute): HTTPRoute | undefined {
  const match = mergeMatches(root.match, leaf.match);
  if (match === undefined) return undefined;
  const out: HTTPRoute = { ...leaf };
  if (match.length > 0) out.match = match;
  else delete out.match;
  const name = joinName(root.name, leaf.name);
  if (name !== undefined) out.name = name;
  out.rewrite ??= root.rewrite;
  out.directResponse ??= root.directResponse;
  out.timeout ??= root.timeout;
  out.retries ??= root.retries;
  out.fault ??= root.fault;
  out.mirror ??= root.mirror;
  out.mirrorPercent ??= root.mirrorPercent;
  out.mirrorPercentage ??= root.mirrorPercentage;
  out.corsPolicy ??= root.corsPolicy;
  out.mirrors ??= root.mirrors;
  out.headers ??= root.headers;
  for (const k of Object.keys(out) as (keyof HTTPRoute)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** A root route expanded into its delegate's routes (already resolved in the delegate's namespace). */
export function expandDelegate(root: HTTPRoute, delegateRoutes: readonly HTTPRoute[]): HTTPRoute[] {
  const base: HTTPRoute = { ...root };
  delete base.delegate;
  const out: HTTPRoute[] = [];
  for (const leaf of delegateRoutes) {
    if (leaf.delegate) continue; // one level of delegation only
    const merged = mergeRoute(base, leaf);
    if (merged) out.push(merged);
  }
  return out;
}
