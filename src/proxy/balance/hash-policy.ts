// Request hashing for ring hash and maglev (RouteAction.hash_policy), as Envoy's
// HashPolicyImpl: each policy that yields a value contributes xxHash64(value); results
// combine as hash = rotl(hash, 1) ^ next, and a `terminal` policy that produced a hash ends
// the evaluation. Policies: header (several values are sorted and hashed in a chain;
// regex_rewrite applies first), cookie (when absent and a ttl is set, the caller generates
// one — Envoy hashes the connection's addresses — and it is hashed instead), the
// connection's source IP, a query parameter. filter_state is not supported (no value).
// Compiled once per route's policy list; a request only evaluates.
import type { RouteAction_HashPolicy } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { durationMs } from '../../api/envoy/build.js';
import { logger } from '../../shared/log.js';
import { toBigInt, xxHash64StringInto } from './xxhash64.js';

const log = logger('balance');

export interface CookieAttribute {
  name: string;
  value: string;
}

/** What the hash policies read from a request. */
export interface HashRequest {
  /** Header by lower-case name; several values as an array. */
  header(name: string): string | readonly string[] | undefined;
  /** First value of a query parameter of :path. */
  query(name: string): string | undefined;
  /** The downstream connection's source IP (no port). */
  sourceIp?: string | undefined;
  /**
   * Sets a cookie on the response and returns its value; given, a cookie policy with a ttl
   * generates the cookie when the request has none (Envoy: hex xxHash64 of the connection's
   * remote + local address).
   */
  addCookie?(name: string, path: string, ttlSeconds: number, attributes: readonly CookieAttribute[]): string;
}

export type RequestHasher = (req: HashRequest) => bigint | undefined;

/** A method's hash, [high32, low32]; the combination stays on 32-bit halves until the end. */
const out = new Uint32Array(2);

function hashString(s: string): true {
  xxHash64StringInto(out, s);
  return true;
}

/** Envoy's HashUtil::xxHash64 over a list: each value's hash seeds the next. */
function hashChain(values: readonly string[]): true {
  let hi = 0;
  let lo = 0;
  for (const v of values) {
    xxHash64StringInto(out, v, hi, lo);
    hi = out[0]!;
    lo = out[1]!;
  }
  return true;
}

/** Leaves the hash in `out` and returns true, or returns false when the request has no value. */
type Method = (req: HashRequest) => boolean;

function compileMethod(p: RouteAction_HashPolicy): Method | undefined {
  const spec = p.policySpecifier;
  switch (spec.case) {
    case 'header': {
      const name = spec.value.headerName.toLowerCase();
      const rw = spec.value.regexRewrite;
      const re = rw?.pattern ? new RegExp(rw.pattern.regex, 'g') : undefined;
      // RE2 substitutions write groups as \1; escape `$` for String.replace first.
      const substitution = (rw?.substitution ?? '').replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
      const rewrite = (v: string) => (re ? v.replace(re, substitution) : v);
      return (req) => {
        const v = req.header(name);
        if (v === undefined) return false;
        if (typeof v === 'string') return hashString(rewrite(v));
        if (v.length === 0) return false;
        if (v.length === 1) return hashString(rewrite(v[0]!));
        return hashChain(v.map(rewrite).sort());
      };
    }
    case 'cookie': {
      const { name, path, attributes } = spec.value;
      const ttlMs = durationMs(spec.value.ttl);
      const attrs = attributes.map((a) => ({ name: a.name, value: a.value }));
      return (req) => {
        const value = cookieValue(req.header('cookie'), name);
        if (value !== undefined && value !== '') return hashString(value);
        if (ttlMs === undefined || !req.addCookie) return false;
        return hashString(req.addCookie(name, path, Math.floor(ttlMs / 1000), attrs));
      };
    }
    case 'connectionProperties':
      if (!spec.value.sourceIp) return undefined;
      return (req) => (req.sourceIp ? hashString(req.sourceIp) : false);
    case 'queryParameter': {
      const name = spec.value.name;
      return (req) => {
        const v = req.query(name);
        return v === undefined ? false : hashString(v);
      };
    }
    case 'filterState':
      log.warn('hash_policy filter_state is not supported; it never yields a hash', { key: spec.value.key });
      return undefined;
    default:
      return undefined;
  }
}

/** The request's value of cookie `name` (surrounding double quotes removed), across Cookie headers. */
export function cookieValue(header: string | readonly string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header === 'string') return cookieIn(header, name);
  for (const line of header) {
    const v = cookieIn(line, name);
    if (v !== undefined) return v;
  }
  return undefined;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** Scans `a=1; b=2` without splitting (this runs per request). */
function cookieIn(line: string, name: string): string | undefined {
  let i = 0;
  while (i < line.length) {
    let end = line.indexOf(';', i);
    if (end < 0) end = line.length;
    let s = i;
    while (s < end && isSpace(line.charCodeAt(s))) s++;
    if (line.startsWith(name, s)) {
      let eq = s + name.length;
      while (eq < end && isSpace(line.charCodeAt(eq))) eq++;
      if (line.charCodeAt(eq) === 61 /* = */) {
        let a = eq + 1;
        let b = end;
        while (a < b && isSpace(line.charCodeAt(a))) a++;
        while (b > a && isSpace(line.charCodeAt(b - 1))) b--;
        if (b - a >= 2 && line.charCodeAt(a) === 34 && line.charCodeAt(b - 1) === 34) {
          a++;
          b--;
        }
        return line.slice(a, b);
      }
    }
    i = end + 1;
  }
  return undefined;
}

const compiled = new WeakMap<readonly RouteAction_HashPolicy[], RequestHasher>();

/** Compiles a route's hash_policy list (cached per list object). */
export function compileHashPolicy(policies: readonly RouteAction_HashPolicy[]): RequestHasher {
  const cached = compiled.get(policies);
  if (cached) return cached;
  const methods = policies.map((p) => ({ method: compileMethod(p), terminal: p.terminal }));
  const hasher: RequestHasher = (req) => {
    let any = false;
    let hi = 0;
    let lo = 0;
    for (const { method, terminal } of methods) {
      if (method?.(req)) {
        // hash = rotl(hash, 1) ^ next (rotating keeps two equal policies from cancelling out)
        const rh = any ? ((hi << 1) | (lo >>> 31)) >>> 0 : 0;
        const rl = any ? ((lo << 1) | (hi >>> 31)) >>> 0 : 0;
        hi = (rh ^ out[0]!) >>> 0;
        lo = (rl ^ out[1]!) >>> 0;
        any = true;
      }
      if (terminal && any) break;
    }
    return any ? toBigInt(hi, lo) : undefined;
  };
  compiled.set(policies, hasher);
  return hasher;
}

/** The request hash for ring hash / maglev, undefined when no policy yields one (the picker then picks at random). */
export function computeHash(policies: readonly RouteAction_HashPolicy[], req: HashRequest): bigint | undefined {
  return policies.length === 0 ? undefined : compileHashPolicy(policies)(req);
}
