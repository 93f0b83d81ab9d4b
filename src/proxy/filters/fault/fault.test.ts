import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { HTTPFaultSchema } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { CorsSchema } from '../../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { FractionalPercent_DenominatorType as Denominator } from '../../../api/gen/envoy/type/v3/percent_pb.js';
import { duration } from '../../../api/envoy/build.js';
import { pack } from '../../../api/envoy/types.js';
import { HeaderMap } from '../../http/headers.js';
import type { HttpRequestView, LocalReply, ResponseFlag, StreamInfo } from '../../http/filter.js';
import { ManualClock, seededRandom, type Random } from '../../../shared/clock.js';
import { FAULT_ABORT_BODY, FAULT_FILTER_NAME, FaultFilterConfig, faultFilterFactory } from './fault-filter.js';
import type { FaultSettings } from './fault-settings.js';

type FaultInit = MessageInitShape<typeof HTTPFaultSchema>;

const percent = (numerator: number, denominator = Denominator.HUNDRED) => ({ numerator, denominator });

function listenerConfig(init: FaultInit | undefined, clock = new ManualClock(), random: Random = seededRandom(1)): FaultFilterConfig {
  const r = faultFilterFactory.compile(init ? pack(HTTPFaultSchema, init) : undefined, { clock, random });
  assert.ok(r.ok, r.ok ? '' : r.errors.join('; '));
  return r.value;
}

function routeSettings(init: FaultInit): FaultSettings {
  const r = faultFilterFactory.compileRoute!(pack(HTTPFaultSchema, init));
  assert.ok(r.ok, r.ok ? '' : r.errors.join('; '));
  return r.value;
}

function compileErrors(init: FaultInit): string[] {
  const r = faultFilterFactory.compile(pack(HTTPFaultSchema, init), { clock: new ManualClock(), random: seededRandom(1) });
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.errors;
}

function request(headers: Record<string, string> = {}, opts: { grpc?: boolean; method?: string; path?: string } = {}): HttpRequestView {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(headers)) h.add(k, v);
  return { method: opts.method ?? 'GET', path: opts.path ?? '/', authority: 'reviews:9080', scheme: 'http', headers: h, downstreamAddress: '10.0.0.1', grpc: opts.grpc ?? false };
}

function info(clock: ManualClock, random: Random, route?: FaultSettings): StreamInfo {
  return {
    flags: new Set<ResponseFlag>(),
    perFilterConfig: <T>(name: string) => (name === FAULT_FILTER_NAME ? (route as T | undefined) : undefined),
    clock,
    random,
  };
}

/** Runs one request through a fresh stream filter; a delayed result stays a Promise. */
function run(config: FaultFilterConfig, req: HttpRequestView, i: StreamInfo) {
  return faultFilterFactory.create(config).onRequest!(req, i);
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

test('an empty config (how Istio configures the listener) injects nothing', () => {
  const clock = new ManualClock();
  for (const cfg of [listenerConfig(undefined), listenerConfig({})]) {
    const i = info(clock, seededRandom(1));
    assert.equal(run(cfg, request(), i), undefined);
    assert.equal(i.flags.size, 0);
  }
});

test('abort: 100% → local reply with status, body and flag FI', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({ abort: { errorType: { case: 'httpStatus', value: 503 }, percentage: percent(100) } });
  const reply = run(cfg, request(), info(clock, seededRandom(1))) as LocalReply;
  assert.deepEqual(reply, { status: 503, body: FAULT_ABORT_BODY, flag: 'FI' });
  assert.equal(cfg.stats.aborts_injected, 1);
  assert.equal(cfg.stats.active_faults, 0);
});

test('abort without percentage is never injected (unset FractionalPercent is 0%, as in Envoy)', () => {
  const cfg = listenerConfig({ abort: { errorType: { case: 'httpStatus', value: 503 } } });
  for (let n = 0; n < 100; n++) assert.equal(run(cfg, request(), info(new ManualClock(), seededRandom(n))), undefined);
});

test('abort of a gRPC request carries a gRPC status: configured, or mapped from the HTTP status', () => {
  const clock = new ManualClock();
  const grpc = listenerConfig({ abort: { errorType: { case: 'grpcStatus', value: 8 }, percentage: percent(100) } });
  assert.deepEqual(run(grpc, request({}, { grpc: true }), info(clock, seededRandom(1))), { status: 200, body: FAULT_ABORT_BODY, flag: 'FI', grpcStatus: 8 });
  const http = listenerConfig({ abort: { errorType: { case: 'httpStatus', value: 503 }, percentage: percent(100) } });
  assert.equal((run(http, request({}, { grpc: true }), info(clock, seededRandom(1))) as LocalReply).grpcStatus, 14);
  assert.equal((run(http, request(), info(clock, seededRandom(1))) as LocalReply).grpcStatus, undefined);
});

