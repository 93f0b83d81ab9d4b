// LocalRateLimit → LocalRateLimitConfig, validated once. Each compiled config owns its
// token bucket: the listener-level config has one shared by every route without its own,
// and each route-level config object (typed_per_filter_config) has its own, as in Envoy.
import type { LocalRateLimit } from '../../../api/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { XRateLimitHeadersRFCVersion } from '../../../api/gen/envoy/extensions/common/ratelimit/v3/ratelimit_pb.js';
import { StatusCode } from '../../../api/gen/envoy/type/v3/http_status_pb.js';
import { durationMs } from '../../../api/envoy/build.js';
import type { ErrorCollector } from '../../../shared/result.js';
import { compileRuntimeFraction, NEVER, type Fraction } from '../fault/config-util.js';
import { compileHeaderOptions, type HeaderOption } from './header-options.js';
import { TokenBucket } from './token-bucket.js';

/** Envoy rejects faster refills. */
export const MIN_FILL_INTERVAL_MS = 50;
const DEFAULT_STATUS = 429;

/** Envoy's stats (<stat_prefix>.http_local_rate_limit.*). */
export interface LocalRateLimitStats {
  enabled: number;
  enforced: number;
  ok: number;
  rate_limited: number;
}

export interface LocalRateLimitConfig {
  readonly statPrefix: string;
  /** undefined: no token bucket configured, nothing is limited (allowed at listener level only). */
  readonly bucket: TokenBucket | undefined;
  /** Unset in the config: 0% (Envoy's default "for safety"). */
  readonly filterEnabled: Fraction;
  readonly filterEnforced: Fraction;
  /** HTTP status of the rate-limited reply (429 unless configured ≥ 400). */
  readonly status: number;
  readonly responseHeadersToAdd: readonly HeaderOption[];
  readonly requestHeadersToAddWhenNotEnforced: readonly HeaderOption[];
  /** Add x-ratelimit-limit / -remaining / -reset (draft 03) to responses. */
  readonly xRateLimitHeaders: boolean;
  /** gRPC status RESOURCE_EXHAUSTED instead of UNAVAILABLE for rate-limited gRPC calls. */
  readonly rateLimitedAsResourceExhausted: boolean;
  readonly stats: LocalRateLimitStats;
}

export function compileLocalRateLimit(c: LocalRateLimit, errors: ErrorCollector, perRoute: boolean): LocalRateLimitConfig {
  if (c.statPrefix === '') errors.add('stat_prefix', 'must not be empty');

  let bucket: TokenBucket | undefined;
  const tb = c.tokenBucket;
  if (!tb) {
    if (perRoute) errors.add('token_bucket', 'required in a per-route config');
  } else {
    if (tb.maxTokens <= 0) errors.add('token_bucket.max_tokens', 'must be greater than 0');
    if (tb.tokensPerFill !== undefined && tb.tokensPerFill <= 0) errors.add('token_bucket.tokens_per_fill', 'must be greater than 0');
    const fill = durationMs(tb.fillInterval);
    if (fill === undefined) errors.add('token_bucket.fill_interval', 'required');
    else if (fill < MIN_FILL_INTERVAL_MS) errors.add('token_bucket.fill_interval', `must be at least ${MIN_FILL_INTERVAL_MS}ms, got ${fill}ms`);
    bucket = new TokenBucket({ maxTokens: tb.maxTokens, tokensPerFill: tb.tokensPerFill ?? 1, fillIntervalMs: Math.max(fill ?? 0, MIN_FILL_INTERVAL_MS) });
  }

  let status = DEFAULT_STATUS;
  if (c.status) {
    const code = c.status.code;
    if (code === StatusCode.Empty || !(code in StatusCode)) errors.add('status.code', `not a defined HTTP status: ${code}`);
    else if (code >= 400) status = code;
  }

  if (c.descriptors.length > 0) errors.add('descriptors', 'not supported by this proxy (route rate limit actions)');
  if (c.localRateLimitPerDownstreamConnection) errors.add('local_rate_limit_per_downstream_connection', 'not supported by this proxy');
  if (c.localClusterRateLimit) errors.add('local_cluster_rate_limit', 'not supported by this proxy');
  if (c.stage > 10) errors.add('stage', `must be at most 10, got ${c.stage}`);
  if (!(c.enableXRatelimitHeaders in XRateLimitHeadersRFCVersion)) errors.add('enable_x_ratelimit_headers', `unknown version ${c.enableXRatelimitHeaders}`);

  return {
    statPrefix: c.statPrefix,
    bucket,
    filterEnabled: compileRuntimeFraction(c.filterEnabled, errors, 'filter_enabled', NEVER),
    filterEnforced: compileRuntimeFraction(c.filterEnforced, errors, 'filter_enforced', NEVER),
    status,
    responseHeadersToAdd: compileHeaderOptions(c.responseHeadersToAdd, errors, 'response_headers_to_add'),
    requestHeadersToAddWhenNotEnforced: compileHeaderOptions(c.requestHeadersToAddWhenNotEnforced, errors, 'request_headers_to_add_when_not_enforced'),
    xRateLimitHeaders: c.enableXRatelimitHeaders === XRateLimitHeadersRFCVersion.DRAFT_VERSION_03,
    rateLimitedAsResourceExhausted: c.rateLimitedAsResourceExhausted,
    stats: { enabled: 0, enforced: 0, ok: 0, rate_limited: 0 },
  };
}
