// The HTTP local rate limit filter (envoy.filters.http.local_ratelimit): a token bucket
// per compiled config, on the injected clock. The route's per-filter LocalRateLimit (which
// must have a token bucket) replaces the listener-level config, bucket included.
//
// Per request: filter_enabled is sampled (unset = 0%, as in Envoy: Istio sets it to 100%);
// an enabled request takes a token. Without one, filter_enforced is sampled (unset = 0%):
// enforced → local reply with `status` (429), body "local_rate_limited", flag RL,
// x-envoy-ratelimited: true and response_headers_to_add; not enforced → the request goes
// on with request_headers_to_add_when_not_enforced. With enable_x_ratelimit_headers the
// response carries x-ratelimit-limit / -remaining / -reset.
//
// Not supported (rejected): descriptors, per-connection buckets, local cluster sharing.
import type { Any } from '@bufbuild/protobuf/wkt';
import { create } from '@bufbuild/protobuf';
import { LocalRateLimitSchema } from '../../../api/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { TYPE_PREFIX } from '../../../api/envoy/types.js';
import type { HttpFilterFactory, HttpRequestView, HttpStreamFilter, LocalReply, StreamInfo } from '../../http/filter.js';
import { HeaderMap } from '../../http/headers.js';
import type { Clock } from '../../../shared/clock.js';
import { ErrorCollector, fail, type Result } from '../../../shared/result.js';
import { GrpcStatus, httpToGrpcStatus, sampleFraction, unpackFilterConfig } from '../fault/config-util.js';
import { applyHeaderOptions } from './header-options.js';
import { compileLocalRateLimit, type LocalRateLimitConfig } from './local-ratelimit-config.js';

export const LOCAL_RATELIMIT_FILTER_NAME = 'envoy.filters.http.local_ratelimit';
export const LOCAL_RATELIMIT_TYPE_URL = `${TYPE_PREFIX}${LocalRateLimitSchema.typeName}`;
export const RATE_LIMITED_BODY = 'local_rate_limited';

export const RateLimitHeaders = {
  rateLimited: 'x-envoy-ratelimited',
  limit: 'x-ratelimit-limit',
  remaining: 'x-ratelimit-remaining',
  reset: 'x-ratelimit-reset',
} as const;

function compile(any: Any | undefined, perRoute: boolean): Result<LocalRateLimitConfig> {
  const errors = new ErrorCollector();
  const c = any ? unpackFilterConfig(any, LocalRateLimitSchema, errors) : create(LocalRateLimitSchema, {});
  if (!c) return fail(...errors.errors);
  return errors.result(compileLocalRateLimit(c, errors, perRoute));
}

export const localRateLimitFilterFactory: HttpFilterFactory<LocalRateLimitConfig, LocalRateLimitConfig> = {
  name: LOCAL_RATELIMIT_FILTER_NAME,
  typeUrl: LOCAL_RATELIMIT_TYPE_URL,
  compile(config) {
    return compile(config, false);
  },
  compileRoute(config) {
    return compile(config, true);
  },
  create(config) {
    return new LocalRateLimitFilter(config);
  },
};

class LocalRateLimitFilter implements HttpStreamFilter {
  /** The config this request was checked against (for the x-ratelimit-* response headers). */
  private used: LocalRateLimitConfig | undefined;
  private clock: Clock | undefined;

  constructor(private readonly listener: LocalRateLimitConfig) {}

  onRequest(req: HttpRequestView, info: StreamInfo): LocalReply | undefined {
    const cfg = info.perFilterConfig<LocalRateLimitConfig>(LOCAL_RATELIMIT_FILTER_NAME) ?? this.listener;
    if (!sampleFraction(cfg.filterEnabled, info.random)) return undefined;
    cfg.stats.enabled++;
    this.used = cfg;
    this.clock = info.clock;

    if (!cfg.bucket || cfg.bucket.consume(info.clock.now())) {
      cfg.stats.ok++;
      return undefined;
    }
    cfg.stats.rate_limited++;
    if (!sampleFraction(cfg.filterEnforced, info.random)) {
      applyHeaderOptions(cfg.requestHeadersToAddWhenNotEnforced, req.headers);
      return undefined;
    }
    cfg.stats.enforced++;

    const headers = new HeaderMap();
    headers.set(RateLimitHeaders.rateLimited, 'true');
    applyHeaderOptions(cfg.responseHeadersToAdd, headers);
    const reply: LocalReply = { status: cfg.status, body: RATE_LIMITED_BODY, headers: [...headers.entries()], flag: 'RL' };
    if (req.grpc) reply.grpcStatus = cfg.rateLimitedAsResourceExhausted ? GrpcStatus.RESOURCE_EXHAUSTED : httpToGrpcStatus(cfg.status);
    return reply;
  }

  onResponse(_status: number, headers: HeaderMap): void {
    const cfg = this.used;
    if (!cfg?.xRateLimitHeaders || !cfg.bucket || !this.clock) return;
    const now = this.clock.now();
    headers.set(RateLimitHeaders.limit, String(cfg.bucket.spec.maxTokens));
    headers.set(RateLimitHeaders.remaining, String(cfg.bucket.remaining(now)));
    headers.set(RateLimitHeaders.reset, String(Math.ceil(cfg.bucket.msUntilFill(now) / 1000)));
  }
}
