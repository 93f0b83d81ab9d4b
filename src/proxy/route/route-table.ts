// The compiled route table: built once per RouteConfiguration, then `match()` per request.
// Virtual hosts are chosen as Envoy chooses them (exact domain, then the longest `*.suffix`,
// then the longest `prefix.*`, then `*`); routes match in order on path, headers, query
// parameters and runtime fraction.
import type { RouteConfiguration } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import type { Route as RouteEntry, VirtualHost } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { compileHeaderMatcher, compileQueryMatcher, compileRegex } from './string-matcher.js';

export interface RequestView {
  /** Host / :authority as sent (may include a port). */
  authority: string;
  /** :path including the query string. */
  path: string;
  method: string;
  /** Header lookup by lower-case name; pseudo-headers (:method, :path, :authority, :scheme) included by the caller or derived. */
  header(name: string): string | undefined;
  /** Uniform [0, 1) for runtime fractions. */
  random?: () => number;
}

export interface CompiledRoute {
  route: RouteEntry;
  matches(req: RequestView, pathOnly: string, query: URLSearchParams | undefined, get: (name: string) => string | undefined): boolean;
  /** A header (lower-case name) the route cannot match without: when it is absent the route is skipped unseen. */
  requiredHeader: string | undefined;
  /** The path prefix when the path matcher is a case-sensitive prefix. */
  prefix: string | undefined;
}

/** A trie over the prefixes of a run of prefix routes: `ends` are the indices of routes whose prefix ends here. */
interface PrefixNode {
  next: Map<number, PrefixNode> | undefined;
  ends: number[];
}

/**
 * Consecutive routes (at least MIN_RUN) whose path matchers are all case-sensitive prefixes.
 * Only the routes whose prefix begins the path can match; a walk of the trie finds them
 * in a few steps, and they are tried in their order, the rest of the run never looked at.
 */
interface PrefixRun {
  end: number;
  root: PrefixNode;
}

const MIN_RUN = 4;

export interface CompiledVirtualHost {
  virtualHost: VirtualHost;
  routes: CompiledRoute[];
  /** The run starting at each index, if one does. */
  runs: (PrefixRun | undefined)[];
}

function compileVirtualHost(vh: VirtualHost): CompiledVirtualHost {
  const routes = vh.routes.map(compileRoute);
  const runs: (PrefixRun | undefined)[] = new Array<PrefixRun | undefined>(routes.length).fill(undefined);
  let i = 0;
  while (i < routes.length) {
    let j = i;
    while (j < routes.length && routes[j]!.prefix !== undefined) j++;
    if (j - i >= MIN_RUN) {
      const root: PrefixNode = { next: undefined, ends: [] };
      for (let k = i; k < j; k++) {
        let node = root;
        const p = routes[k]!.prefix!;
        for (let c = 0; c < p.length; c++) {
          const code = p.charCodeAt(c);
          node.next ??= new Map();
          let child = node.next.get(code);
          if (!child) node.next.set(code, (child = { next: undefined, ends: [] }));
          node = child;
        }
        node.ends.push(k);
      }
      runs[i] = { end: j, root };
    }
    i = j === i ? i + 1 : j;
  }
  return { virtualHost: vh, routes, runs };
}

/** Indices (ascending) of the run's routes whose prefix begins `path`. */
function runCandidates(run: PrefixRun, path: string): number[] {
  let node: PrefixNode | undefined = run.root;
  let out: number[] = node.ends;
  let merged = false;
  for (let c = 0; c < path.length; c++) {
    node = node.next?.get(path.charCodeAt(c));
    if (node === undefined) break;
    if (node.ends.length === 0) continue;
    if (out.length === 0) out = node.ends;
    else {
      out = out.concat(node.ends);
      merged = true;
    }
  }
  if (merged) out.sort((a, b) => a - b);
  return out;
}

export interface RouteMatch {
  virtualHost: VirtualHost;
  route: RouteEntry;
}

