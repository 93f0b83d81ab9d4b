// The store: one stat per name, scopes with known tags, shared stats, release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from './store.js';
import { TagNames } from './tags.js';

test('the same name gives the same handle; another kind under that name is a bug', () => {
  const store = new StatsStore();
  const a = store.counter('server.debug_assertion_failures');
  assert.equal(store.counter('server.debug_assertion_failures'), a);
  assert.throws(() => store.gauge('server.debug_assertion_failures'), /is a counter, not a gauge/);
  assert.equal(store.size, 1);
});

test('a scope prefixes names and carries its tag, whatever dots the value holds', () => {
  const store = new StatsStore();
  const scope = store.scope('cluster').scope('outbound|80||a.ns.svc.cluster.local', TagNames.CLUSTER_NAME);
  const c = scope.counter('upstream_rq_503');
  assert.equal(c.name, 'cluster.outbound|80||a.ns.svc.cluster.local.upstream_rq_503');
  assert.equal(c.tagExtractedName, 'cluster.upstream_rq');
  assert.deepEqual(c.tags, [
    { name: TagNames.RESPONSE_CODE, value: '503' },
    { name: TagNames.CLUSTER_NAME, value: 'outbound|80||a.ns.svc.cluster.local' },
  ]);
  const nested = scope.scope('circuit_breakers').scope('default').gauge('rq_open');
  assert.equal(nested.name, 'cluster.outbound|80||a.ns.svc.cluster.local.circuit_breakers.default.rq_open');
  assert.equal(nested.tagExtractedName, 'cluster.circuit_breakers.default.rq_open');
  const h = scope.histogram('upstream_rq_time', 'milliseconds');
  assert.equal(h.tagExtractedName, 'cluster.upstream_rq_time');
  assert.equal(h.unit, 'milliseconds');
});

test('two scopes of one prefix share stats; the last release drops them', () => {
  const store = new StatsStore();
  const before = store.scope('cluster').scope('a', TagNames.CLUSTER_NAME);
  const rq = before.counter('upstream_rq_total');
  rq.add(5);
  // CDS updates cluster a: the new cluster's scope finds the same counters.
  const after = store.scope('cluster').scope('a', TagNames.CLUSTER_NAME);
  assert.equal(after.counter('upstream_rq_total'), rq);
  before.release();
  assert.equal(store.get('cluster.a.upstream_rq_total'), rq);
  after.release();
  assert.equal(store.get('cluster.a.upstream_rq_total'), undefined);
  assert.equal(store.size, 0);
  // Removing cluster "a" does not touch cluster "a.b", whose names start the same.
  const ab = store.scope('cluster').scope('a.b', TagNames.CLUSTER_NAME);
  ab.counter('upstream_rq_total');
  store.scope('cluster').scope('a', TagNames.CLUSTER_NAME).release();
  assert.ok(store.get('cluster.a.b.upstream_rq_total'));
});

test('snapshot runs collectors and lists every stat sorted by name', () => {
  const store = new StatsStore();
  store.counter('b.x');
  store.gauge('a.y');
  store.histogram('c.z');
  let runs = 0;
  const remove = store.addCollector(() => void runs++);
  assert.deepEqual(store.snapshot().map((s) => s.name), ['a.y', 'b.x', 'c.z']);
  store.counter('a.a');
  assert.deepEqual(store.snapshot().map((s) => s.name), ['a.a', 'a.y', 'b.x', 'c.z']);
  remove();
  store.snapshot();
  assert.equal(runs, 2);
});

test('stats tagged by their creator are named Envoy-style from the tags', () => {
  const store = new StatsStore();
  const c = store.taggedCounter('istiocustom.istio_requests_total', [
    { name: 'reporter', value: 'source' },
    { name: 'response_code', value: '200' },
  ]);
  assert.equal(c.name, 'istiocustom.istio_requests_total.reporter.source.response_code.200');
  assert.equal(c.tagExtractedName, 'istiocustom.istio_requests_total');
  assert.equal(store.taggedCounter('istiocustom.istio_requests_total', [...c.tags]), c);
});
