import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { CorsPolicySchema, CorsSchema } from '../../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { HTTPFaultSchema } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { FractionalPercent_DenominatorType as Denominator } from '../../../api/gen/envoy/type/v3/percent_pb.js';
import { pack } from '../../../api/envoy/types.js';
import { HeaderMap } from '../../http/headers.js';
import type { HttpRequestView, LocalReply, ResponseFlag, StreamInfo } from '../../http/filter.js';
import { ManualClock, seededRandom, type Random } from '../../../shared/clock.js';
import { CORS_FILTER_NAME, CorsFilterConfig, corsFilterFactory } from './cors-filter.js';
import type { CorsPolicyConfig } from './cors-policy.js';

type PolicyInit = MessageInitShape<typeof CorsPolicySchema>;

const exact = (value: string) => ({ matchPattern: { case: 'exact' as const, value } });
const fraction = (numerator: number) => ({ defaultValue: { numerator, denominator: Denominator.HUNDRED } });

const listener = (() => {
  const r = corsFilterFactory.compile(pack(CorsSchema, {}), { clock: new ManualClock(), random: seededRandom(1) });
  assert.ok(r.ok);
  return r.value;
})();

function policy(init: PolicyInit): CorsPolicyConfig {
  const r = corsFilterFactory.compileRoute!(pack(CorsPolicySchema, init));
  assert.ok(r.ok, r.ok ? '' : r.errors.join('; '));
  return r.value;
}

const basic = policy({
  allowOriginStringMatch: [exact('https://app.example.com'), { matchPattern: { case: 'suffix', value: '.trusted.io' } }],
  allowMethods: 'GET,POST,PUT',
  allowHeaders: 'content-type,x-token',
  exposeHeaders: 'x-trace',
  maxAge: '600',
  allowCredentials: true,
});

function request(method: string, headers: Record<string, string>): HttpRequestView {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(headers)) h.add(k, v);
  return { method, path: '/api', authority: 'api.example.com', scheme: 'http', headers: h, downstreamAddress: '10.0.0.1', grpc: false };
}

function info(p: CorsPolicyConfig | undefined, random: Random = seededRandom(1)): StreamInfo {
  return { flags: new Set<ResponseFlag>(), perFilterConfig: <T>(n: string) => (n === CORS_FILTER_NAME ? (p as T | undefined) : undefined), clock: new ManualClock(), random };
}

/** One stream: request, then (unless answered locally) a 200 response from upstream. */
function exchange(p: CorsPolicyConfig | undefined, method: string, headers: Record<string, string>, cfg: CorsFilterConfig = listener, random?: Random) {
  const filter = corsFilterFactory.create(cfg);
  const req = request(method, headers);
  const i = info(p, random);
  const reply = filter.onRequest!(req, i) as LocalReply | undefined;
  const response = new HeaderMap();
  if (reply) for (const [k, v] of reply.headers ?? []) response.add(k, v);
  filter.onResponse!(reply?.status ?? 200, response, req, i);
  return { reply, response: Object.fromEntries(response.entries()) };
}

const preflight = (origin: string, extra: Record<string, string> = {}) => ({ origin, 'access-control-request-method': 'PUT', ...extra });

test('preflight from an allowed origin is answered with 200 and the allow headers', () => {
  const { reply } = exchange(basic, 'OPTIONS', preflight('https://app.example.com'));
  assert.ok(reply);
  assert.equal(reply.status, 200);
  assert.equal(reply.flag, undefined);
  assert.deepEqual(Object.fromEntries(reply.headers ?? []), {
    'access-control-allow-origin': 'https://app.example.com',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET,POST,PUT',
    'access-control-allow-headers': 'content-type,x-token',
    'access-control-max-age': '600',
  });
  // Suffix matcher.
  assert.equal(exchange(basic, 'OPTIONS', preflight('https://a.trusted.io')).reply?.status, 200);
});

test('"*" allow_methods / allow_headers echo the preflight request', () => {
  const p = policy({ allowOriginStringMatch: [exact('https://x.com')], allowMethods: '*', allowHeaders: '*' });
  const { reply } = exchange(p, 'OPTIONS', preflight('https://x.com', { 'access-control-request-headers': 'x-a,x-b' }));
  const h = Object.fromEntries(reply?.headers ?? []);
  assert.equal(h['access-control-allow-methods'], 'PUT');
  assert.equal(h['access-control-allow-headers'], 'x-a,x-b');
});

test('a matcher that matches "*" allows every origin', () => {
  const p = policy({ allowOriginStringMatch: [exact('*')] });
  assert.equal(exchange(p, 'GET', { origin: 'https://anything.example' }).response['access-control-allow-origin'], 'https://anything.example');
});

test('preflight from another origin passes through (forward_not_matching_preflights defaults to true)', () => {
  const { reply, response } = exchange(basic, 'OPTIONS', preflight('https://evil.example'));
  assert.equal(reply, undefined);
  assert.deepEqual(response, {});
  assert.ok(listener.stats.origin_invalid > 0);
});