function compileRoute(r: RouteEntry): CompiledRoute {
  const m = r.match;
  const caseSensitive = m?.caseSensitive ?? true;
  let pathTest: (p: string) => boolean = () => true;
  const spec = m?.pathSpecifier;
  if (spec?.case === 'prefix') {
    const v = caseSensitive ? spec.value : spec.value.toLowerCase();
    pathTest = caseSensitive ? (p) => p.startsWith(v) : (p) => p.toLowerCase().startsWith(v);
  } else if (spec?.case === 'path') {
    const v = caseSensitive ? spec.value : spec.value.toLowerCase();
    pathTest = caseSensitive ? (p) => p === v : (p) => p.toLowerCase() === v;
  } else if (spec?.case === 'safeRegex') {
    const re = compileRegex(spec.value.regex, caseSensitive ? '' : 'i');
    pathTest = (p) => re.test(p);
  } else if (spec?.case === 'pathSeparatedPrefix') {
    const v = caseSensitive ? spec.value : spec.value.toLowerCase();
    pathTest = (p) => {
      const x = caseSensitive ? p : p.toLowerCase();
      return x === v || x.startsWith(v + '/');
    };
  } else if (spec !== undefined && spec.case !== undefined) {
    pathTest = () => false; // connect matchers and path match policies are not routed here
  }
  const headerMatchers = m?.headers ?? [];
  const headers = headerMatchers.map(compileHeaderMatcher);
  // A matcher that fails on a missing header (not inverted, missing not treated as empty) makes that header required.
  let requiredHeader: string | undefined;
  for (let i = 0; i < headerMatchers.length && requiredHeader === undefined; i++) {
    if (!headers[i]!(() => undefined)) requiredHeader = headerMatchers[i]!.name.toLowerCase();
  }
  const prefix = spec?.case === 'prefix' && caseSensitive ? spec.value : undefined;
  const queries = (m?.queryParameters ?? []).map(compileQueryMatcher);
  const rf = m?.runtimeFraction?.defaultValue;
  const fraction = rf ? rf.numerator / [100, 10_000, 1_000_000][rf.denominator]! : 1;
  return {
    route: r,
    requiredHeader,
    prefix,
    matches(req, pathOnly, query, get) {
      if (!pathTest(pathOnly)) return false;
      if (headers.length) for (const h of headers) if (!h(get)) return false;
      if (queries.length) {
        const q = query ?? new URLSearchParams();
        for (const t of queries) if (!t(q)) return false;
      }
      if (fraction < 1 && (req.random ?? Math.random)() >= fraction) return false;
      return true;
    },
  };
}

export class RouteTable {
  private readonly exact = new Map<string, CompiledVirtualHost>();
  private readonly suffixes: { suffix: string; vh: CompiledVirtualHost }[] = [];
  private readonly prefixes: { prefix: string; vh: CompiledVirtualHost }[] = [];
  private readonly wildcard: CompiledVirtualHost | undefined;

  constructor(readonly config: RouteConfiguration) {
    let wildcard: CompiledVirtualHost | undefined;
    for (const vh of config.virtualHosts) {
      const compiled = compileVirtualHost(vh);
      for (const raw of vh.domains) {
        const d = raw.toLowerCase();
        if (d === '*') wildcard ??= compiled;
        else if (d.startsWith('*')) this.suffixes.push({ suffix: d.slice(1), vh: compiled });
        else if (d.endsWith('*')) this.prefixes.push({ prefix: d.slice(0, -1), vh: compiled });
        else if (!this.exact.has(d)) this.exact.set(d, compiled);
      }
    }
    this.suffixes.sort((a, b) => b.suffix.length - a.suffix.length);
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
    this.wildcard = wildcard;
  }

  virtualHost(authority: string): CompiledVirtualHost | undefined {
    const host = authority.toLowerCase();
    const e = this.exact.get(host);
    if (e) return e;
    for (const s of this.suffixes) if (host.endsWith(s.suffix) && host.length > s.suffix.length) return s.vh;
    for (const p of this.prefixes) if (host.startsWith(p.prefix) && host.length > p.prefix.length) return p.vh;
    return this.wildcard;
  }

  match(req: RequestView): RouteMatch | undefined {
    const vh = this.virtualHost(req.authority);
    if (!vh) return undefined;
    const q = req.path.indexOf('?');
    const pathOnly = q < 0 ? req.path : req.path.slice(0, q);
    const query = q < 0 ? undefined : new URLSearchParams(req.path.slice(q + 1));
    // One header lookup function per request, shared by every route's header matchers; it
    // remembers the last header read (routes often test the same one, e.g. end-user).
    let lastName: string | undefined;
    let lastValue: string | undefined;
    const get = (n: string) => {
      if (n !== lastName) {
        lastName = n;
        lastValue = req.header(n);
      }
      return lastValue;
    };
    const routes = vh.routes;
    let i = 0;
    while (i < routes.length) {
      const run = vh.runs[i];
      if (run !== undefined) {
        const candidates = runCandidates(run, pathOnly);
        for (let c = 0; c < candidates.length; c++) {
          const r = routes[candidates[c]!]!;
          if (r.requiredHeader !== undefined && get(r.requiredHeader) === undefined) continue;
          if (r.matches(req, pathOnly, query, get)) return { virtualHost: vh.virtualHost, route: r.route };
        }
        i = run.end;
        continue;
      }
      const r = routes[i]!;
      if ((r.requiredHeader === undefined || get(r.requiredHeader) !== undefined) && r.matches(req, pathOnly, query, get)) return { virtualHost: vh.virtualHost, route: r.route };
      i++;
    }
    return undefined;
  }
}
