import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { LocalRateLimitSchema, type LocalRateLimit } from '../../../api/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { HTTPFaultSchema } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { HeaderValueOption_HeaderAppendAction as AppendAction } from '../../../api/gen/envoy/config/core/v3/base_pb.js';
import { XRateLimitHeadersRFCVersion } from '../../../api/gen/envoy/extensions/common/ratelimit/v3/ratelimit_pb.js';
import { FractionalPercent_DenominatorType as Denominator } from '../../../api/gen/envoy/type/v3/percent_pb.js';
import { duration } from '../../../api/envoy/build.js';
import { pack } from '../../../api/envoy/types.js';
import { HeaderMap } from '../../http/headers.js';
import type { HttpRequestView, LocalReply, ResponseFlag, StreamInfo } from '../../http/filter.js';
import { ManualClock, seededRandom, type Random } from '../../../shared/clock.js';
import { LOCAL_RATELIMIT_FILTER_NAME, RATE_LIMITED_BODY, localRateLimitFilterFactory } from './local-ratelimit-filter.js';
import type { LocalRateLimitConfig } from './local-ratelimit-config.js';
import { TokenBucket } from './token-bucket.js';

/** The plain-object init shape (not a built message), so it can be spread. */
type Init = Exclude<MessageInitShape<typeof LocalRateLimitSchema>, LocalRateLimit>;

const all = { defaultValue: { numerator: 100, denominator: Denominator.HUNDRED } };
const pct = (numerator: number) => ({ defaultValue: { numerator, denominator: Denominator.HUNDRED } });
const bucket = (maxTokens: number, fillMs: number, tokensPerFill?: number) => ({ maxTokens, tokensPerFill, fillInterval: duration(fillMs) });
/** As Istio's local rate limit examples set it: enabled and enforced for 100%. */
const istio = (init: Init): Init => ({ statPrefix: 'http_local_rate_limiter', filterEnabled: all, filterEnforced: all, ...init });

function listenerConfig(init: Init): LocalRateLimitConfig {
  const r = localRateLimitFilterFactory.compile(pack(LocalRateLimitSchema, init), { clock: new ManualClock(), random: seededRandom(1) });
  assert.ok(r.ok, r.ok ? '' : r.errors.join('; '));
  return r.value;
}

function routeConfig(init: Init): LocalRateLimitConfig {
  const r = localRateLimitFilterFactory.compileRoute!(pack(LocalRateLimitSchema, init));
  assert.ok(r.ok, r.ok ? '' : r.errors.join('; '));
  return r.value;
}

function request(grpc = false): HttpRequestView {
  return { method: 'GET', path: '/', authority: 'ratings', scheme: 'http', headers: new HeaderMap(), downstreamAddress: '10.0.0.1', grpc };
}

function info(clock: ManualClock, route?: LocalRateLimitConfig, random: Random = seededRandom(1)): StreamInfo {
  return { flags: new Set<ResponseFlag>(), perFilterConfig: <T>(n: string) => (n === LOCAL_RATELIMIT_FILTER_NAME ? (route as T | undefined) : undefined), clock, random };
}

function send(cfg: LocalRateLimitConfig, clock: ManualClock, opts: { route?: LocalRateLimitConfig; req?: HttpRequestView; random?: Random } = {}) {
  const filter = localRateLimitFilterFactory.create(cfg);
  const req = opts.req ?? request();
  const i = info(clock, opts.route, opts.random);
  const reply = filter.onRequest!(req, i) as LocalReply | undefined;
  const response = new HeaderMap();
  filter.onResponse!(reply?.status ?? 200, response, req, i);
  return { reply, req, response };
}

const allowed = (cfg: LocalRateLimitConfig, clock: ManualClock, route?: LocalRateLimitConfig) => send(cfg, clock, { route }).reply === undefined;

test('token bucket: starts full, one token per request, discrete fills capped at max_tokens', () => {
  const clock = new ManualClock();
  const b = new TokenBucket({ maxTokens: 3, tokensPerFill: 2, fillIntervalMs: 1000 });
  assert.deepEqual([1, 2, 3, 4].map(() => b.consume(clock.now())), [true, true, true, false]);
  clock.advance(999);
  assert.equal(b.consume(clock.now()), false);
  assert.equal(b.msUntilFill(clock.now()), 1);
  clock.advance(1);
  assert.equal(b.remaining(clock.now()), 2);
  clock.advance(10_000);
  assert.equal(b.remaining(clock.now()), 3, 'never above max_tokens');
  // Fills stay on the original grid: 11 000 → next fill at 12 000.
  clock.advance(500);
  assert.equal(b.msUntilFill(clock.now()), 500);
});

