// The pure parts of the sample apps: which hosts bypass HTTP_PROXY (NO_PROXY rules as curl
// reads them), Bookinfo's service addresses from env, what each reviews version does, and
// the load generator's fortio-style summary arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bypassesProxy, forwardHeaders, proxyFor, serviceUrl } from '../../samples/lib/http-client.js';
import { behaviourOf } from '../../samples/bookinfo/reviews.js';
import { parseDuration, report, type LoadOptions } from '../../samples/load/load.js';

test('NO_PROXY: exact hosts, domain suffixes, ports and * bypass the proxy; other hosts do not', () => {
  const env = { NO_PROXY: 'localhost, 127.0.0.1,.svc.cluster.local,example.com:8080' };
  assert.equal(bypassesProxy('localhost', env), true);
  assert.equal(bypassesProxy('127.0.0.1', env), true);
  assert.equal(bypassesProxy('reviews.default.svc.cluster.local', env), true);
  assert.equal(bypassesProxy('api.example.com', env), true);
  assert.equal(bypassesProxy('example.com', env), true);
  assert.equal(bypassesProxy('reviews', env), false);
  assert.equal(bypassesProxy('notexample.com', env), false);
  assert.equal(bypassesProxy('anything', { no_proxy: '*' }), true);
  assert.equal(proxyFor(new URL('http://reviews:9080/'), { HTTP_PROXY: 'http://127.0.0.2:15001', NO_PROXY: '127.0.0.2' })?.host, '127.0.0.2:15001');
  assert.equal(proxyFor(new URL('http://127.0.0.2:9080/'), { HTTP_PROXY: 'http://127.0.0.2:15001', NO_PROXY: '127.0.0.2' }), undefined);
  assert.equal(proxyFor(new URL('http://reviews:9080/'), { http_proxy: '127.0.0.2:15001' })?.port, '15001');
  assert.equal(proxyFor(new URL('http://reviews:9080/'), {}), undefined);
});

test('Bookinfo service addresses default to Istio\'s names on 9080 and follow *_HOSTNAME, SERVICES_DOMAIN, *_SERVICE_PORT', () => {
  assert.equal(serviceUrl('reviews', {}), 'http://reviews:9080');
  assert.equal(serviceUrl('details', { DETAILS_HOSTNAME: 'details-v2', SERVICES_DOMAIN: 'bookinfo.svc.cluster.local' }), 'http://details-v2.bookinfo.svc.cluster.local:9080');
  assert.equal(serviceUrl('ratings', { RATINGS_HOSTNAME: '127.0.0.9', RATINGS_SERVICE_PORT: '19080' }), 'http://127.0.0.9:19080');
});

test('only the tracing headers, end-user and Istio\'s application headers are forwarded', () => {
  const h = forwardHeaders({ 'x-request-id': 'id-1', 'x-b3-spanid': 'abc', 'end-user': 'jason', traceparent: 'tp', cookie: 'secret', host: 'productpage:9080', 'x-other': 'no' });
  assert.deepEqual(h, { 'x-request-id': 'id-1', traceparent: 'tp', 'x-b3-spanid': 'abc', 'end-user': 'jason' });
});

test('reviews versions: v1 no ratings, v2 black with a 10 s ratings timeout, v3 red with 2.5 s (as Istio\'s reviews)', () => {
  assert.deepEqual(behaviourOf('v1', {}), { version: 'v1', ratingsEnabled: false, starColor: 'black', ratingsTimeoutMs: 10_000 });
  assert.deepEqual(behaviourOf('v2', {}), { version: 'v2', ratingsEnabled: true, starColor: 'black', ratingsTimeoutMs: 10_000 });
  assert.deepEqual(behaviourOf('v3', {}), { version: 'v3', ratingsEnabled: true, starColor: 'red', ratingsTimeoutMs: 2_500 });
  assert.equal(behaviourOf('v1', { ENABLE_RATINGS: 'true', STAR_COLOR: 'red' }).ratingsEnabled, true);
  assert.throws(() => behaviourOf('v4', {}), /use v1 \(no ratings\), v2 \(black stars\) or v3 \(red stars\)/);
});

test('load summary: codes sorted with percentages that add up, nearest-rank percentiles, durations', () => {
  const o: LoadOptions = { url: 'http://httpbin:8000/get', connections: 3, requests: 10, durationMs: 0, qps: 0, timeoutMs: 3000, headers: {} };
  const latenciesS = [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.1];
  const lines = report(o, { codes: new Map([[503, 3], [200, 7]]), latenciesS, elapsedMs: 100, sockets: 5 });
  assert.deepEqual(lines.filter((l) => l.startsWith('Code')), ['Code 200 : 7 (70.0 %)', 'Code 503 : 3 (30.0 %)']);
  assert.ok(lines.includes('# target 50% 0.005'));
  assert.ok(lines.includes('# target 90% 0.009'));
  assert.ok(lines.includes('# target 99% 0.1'));
  assert.ok(lines.includes('Sockets used: 5 (for perfect keepalive, would be 3)'));
  assert.ok(lines[0]!.startsWith('Ended after 100ms : 10 calls. qps=100.00'));
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1m'), 60_000);
  assert.throws(() => parseDuration('soon'), /invalid duration/);
});
