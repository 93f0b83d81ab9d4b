// VirtualService `corsPolicy` → the CORS filter's per-route CorsPolicy, as Istio builds it:
// allowOrigins as string matchers (legacy allowOrigin as exact), lists joined with ",",
// maxAge in whole seconds, filter enabled for 100%, unmatched preflights forwarded unless
// `unmatchedPreflights: IGNORE`.
import { create } from '@bufbuild/protobuf';
import type { CorsPolicy as IstioCorsPolicy } from '../../../api/istio/networking.js';
import { CorsPolicySchema, type CorsPolicy } from '../../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { FractionalPercent_DenominatorType } from '../../../api/gen/envoy/type/v3/percent_pb.js';
import { StringMatcherSchema, type StringMatcher } from '../../../api/gen/envoy/type/matcher/v3/string_pb.js';
import { parseDurationMs } from './duration.js';
import { stringMatcher } from './match.js';

export const CORS_FILTER_NAME = 'envoy.filters.http.cors';

export function translateCors(policy: IstioCorsPolicy | undefined): CorsPolicy | undefined {
  if (!policy) return undefined;
  let origins: StringMatcher[] = [];
  if (policy.allowOrigins) origins = policy.allowOrigins.map((m) => stringMatcher(m)).filter((m): m is StringMatcher => m !== undefined);
  else if (policy.allowOrigin) origins = policy.allowOrigin.map((o) => create(StringMatcherSchema, { matchPattern: { case: 'exact', value: o } }));
  const out = create(CorsPolicySchema, {
    allowOriginStringMatch: origins,
    allowMethods: (policy.allowMethods ?? []).join(','),
    allowHeaders: (policy.allowHeaders ?? []).join(','),
    exposeHeaders: (policy.exposeHeaders ?? []).join(','),
    filterEnabled: { defaultValue: { numerator: 100, denominator: FractionalPercent_DenominatorType.HUNDRED } },
    forwardNotMatchingPreflights: policy.unmatchedPreflights !== 'IGNORE',
  });
  if (policy.allowCredentials !== undefined) out.allowCredentials = policy.allowCredentials;
  const maxAgeMs = parseDurationMs(policy.maxAge);
  if (maxAgeMs !== undefined) out.maxAge = String(Math.trunc(maxAgeMs / 1000));
  return out;
}
