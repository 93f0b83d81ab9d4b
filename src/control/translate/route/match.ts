// HTTPMatchRequest → Envoy RouteMatch, as Istio translates it: uri exact/prefix/regex →
// path/prefix/safe_regex; headers, withoutHeaders (inverted), method/authority/scheme as
// pseudo-header matchers; queryParams; ignoreUriCase → case_sensitive false; JWT claim
// "headers" (`@request.auth.claims.x`) → dynamic metadata matchers. No match = prefix "/".
import { create } from '@bufbuild/protobuf';
import type { HTTPMatchRequest, StringMatch } from '../../../api/istio/networking.js';
import {
  HeaderMatcherSchema,
  QueryParameterMatcherSchema,
  RouteMatchSchema,
  type HeaderMatcher,
  type QueryParameterMatcher,
  type Route,
  type RouteMatch,
} from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { StringMatcherSchema, type StringMatcher } from '../../../api/gen/envoy/type/matcher/v3/string_pb.js';
import { RegexMatcherSchema } from '../../../api/gen/envoy/type/matcher/v3/regex_pb.js';
import { MetadataMatcherSchema, type MetadataMatcher } from '../../../api/gen/envoy/type/matcher/v3/metadata_pb.js';

export const HEADER_METHOD = ':method';
export const HEADER_AUTHORITY = ':authority';
export const HEADER_SCHEME = ':scheme';

/** Istio's prefix for routing on JWT claims, and the filter/key its authn filter writes them under. */
const JWT_CLAIM_HEADER = '@request.auth.claims';
const AUTHN_FILTER = 'istio_authn';
const CLAIMS_KEY = 'request.auth.claims';

/** StringMatch → Envoy StringMatcher; undefined when the match sets nothing. */
export function stringMatcher(m: StringMatch | undefined, ignoreCase = false): StringMatcher | undefined {
  if (!m) return undefined;
  if (m.exact !== undefined) return create(StringMatcherSchema, { matchPattern: { case: 'exact', value: m.exact }, ignoreCase });
  if (m.prefix !== undefined) return create(StringMatcherSchema, { matchPattern: { case: 'prefix', value: m.prefix }, ignoreCase });
  if (m.regex !== undefined) return create(StringMatcherSchema, { matchPattern: { case: 'safeRegex', value: { regex: m.regex } }, ignoreCase });
  return undefined;
}

/** An empty StringMatch, or regex "*" (not RE2; Istio reads it as "present"), means "header present". */
function isPresentMatch(m: StringMatch | undefined): boolean {
  if (!m || (m.exact === undefined && m.prefix === undefined && m.regex === undefined)) return true;
  return m.exact === undefined && m.prefix === undefined && m.regex === '*';
}

export function headerMatcher(name: string, m: StringMatch | undefined): HeaderMatcher {
  if (isPresentMatch(m)) return create(HeaderMatcherSchema, { name, headerMatchSpecifier: { case: 'presentMatch', value: true } });
  const sm = stringMatcher(m);
  return create(HeaderMatcherSchema, { name, headerMatchSpecifier: sm ? { case: 'stringMatch', value: sm } : { case: undefined } });
}

export function queryParameterMatcher(name: string, m: StringMatch | undefined): QueryParameterMatcher {
  if (isPresentMatch(m)) return create(QueryParameterMatcherSchema, { name, queryParameterMatchSpecifier: { case: 'presentMatch', value: true } });
  const sm = stringMatcher(m);
  return create(QueryParameterMatcherSchema, { name, queryParameterMatchSpecifier: sm ? { case: 'stringMatch', value: sm } : { case: undefined } });
}

/** `@request.auth.claims.group.id` or `@request.auth.claims[group][id]` → ["group","id"]; undefined for ordinary headers. */
export function jwtClaimPath(headerName: string): string[] | undefined {
  if (!headerName.toLowerCase().startsWith(JWT_CLAIM_HEADER)) return undefined;
  const rest = headerName.slice(JWT_CLAIM_HEADER.length);
  if (rest.startsWith('.') && rest.length > 1) return rest.slice(1).split('.');
  if (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2) return rest.slice(1, -1).split('][');
  return undefined;
}

function claimMatcher(claims: string[], m: StringMatch | undefined): MetadataMatcher {
  const sm = stringMatcher(m) ?? create(StringMatcherSchema, { matchPattern: { case: 'safeRegex', value: { regex: '.+' } } });
  return create(MetadataMatcherSchema, {
    filter: AUTHN_FILTER,
    path: [CLAIMS_KEY, ...claims].map((key) => ({ segment: { case: 'key' as const, value: key } })),
    value: { matchPattern: { case: 'listMatch', value: { matchPattern: { case: 'oneOf', value: { matchPattern: { case: 'stringMatch', value: sm } } } } } },
  });
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function sortedEntries<V>(rec: Record<string, V> | undefined): [string, V][] {
  return Object.entries(rec ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Translates one match (undefined = match everything). */
export function translateRouteMatch(match: HTTPMatchRequest | undefined): RouteMatch {
  const out = create(RouteMatchSchema, { pathSpecifier: { case: 'prefix', value: '/' } });
  if (!match) return out;

  for (const [name, m] of sortedEntries(match.headers)) {
    const claims = jwtClaimPath(name);
    if (claims) out.dynamicMetadata.push(claimMatcher(claims, m));
    else out.headers.push(headerMatcher(name, m));
  }
  for (const [name, m] of sortedEntries(match.withoutHeaders)) {
    const claims = jwtClaimPath(name);
    if (claims) {
      const mm = claimMatcher(claims, m);
      mm.invert = true;
      out.dynamicMetadata.push(mm);
      continue;
    }
    const hm = headerMatcher(name, m);
    hm.invertMatch = true;
    // treat_missing_header_as_empty conflicts with present_match.
    if (!isPresentMatch(m)) hm.treatMissingHeaderAsEmpty = true;
    out.headers.push(hm);
  }
  out.headers.sort(byName);

  const uri = match.uri;
  if (uri?.exact !== undefined) out.pathSpecifier = { case: 'path', value: uri.exact };
  else if (uri?.prefix !== undefined) out.pathSpecifier = { case: 'prefix', value: uri.prefix };
  else if (uri?.regex !== undefined) out.pathSpecifier = { case: 'safeRegex', value: create(RegexMatcherSchema, { regex: uri.regex }) };
  out.caseSensitive = !match.ignoreUriCase;

  if (match.method) out.headers.push(headerMatcher(HEADER_METHOD, match.method));
  if (match.authority) out.headers.push(headerMatcher(HEADER_AUTHORITY, match.authority));
  if (match.scheme) out.headers.push(headerMatcher(HEADER_SCHEME, match.scheme));

  for (const [name, m] of sortedEntries(match.queryParams)) out.queryParameters.push(queryParameterMatcher(name, m));
  return out;
}

/** Istio's catch-all test: prefix "/" (or regex ".*") with no header, query or metadata conditions. */
export function isCatchAllMatch(m: RouteMatch | undefined): boolean {
  if (!m) return false;
  const ps = m.pathSpecifier;
  const all =
    (ps.case === 'prefix' && ps.value === '/') ||
    (ps.case === 'pathSeparatedPrefix' && ps.value === '/') ||
    (ps.case === 'safeRegex' && ps.value.regex === '.*');
  return all && m.headers.length === 0 && m.queryParameters.length === 0 && m.dynamicMetadata.length === 0;
}

export function isCatchAllRoute(r: Route): boolean {
  return isCatchAllMatch(r.match);
}