for (const [label, p, expected] of [
  ['HUNDRED', percent(25), 0.25],
  ['TEN_THOUSAND', percent(500, Denominator.TEN_THOUSAND), 0.05],
  ['MILLION', percent(125_000, Denominator.MILLION), 0.125],
] as const) {
  test(`abort percentage ${label}: ${expected * 100}% of requests within tolerance`, () => {
    const clock = new ManualClock();
    const random = seededRandom(42);
    const cfg = listenerConfig({ abort: { errorType: { case: 'httpStatus', value: 500 }, percentage: p } });
    const n = 20_000;
    let aborted = 0;
    for (let k = 0; k < n; k++) if (run(cfg, request(), info(clock, random)) !== undefined) aborted++;
    assert.ok(Math.abs(aborted / n - expected) < 0.01, `aborted ${aborted}/${n}`);
    assert.equal(cfg.stats.aborts_injected, aborted);
  });
}

test('fixed delay: the request waits on the clock, flag DI, then continues', async () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({ delay: { faultDelaySecifier: { case: 'fixedDelay', value: duration(5000) }, percentage: percent(100) } });
  const i = info(clock, seededRandom(1));
  const pending = run(cfg, request(), i);
  assert.ok(pending instanceof Promise);
  assert.ok(i.flags.has('DI'));
  let done = false;
  void pending.then(() => (done = true));
  clock.advance(4999);
  await flush();
  assert.equal(done, false);
  assert.equal(cfg.stats.active_faults, 1);
  clock.advance(1);
  assert.equal(await pending, undefined);
  assert.equal(cfg.stats.delays_injected, 1);
  assert.equal(cfg.stats.active_faults, 0);
});

test('delay percentage: about half of the requests are delayed at 50%', () => {
  const clock = new ManualClock();
  const random = seededRandom(7);
  const cfg = listenerConfig({ delay: { faultDelaySecifier: { case: 'fixedDelay', value: duration(10) }, percentage: percent(50) } });
  const n = 10_000;
  let delayed = 0;
  for (let k = 0; k < n; k++) {
    const i = info(clock, random);
    if (run(cfg, request(), i) instanceof Promise) {
      delayed++;
      assert.ok(i.flags.has('DI'));
    }
  }
  assert.ok(Math.abs(delayed / n - 0.5) < 0.02, `delayed ${delayed}/${n}`);
  clock.advance(10);
  assert.equal(cfg.stats.active_faults, 0);
});

test('a delay can be followed by an abort, sampled when the delay ends', async () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({
    delay: { faultDelaySecifier: { case: 'fixedDelay', value: duration(100) }, percentage: percent(100) },
    abort: { errorType: { case: 'httpStatus', value: 504 }, percentage: percent(100) },
  });
  const i = info(clock, seededRandom(1));
  const pending = run(cfg, request(), i);
  assert.ok(pending instanceof Promise);
  clock.advance(100);
  assert.deepEqual(await pending, { status: 504, body: FAULT_ABORT_BODY, flag: 'FI' });
  assert.deepEqual([...i.flags], ['DI']); // FI is added by the connection manager from the reply
  assert.equal(cfg.stats.active_faults, 0);
});

test('header_abort: x-envoy-fault-abort-request picks the status, capped percentage header', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({ abort: { errorType: { case: 'headerAbort', value: {} }, percentage: percent(100) } });
  const go = (h: Record<string, string>, req = request(h)) => run(cfg, req, info(clock, seededRandom(3)));
  assert.equal(go({}), undefined);
  assert.deepEqual(go({ 'x-envoy-fault-abort-request': '418' }), { status: 418, body: FAULT_ABORT_BODY, flag: 'FI' });
  assert.equal(go({ 'x-envoy-fault-abort-request': '600' }), undefined, 'outside [200, 600)');
  assert.equal(go({ 'x-envoy-fault-abort-request': 'abc' }), undefined);
  assert.equal(go({ 'x-envoy-fault-abort-request': '503', 'x-envoy-fault-abort-request-percentage': '0' }), undefined);
  // gRPC status from its header: HTTP 200 with grpc-status.
  assert.deepEqual(go({ 'x-envoy-fault-abort-grpc-request': '14' }, request({ 'x-envoy-fault-abort-grpc-request': '14' }, { grpc: true })), {
    status: 200,
    body: FAULT_ABORT_BODY,
    flag: 'FI',
    grpcStatus: 14,
  });
  // An HTTP status wins over a gRPC one.
  assert.equal((go({ 'x-envoy-fault-abort-request': '503', 'x-envoy-fault-abort-grpc-request': '14' }) as LocalReply).status, 503);
});