test('forward_not_matching_preflights false: answered locally without allow-origin', () => {
  const p = policy({ allowOriginStringMatch: [exact('https://app.example.com')], allowMethods: 'GET', forwardNotMatchingPreflights: false });
  const { reply } = exchange(p, 'OPTIONS', preflight('https://evil.example'));
  assert.equal(reply?.status, 200);
  assert.deepEqual(reply?.headers, [['access-control-allow-methods', 'GET']]);
});

test('OPTIONS without access-control-request-method is not a preflight', () => {
  const { reply, response } = exchange(basic, 'OPTIONS', { origin: 'https://app.example.com' });
  assert.equal(reply, undefined);
  assert.equal(response['access-control-allow-origin'], 'https://app.example.com');
});

test('actual request from an allowed origin gets allow-origin, credentials and expose-headers', () => {
  const { reply, response } = exchange(basic, 'POST', { origin: 'https://app.example.com' });
  assert.equal(reply, undefined);
  assert.deepEqual(response, {
    'access-control-allow-origin': 'https://app.example.com',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'x-trace',
  });
});

test('actual request from another origin, without Origin, or without a policy: response untouched', () => {
  assert.deepEqual(exchange(basic, 'GET', { origin: 'https://evil.example' }).response, {});
  assert.deepEqual(exchange(basic, 'GET', {}).response, {});
  assert.deepEqual(exchange(undefined, 'OPTIONS', preflight('https://app.example.com')), { reply: undefined, response: {} });
});

test('shadow_enabled with the filter disabled: origins counted, nothing enforced', () => {
  const cfg = new CorsFilterConfig();
  const p = policy({ allowOriginStringMatch: [exact('https://app.example.com')], filterEnabled: fraction(0), shadowEnabled: fraction(100) });
  const pre = exchange(p, 'OPTIONS', preflight('https://app.example.com'), cfg);
  assert.deepEqual(pre, { reply: undefined, response: {} });
  exchange(p, 'GET', { origin: 'https://evil.example' }, cfg);
  assert.deepEqual(cfg.stats, { origin_valid: 1, origin_invalid: 1 });
  // Disabled without shadow: not even counted.
  const off = new CorsFilterConfig();
  exchange(policy({ allowOriginStringMatch: [exact('https://app.example.com')], filterEnabled: fraction(0) }), 'GET', { origin: 'https://app.example.com' }, off);
  assert.deepEqual(off.stats, { origin_valid: 0, origin_invalid: 0 });
});

test('filter_enabled fraction is sampled per request', () => {
  const p = policy({ allowOriginStringMatch: [exact('https://app.example.com')], filterEnabled: fraction(30) });
  const random = seededRandom(5);
  const n = 10_000;
  let enforced = 0;
  for (let k = 0; k < n; k++) if (exchange(p, 'GET', { origin: 'https://app.example.com' }, listener, random).response['access-control-allow-origin']) enforced++;
  assert.ok(Math.abs(enforced / n - 0.3) < 0.02, `enforced ${enforced}/${n}`);
});

test('local replies of later filters also get the CORS response headers', () => {
  const filter = corsFilterFactory.create(listener);
  const req = request('GET', { origin: 'https://app.example.com' });
  assert.equal(filter.onRequest!(req, info(basic)), undefined);
  const h = new HeaderMap();
  // The connection manager calls onResponse for a local reply without route context.
  filter.onResponse!(503, h, request('GET', {}), { flags: new Set(), perFilterConfig: () => undefined, clock: new ManualClock(), random: seededRandom(1) });
  assert.equal(h.get('access-control-allow-origin'), 'https://app.example.com');
});

test('invalid CorsPolicy configs are rejected with the field named', () => {
  const errors = (init: PolicyInit) => {
    const r = corsFilterFactory.compileRoute!(pack(CorsPolicySchema, init));
    assert.equal(r.ok, false);
    return r.ok ? [] : r.errors;
  };
  assert.match(errors({ allowOriginStringMatch: [{ matchPattern: { case: 'safeRegex', value: { regex: '[' } } }] })[0]!, /^allow_origin_string_match\[0\]/);
  assert.match(errors({ allowOriginStringMatch: [{}] })[0]!, /^allow_origin_string_match\[0\]\.match_pattern/);
  assert.match(errors({ filterEnabled: {} })[0]!, /^filter_enabled\.default_value: required/);
  assert.match(errors({ shadowEnabled: { defaultValue: { numerator: 1, denominator: 9 as Denominator } } })[0]!, /^shadow_enabled\.default_value\.denominator/);
  assert.match(errors({ allowMethods: 'GET\r\nX-Injected: 1' })[0]!, /^allow_methods/);
  const wrong = corsFilterFactory.compileRoute!(pack(HTTPFaultSchema, {}));
  assert.ok(!wrong.ok && wrong.errors[0]!.includes('expected envoy.extensions.filters.http.cors.v3.CorsPolicy'));
  const wrongListener = corsFilterFactory.compile(pack(CorsPolicySchema, {}), { clock: new ManualClock(), random: seededRandom(1) });
  assert.ok(!wrongListener.ok && wrongListener.errors[0]!.includes('expected envoy.extensions.filters.http.cors.v3.Cors,'));
});
