// The CORS filter (envoy.filters.http.cors). The listener-level Cors config is empty; the
// policy comes from the matched route's (or virtual host's) typed_per_filter_config, a
// CorsPolicy. Without a policy the filter does nothing.
//
// Preflight (OPTIONS with Origin and Access-Control-Request-Method): answered here with 200
// and the access-control-allow-* headers when the origin matches; a non-matching preflight
// goes upstream unless forward_not_matching_preflights is false, in which case it is
// answered without access-control-allow-origin. Actual requests from a matching origin get
// access-control-allow-origin (plus credentials and expose-headers) on the response, local
// replies included. filter_enabled (default 100%) and shadow_enabled (default 0%; only
// counts valid/invalid origins) are sampled once per request.
import { create } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { CorsPolicySchema, CorsSchema } from '../../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { TYPE_PREFIX } from '../../../api/envoy/types.js';
import type { HttpFilterFactory, HttpRequestView, HttpStreamFilter, LocalReply, StreamInfo } from '../../http/filter.js';
import type { HeaderMap } from '../../http/headers.js';
import { ErrorCollector, fail, type Result } from '../../../shared/result.js';
import { sampleFraction, unpackFilterConfig } from '../fault/config-util.js';
import { compileCorsPolicy, type CorsPolicyConfig } from './cors-policy.js';

export const CORS_FILTER_NAME = 'envoy.filters.http.cors';
export const CORS_TYPE_URL = `${TYPE_PREFIX}${CorsSchema.typeName}`;
export const CORS_POLICY_TYPE_URL = `${TYPE_PREFIX}${CorsPolicySchema.typeName}`;

/** Envoy's CORS stats (http.<stat_prefix>.cors.*). */
export interface CorsStats {
  origin_valid: number;
  origin_invalid: number;
}

export class CorsFilterConfig {
  readonly stats: CorsStats = { origin_valid: 0, origin_invalid: 0 };
}

export function compileCorsRoute(any: Any): Result<CorsPolicyConfig> {
  const errors = new ErrorCollector();
  const policy = unpackFilterConfig(any, CorsPolicySchema, errors);
  if (!policy) return fail(...errors.errors);
  return errors.result(compileCorsPolicy(policy, errors));
}

export const corsFilterFactory: HttpFilterFactory<CorsFilterConfig, CorsPolicyConfig> = {
  name: CORS_FILTER_NAME,
  typeUrl: CORS_TYPE_URL,
  compile(config) {
    const errors = new ErrorCollector();
    // Cors has no fields; only its type is checked.
    const cors = config ? unpackFilterConfig(config, CorsSchema, errors) : create(CorsSchema, {});
    if (!cors) return fail(...errors.errors);
    return errors.result(new CorsFilterConfig());
  },
  compileRoute: compileCorsRoute,
  create(config) {
    return new CorsFilter(config);
  },
};

const H = {
  origin: 'origin',
  requestMethod: 'access-control-request-method',
  requestHeaders: 'access-control-request-headers',
  requestPrivateNetwork: 'access-control-request-private-network',
  allowOrigin: 'access-control-allow-origin',
  allowCredentials: 'access-control-allow-credentials',
  allowMethods: 'access-control-allow-methods',
  allowHeaders: 'access-control-allow-headers',
  exposeHeaders: 'access-control-expose-headers',
  maxAge: 'access-control-max-age',
  allowPrivateNetwork: 'access-control-allow-private-network',
} as const;

class CorsFilter implements HttpStreamFilter {
  /** Set for an enforced CORS request whose origin matched: echoed on the response. */
  private latchedOrigin: string | undefined;
  private policy: CorsPolicyConfig | undefined;
  private answeredPreflight = false;

  constructor(private readonly config: CorsFilterConfig) {}

  onRequest(req: HttpRequestView, info: StreamInfo): LocalReply | undefined {
    const policy = info.perFilterConfig<CorsPolicyConfig>(CORS_FILTER_NAME);
    if (!policy) return undefined;
    const enabled = sampleFraction(policy.filterEnabled, info.random);
    const shadow = !enabled && policy.shadowEnabled !== undefined && sampleFraction(policy.shadowEnabled, info.random);
    if (!enabled && !shadow) return undefined;

    const origin = req.headers.get(H.origin);
    if (!origin) return undefined;
    const allowed = policy.isOriginAllowed(origin);
    if (allowed) this.config.stats.origin_valid++;
    else this.config.stats.origin_invalid++;
    if (!enabled) return undefined; // shadow mode: evaluated and counted, not enforced

    this.policy = policy;
    if (allowed) this.latchedOrigin = origin;

    const requestMethod = req.headers.get(H.requestMethod);
    if (req.method !== 'OPTIONS' || !requestMethod) return undefined;
    if (!allowed && policy.forwardNotMatchingPreflights) return undefined;
    this.answeredPreflight = true;
    return { status: 200, headers: preflightHeaders(policy, req.headers, allowed ? origin : undefined, requestMethod) };
  }

  onResponse(_status: number, headers: HeaderMap): void {
    const policy = this.policy;
    if (!policy || this.latchedOrigin === undefined || this.answeredPreflight) return;
    headers.set(H.allowOrigin, this.latchedOrigin);
    if (policy.allowCredentials) headers.set(H.allowCredentials, 'true');
    if (policy.exposeHeaders) headers.set(H.exposeHeaders, policy.exposeHeaders);
  }
}

function preflightHeaders(policy: CorsPolicyConfig, req: HeaderMap, origin: string | undefined, requestMethod: string): [string, string][] {
  const out: [string, string][] = [];
  if (origin !== undefined) out.push([H.allowOrigin, origin]);
  if (policy.allowCredentials) out.push([H.allowCredentials, 'true']);
  if (policy.allowMethods) out.push([H.allowMethods, policy.allowMethods === '*' ? requestMethod : policy.allowMethods]);
  if (policy.allowHeaders) {
    const value = policy.allowHeaders === '*' ? (req.get(H.requestHeaders, true) ?? '') : policy.allowHeaders;
    if (value) out.push([H.allowHeaders, value]);
  }
  if (policy.maxAge) out.push([H.maxAge, policy.maxAge]);
  if (policy.allowPrivateNetworkAccess && req.get(H.requestPrivateNetwork) === 'true') out.push([H.allowPrivateNetwork, 'true']);
  return out;
}