test('header percentage is capped by the configured numerator', () => {
  const clock = new ManualClock();
  const random = seededRandom(11);
  const cfg = listenerConfig({ abort: { errorType: { case: 'headerAbort', value: {} }, percentage: percent(10) } });
  const n = 10_000;
  let aborted = 0;
  for (let k = 0; k < n; k++) {
    const r = run(cfg, request({ 'x-envoy-fault-abort-request': '500', 'x-envoy-fault-abort-request-percentage': '90' }), info(clock, random));
    if (r) aborted++;
  }
  assert.ok(Math.abs(aborted / n - 0.1) < 0.015, `aborted ${aborted}/${n}`);
});

test('header_delay: x-envoy-fault-delay-request sets the delay in ms', async () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({ delay: { faultDelaySecifier: { case: 'headerDelay', value: {} }, percentage: percent(100) } });
  assert.equal(run(cfg, request(), info(clock, seededRandom(1))), undefined);
  assert.equal(run(cfg, request({ 'x-envoy-fault-delay-request': '0' }), info(clock, seededRandom(1))), undefined);
  const pending = run(cfg, request({ 'x-envoy-fault-delay-request': '250' }), info(clock, seededRandom(1)));
  assert.ok(pending instanceof Promise);
  assert.equal(clock.pending, 1);
  clock.advance(249);
  assert.equal(clock.pending, 1);
  clock.advance(1);
  assert.equal(await pending, undefined);
  assert.equal(run(cfg, request({ 'x-envoy-fault-delay-request': '250', 'x-envoy-fault-delay-request-percentage': '0' }), info(clock, seededRandom(1))), undefined);
});

test('max_active_faults: faults beyond the limit are not injected while others are active', async () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({
    maxActiveFaults: 2,
    delay: { faultDelaySecifier: { case: 'fixedDelay', value: duration(1000) }, percentage: percent(100) },
  });
  const a = run(cfg, request(), info(clock, seededRandom(1)));
  const b = run(cfg, request(), info(clock, seededRandom(2)));
  const third = info(clock, seededRandom(3));
  assert.ok(a instanceof Promise && b instanceof Promise);
  assert.equal(run(cfg, request(), third), undefined);
  assert.equal(third.flags.size, 0);
  assert.equal(cfg.stats.faults_overflow, 1);
  assert.equal(cfg.stats.active_faults, 2);
  clock.advance(1000);
  await Promise.all([a, b]);
  assert.equal(cfg.stats.active_faults, 0);
  assert.ok(run(cfg, request(), info(clock, seededRandom(4))) instanceof Promise);
  clock.advance(1000);
});

test('max_active_faults: 0 disables injection; aborts count too', () => {
  const cfg = listenerConfig({ maxActiveFaults: 0, abort: { errorType: { case: 'httpStatus', value: 500 }, percentage: percent(100) } });
  assert.equal(run(cfg, request(), info(new ManualClock(), seededRandom(1))), undefined);
  assert.equal(cfg.stats.faults_overflow, 1);
});

test('the active-fault count is the listener filter’s, even when route settings apply', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({});
  const route = routeSettings({ maxActiveFaults: 1, delay: { faultDelaySecifier: { case: 'fixedDelay', value: duration(50) }, percentage: percent(100) } });
  assert.ok(run(cfg, request(), info(clock, seededRandom(1), route)) instanceof Promise);
  assert.equal(cfg.stats.active_faults, 1);
  assert.equal(run(cfg, request(), info(clock, seededRandom(2), route)), undefined);
  clock.advance(50);
});

