// RequestAuthentication: which JWTs a workload accepts — issuer, keys (jwksUri or inline
// jwks), audiences, where to find the token, and what to copy to headers.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { JWTRule, RequestAuthenticationSpec } from '../security.js';
import { checkDuration, checkPolicyTargets, each } from './common.js';
import { bool, duration, list, object, parseSpec, string, stringList } from './shape.js';
import { MatchLabelsSelector, PolicyTargetReference } from './shapes.js';

const JWTRuleShape = object({
  issuer: string,
  audiences: stringList,
  jwksUri: string,
  jwks_uri: string,
  jwks: string,
  fromHeaders: list(object({ name: string, prefix: string }, { required: ['name'] })),
  fromParams: stringList,
  fromCookies: stringList,
  outputPayloadToHeader: string,
  forwardOriginalToken: bool,
  outputClaimToHeaders: list(object({ header: string, claim: string }, { required: ['header', 'claim'] })),
  spaceDelimitedClaims: stringList,
  timeout: duration,
});

const RequestAuthenticationShape = object({
  selector: MatchLabelsSelector,
  targetRef: PolicyTargetReference,
  targetRefs: list(PolicyTargetReference),
  jwtRules: list(JWTRuleShape),
});

/** A JWK set ({"keys": [...]}) or a single JWK ({"kty": ...}). */
function checkJwks(jwks: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(jwks);
  } catch (err) {
    return `jwks parse error: ${(err as Error).message}`;
  }
  const isKey = (k: unknown) => k !== null && typeof k === 'object' && typeof (k as { kty?: unknown }).kty === 'string';
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'jwks parse error: expected a JSON object';
  const keys = (doc as { keys?: unknown }).keys;
  if (keys === undefined) return isKey(doc) ? undefined : 'jwks parse error: expected a JWK set ({"keys": [...]}) or a JWK with "kty"';
  if (!Array.isArray(keys) || !keys.every(isKey)) return 'jwks parse error: "keys" must be a list of JWKs, each with "kty"';
  return undefined;
}

function checkJwksUri(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `"${uri}" is not a valid URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `URI scheme "${u.protocol.slice(0, -1)}" is not supported (use http or https)`;
  return undefined;
}

function checkJwtRule(e: ErrorCollector, rule: JWTRule & { jwks_uri?: string }): void {
  if (!rule.issuer) e.add('issuer', 'issuer must be set');
  each(rule.audiences, e, 'audiences', (a, _ae, i) => {
    if (!a) e.add(`audiences[${i}]`, 'audience must be a non-empty string');
  });
  for (const f of ['jwksUri', 'jwks_uri'] as const) {
    const uri = rule[f];
    const err = uri ? checkJwksUri(uri) : undefined;
    if (err) e.add(f, err);
  }
  if (rule.jwks) {
    const err = checkJwks(rule.jwks);
    if (err) e.add('jwks', err);
  }
  each(rule.fromHeaders, e, 'fromHeaders', (h, he) => {
    if (!h.name) he.add('name', 'location header name must be a non-empty string');
  });
  each(rule.fromParams, e, 'fromParams', (p, _pe, i) => {
    if (!p) e.add(`fromParams[${i}]`, 'location query must be a non-empty string');
  });
  each(rule.fromCookies, e, 'fromCookies', (c, _ce, i) => {
    if (!c) e.add(`fromCookies[${i}]`, 'cookie name must be a non-empty string');
  });
  each(rule.outputClaimToHeaders, e, 'outputClaimToHeaders', (o, oe) => {
    if (!o.claim || !o.header) oe.add('', 'outputClaimToHeaders header and claim value must be non-empty strings');
    else if (!/^[-_A-Za-z0-9]+$/.test(o.header)) oe.add('header', `header name "${o.header}" is not a valid header name`);
  });
  checkDuration(e, 'timeout', rule.timeout);
}

export function validateRequestAuthentication(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const ra = parseSpec<RequestAuthenticationSpec>(spec, RequestAuthenticationShape, e, resource);
  if (!ra) return;
  checkPolicyTargets(e, ra);
  each(ra.jwtRules, e, 'jwtRules', (rule, re) => checkJwtRule(re, rule));
}
