// CorsPolicy (the CORS filter's per-route typed_per_filter_config) compiled once: origin
// matchers, the header values to send, and the enabled / shadow fractions.
import type { CorsPolicy } from '../../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { compileStringMatcher, type Predicate } from '../../route/string-matcher.js';
import type { ErrorCollector } from '../../../shared/result.js';
import { ALWAYS, compileRuntimeFraction, type Fraction } from '../fault/config-util.js';

export interface CorsPolicyConfig {
  /** True when any allow_origin_string_match matches the origin (or matches "*"). */
  isOriginAllowed(origin: string): boolean;
  /** Header values; "" means the header is not sent. */
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
  readonly allowCredentials: boolean;
  readonly allowPrivateNetworkAccess: boolean;
  /** Preflights from an origin that does not match go upstream (default true). */
  readonly forwardNotMatchingPreflights: boolean;
  /** Unset: enabled for every request. */
  readonly filterEnabled: Fraction;
  /** Unset: never (origins are only evaluated, not enforced, for this fraction). */
  readonly shadowEnabled: Fraction | undefined;
}

const HEADER_VALUE = /^[^\r\n\0]*$/;

export function compileCorsPolicy(p: CorsPolicy, errors: ErrorCollector): CorsPolicyConfig {
  const matchers: Predicate[] = [];
  p.allowOriginStringMatch.forEach((m, i) => {
    const field = `allow_origin_string_match[${i}]`;
    if (m.matchPattern.case === undefined) {
      errors.add(`${field}.match_pattern`, 'required (exact, prefix, suffix, contains or safe_regex)');
      return;
    }
    try {
      matchers.push(compileStringMatcher(m));
    } catch (err) {
      errors.add(field, `invalid matcher: ${(err as Error).message}`);
    }
  });
  // A matcher that matches "*" itself allows every origin (Envoy checks match("*") first).
  const any = matchers.some((m) => m('*'));

  for (const [field, value] of [
    ['allow_methods', p.allowMethods],
    ['allow_headers', p.allowHeaders],
    ['expose_headers', p.exposeHeaders],
    ['max_age', p.maxAge],
  ] as const) {
    if (!HEADER_VALUE.test(value)) errors.add(field, 'must not contain CR, LF or NUL');
  }

  return {
    isOriginAllowed: any ? () => true : (origin) => matchers.some((m) => m(origin)),
    allowMethods: p.allowMethods,
    allowHeaders: p.allowHeaders,
    exposeHeaders: p.exposeHeaders,
    maxAge: p.maxAge,
    allowCredentials: p.allowCredentials ?? false,
    allowPrivateNetworkAccess: p.allowPrivateNetworkAccess ?? false,
    forwardNotMatchingPreflights: p.forwardNotMatchingPreflights ?? true,
    filterEnabled: compileRuntimeFraction(p.filterEnabled, errors, 'filter_enabled', ALWAYS),
    shadowEnabled: p.shadowEnabled ? compileRuntimeFraction(p.shadowEnabled, errors, 'shadow_enabled', ALWAYS) : undefined,
  };
}