test('requests beyond the bucket get 429 with flag RL and x-envoy-ratelimited; refill lets one more through', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig(istio({ tokenBucket: bucket(2, 1000) }));
  assert.ok(allowed(cfg, clock));
  assert.ok(allowed(cfg, clock));
  const { reply } = send(cfg, clock);
  assert.deepEqual(reply, { status: 429, body: RATE_LIMITED_BODY, headers: [['x-envoy-ratelimited', 'true']], flag: 'RL' });
  clock.advance(999);
  assert.equal(allowed(cfg, clock), false);
  clock.advance(1);
  assert.ok(allowed(cfg, clock), 'one token after one fill_interval (tokens_per_fill defaults to 1)');
  assert.equal(allowed(cfg, clock), false);
  assert.deepEqual(cfg.stats, { enabled: 6, enforced: 3, ok: 3, rate_limited: 3 });
});

test('a steady rate: tokens_per_fill per fill_interval over a long run', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig(istio({ tokenBucket: bucket(10, 100, 5) }));
  let ok = 0;
  // 100 requests every 10ms for 10s: 10 initial + 5 per 100ms.
  for (let t = 0; t < 10_000; t += 10) {
    if (allowed(cfg, clock)) ok++;
    clock.advance(10);
  }
  assert.equal(ok, 10 + 5 * 99);
});

test('filter_enabled / filter_enforced unset: 0% like Envoy, nothing is limited', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({ statPrefix: 'rl', tokenBucket: bucket(1, 1000) });
  for (let k = 0; k < 5; k++) assert.ok(allowed(cfg, clock));
  assert.equal(cfg.stats.enabled, 0);
});

test('enabled but not enforced: counted, request goes on with request_headers_to_add_when_not_enforced', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({
    statPrefix: 'rl',
    tokenBucket: bucket(1, 1000),
    filterEnabled: all,
    requestHeadersToAddWhenNotEnforced: [{ header: { key: 'x-would-be-limited', value: 'true' } }],
  });
  assert.equal(send(cfg, clock).req.headers.get('x-would-be-limited'), undefined);
  const { reply, req } = send(cfg, clock);
  assert.equal(reply, undefined);
  assert.equal(req.headers.get('x-would-be-limited'), 'true');
  assert.deepEqual(cfg.stats, { enabled: 2, enforced: 0, ok: 1, rate_limited: 1 });
});

test('filter_enforced fraction: about that share of limited requests are rejected', () => {
  const clock = new ManualClock();
  const random = seededRandom(9);
  const cfg = listenerConfig({ statPrefix: 'rl', tokenBucket: bucket(1, 1_000_000), filterEnabled: all, filterEnforced: pct(40) });
  let rejected = 0;
  const n = 10_000;
  for (let k = 0; k < n; k++) if (send(cfg, clock, { random }).reply) rejected++;
  assert.ok(Math.abs(rejected / (n - 1) - 0.4) < 0.02, `rejected ${rejected}/${n}`);
});

test('status, response_headers_to_add (append actions) and gRPC status', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig(
    istio({
      tokenBucket: bucket(1, 1000),
      status: { code: 503 },
      responseHeadersToAdd: [
        { header: { key: 'x-local-rate-limit', value: 'true' }, appendAction: AppendAction.OVERWRITE_IF_EXISTS_OR_ADD },
        { header: { key: 'x-local-rate-limit', value: 'again' }, appendAction: AppendAction.ADD_IF_ABSENT },
        { header: { key: 'x-envoy-ratelimited', value: 'yes' }, append: false },
        { header: { key: 'x-dropped', value: '' } },
      ],
    }),
  );
  send(cfg, clock);
  const { reply } = send(cfg, clock);
  assert.equal(reply?.status, 503);
  assert.deepEqual(reply?.headers, [
    ['x-envoy-ratelimited', 'yes'],
    ['x-local-rate-limit', 'true'],
  ]);
  const grpc = send(cfg, clock, { req: request(true) }).reply;
  assert.equal(grpc?.grpcStatus, 14, 'UNAVAILABLE');
  const exhausted = listenerConfig(istio({ tokenBucket: bucket(1, 1000), rateLimitedAsResourceExhausted: true }));
  send(exhausted, clock);
  assert.equal(send(exhausted, clock, { req: request(true) }).reply?.grpcStatus, 8, 'RESOURCE_EXHAUSTED');
  // A status below 400 falls back to 429.
  const low = listenerConfig(istio({ tokenBucket: bucket(1, 1000), status: { code: 200 } }));
  send(low, clock);
  assert.equal(send(low, clock).reply?.status, 429);
});