test('per-route HTTPFault replaces the listener-level one', () => {
  const clock = new ManualClock();
  const listener = listenerConfig({ abort: { errorType: { case: 'httpStatus', value: 500 }, percentage: percent(100) } });
  // Route with its own fault: only a delay, so the listener's abort does not apply.
  const delayOnly = routeSettings({ delay: { faultDelaySecifier: { case: 'fixedDelay', value: duration(10) }, percentage: percent(100) } });
  const r1 = run(listener, request(), info(clock, seededRandom(1), delayOnly));
  assert.ok(r1 instanceof Promise);
  clock.advance(10);
  // Route with an abort of another status.
  const abort418 = routeSettings({ abort: { errorType: { case: 'httpStatus', value: 418 }, percentage: percent(100) } });
  assert.equal((run(listener, request(), info(clock, seededRandom(1), abort418)) as LocalReply).status, 418);
  // Route without per-filter config: the listener's.
  assert.equal((run(listener, request(), info(clock, seededRandom(1))) as LocalReply).status, 500);
  // Istio: empty listener config, fault only where the route has one.
  const empty = listenerConfig({});
  assert.equal(run(empty, request(), info(clock, seededRandom(1))), undefined);
  assert.equal((run(empty, request(), info(clock, seededRandom(1), abort418)) as LocalReply).status, 418);
});

test('headers and downstream_nodes restrict which requests get faults', () => {
  const clock = new ManualClock();
  const cfg = listenerConfig({
    abort: { errorType: { case: 'httpStatus', value: 503 }, percentage: percent(100) },
    headers: [
      { name: 'end-user', headerMatchSpecifier: { case: 'stringMatch', value: { matchPattern: { case: 'exact', value: 'jason' } } } },
      { name: ':method', headerMatchSpecifier: { case: 'exactMatch', value: 'GET' } },
    ],
    downstreamNodes: ['productpage'],
  });
  const go = (h: Record<string, string>, method = 'GET') => run(cfg, request(h, { method }), info(clock, seededRandom(1)));
  assert.ok(go({ 'end-user': 'jason', 'x-envoy-downstream-service-node': 'productpage' }));
  assert.equal(go({ 'end-user': 'jason', 'x-envoy-downstream-service-node': 'productpage' }, 'POST'), undefined);
  assert.equal(go({ 'end-user': 'mike', 'x-envoy-downstream-service-node': 'productpage' }), undefined);
  assert.equal(go({ 'end-user': 'jason' }), undefined);
  assert.equal(go({ 'end-user': 'jason', 'x-envoy-downstream-service-node': 'ratings' }), undefined);
});

test('invalid configs are rejected with the field named', () => {
  const has = (errors: string[], field: string) => assert.ok(errors.some((e) => e.startsWith(field)), `${field} not in: ${errors.join('; ')}`);
  has(compileErrors({ abort: { errorType: { case: 'httpStatus', value: 600 }, percentage: percent(100) } }), 'abort.http_status');
  has(compileErrors({ abort: { errorType: { case: 'httpStatus', value: 100 } } }), 'abort.http_status');
  has(compileErrors({ abort: { percentage: percent(100) } }), 'abort.error_type');
  has(compileErrors({ delay: { percentage: percent(100) } }), 'delay.fault_delay_secifier');
  has(compileErrors({ delay: { faultDelaySecifier: { case: 'fixedDelay', value: duration(0) } } }), 'delay.fixed_delay');
  has(compileErrors({ abort: { errorType: { case: 'httpStatus', value: 500 }, percentage: { numerator: 1, denominator: 7 as Denominator } } }), 'abort.percentage.denominator');
  has(compileErrors({ headers: [{ name: 'x', headerMatchSpecifier: { case: 'safeRegexMatch', value: { regex: '(' } } }] }), 'headers[0]');
  has(compileErrors({ headers: [{ name: '' }] }), 'headers[0].name');
  has(compileErrors({ responseRateLimit: { limitType: { case: 'fixedLimit', value: { limitKbps: 1n } } } }), 'response_rate_limit');
  // Every error is collected, not just the first.
  assert.equal(compileErrors({ abort: { errorType: { case: 'httpStatus', value: 700 } }, delay: {} }).length, 2);
  // Another message type in typed_config.
  const r = faultFilterFactory.compile(pack(CorsSchema, {}), { clock: new ManualClock(), random: seededRandom(1) });
  assert.ok(!r.ok && r.errors[0]!.includes('expected envoy.extensions.filters.http.fault.v3.HTTPFault'));
  // Per-route configs are validated the same way.
  const rr = faultFilterFactory.compileRoute!(pack(HTTPFaultSchema, { abort: { errorType: { case: 'httpStatus', value: 99 } } }));
  assert.ok(!rr.ok && rr.errors[0]!.startsWith('abort.http_status'));
});