test('per-route config replaces the listener bucket; one bucket per compiled route config', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig(istio({ tokenBucket: bucket(100, 1000) }));
  const routeA = routeConfig(istio({ tokenBucket: bucket(1, 1000) }));
  const routeB = routeConfig(istio({ tokenBucket: bucket(1, 1000) }));
  assert.ok(allowed(cfg, clock, routeA));
  assert.equal(allowed(cfg, clock, routeA), false, 'route A bucket is empty');
  assert.ok(allowed(cfg, clock, routeB), 'route B has its own bucket');
  assert.ok(allowed(cfg, clock), 'routes without config use the listener bucket');
  assert.equal(cfg.bucket?.remaining(clock.now()), 99);
  // A route config that disables the filter turns it off for that route.
  const off = routeConfig({ statPrefix: 'off', tokenBucket: bucket(1, 1000) });
  for (let k = 0; k < 3; k++) assert.ok(allowed(cfg, clock, off));
});

test('listener config without token bucket limits nothing', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig(istio({}));
  for (let k = 0; k < 10; k++) assert.ok(allowed(cfg, clock));
});

test('x-ratelimit-* headers (draft 03) on allowed and limited responses', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig(istio({ tokenBucket: bucket(2, 60_000), enableXRatelimitHeaders: XRateLimitHeadersRFCVersion.DRAFT_VERSION_03 }));
  const first = send(cfg, clock).response;
  assert.deepEqual(Object.fromEntries(first.entries()), { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '60' });
  clock.advance(15_500);
  send(cfg, clock);
  const limited = send(cfg, clock);
  assert.equal(limited.reply?.status, 429);
  assert.equal(limited.response.get('x-ratelimit-remaining'), '0');
  assert.equal(limited.response.get('x-ratelimit-reset'), '45');
  // Off by default.
  assert.equal(send(listenerConfig(istio({ tokenBucket: bucket(2, 1000) })), clock).response.size, 0);
});

test('invalid configs are rejected with the field named', () => {
  const errs = (init: Init, perRoute = false) => {
    const any = pack(LocalRateLimitSchema, init);
    const r = perRoute ? localRateLimitFilterFactory.compileRoute!(any) : localRateLimitFilterFactory.compile(any, { clock: new ManualClock(), random: seededRandom(1) });
    assert.equal(r.ok, false, 'expected rejection');
    return r.ok ? '' : r.errors.join('\n');
  };
  assert.match(errs({ tokenBucket: bucket(1, 1000) }), /^stat_prefix: must not be empty/m);
  assert.match(errs(istio({}), true), /^token_bucket: required in a per-route config/m);
  assert.match(errs(istio({ tokenBucket: bucket(1, 10) })), /^token_bucket\.fill_interval: must be at least 50ms/m);
  assert.match(errs(istio({ tokenBucket: { maxTokens: 1 } })), /^token_bucket\.fill_interval: required/m);
  assert.match(errs(istio({ tokenBucket: bucket(0, 1000) })), /^token_bucket\.max_tokens/m);
  assert.match(errs(istio({ tokenBucket: bucket(1, 1000, 0) })), /^token_bucket\.tokens_per_fill/m);
  assert.match(errs(istio({ tokenBucket: bucket(1, 1000), status: { code: 0 } })), /^status\.code/m);
  assert.match(errs(istio({ filterEnabled: {} })), /^filter_enabled\.default_value: required/m);
  assert.match(errs(istio({ descriptors: [{ entries: [{ key: 'k', value: 'v' }], tokenBucket: bucket(1, 1000) }] })), /^descriptors: not supported/m);
  assert.match(errs(istio({ localRateLimitPerDownstreamConnection: true })), /^local_rate_limit_per_downstream_connection/m);
  const many = Array.from({ length: 11 }, (_, k) => ({ header: { key: `x-h${k}`, value: 'v' } }));
  assert.match(errs(istio({ responseHeadersToAdd: many })), /^response_headers_to_add: at most 10/m);
  assert.match(errs(istio({ responseHeadersToAdd: [{ header: { key: 'bad header', value: 'v' } }] })), /^response_headers_to_add\[0\]\.header\.key/m);
  assert.match(errs(istio({ responseHeadersToAdd: [{ header: { key: 'x', value: 'v' }, append: true, appendAction: AppendAction.ADD_IF_ABSENT }] })), /^response_headers_to_add\[0\]\.append/m);
  const wrong = localRateLimitFilterFactory.compile(pack(HTTPFaultSchema, {}), { clock: new ManualClock(), random: seededRandom(1) });
  assert.ok(!wrong.ok && wrong.errors[0]!.includes('expected envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit'));
});
