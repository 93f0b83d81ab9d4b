// Counters, gauges and fixed-bucket histograms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, DEFAULT_BUCKETS, Gauge, Histogram } from './metrics.js';

test('counters and gauges are plain field updates', () => {
  const c = new Counter('a', 'a', []);
  assert.equal(c.used, false);
  c.inc();
  c.add(41);
  assert.equal(c.value, 42);
  assert.equal(c.used, true);
  const g = new Gauge('g', 'g', []);
  g.inc();
  g.inc();
  g.dec();
  g.add(10);
  g.sub(3);
  assert.equal(g.value, 8);
  g.set(0);
  assert.equal(g.value, 0);
});

test("Envoy's default buckets, in ms", () => {
  assert.deepEqual(DEFAULT_BUCKETS, [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000]);
  assert.throws(() => (DEFAULT_BUCKETS as number[]).push(1));
});

test('a value lands in the first bucket whose bound is >= it; above the last, in overflow', () => {
  const h = new Histogram('h', 'h', [], 'milliseconds');
  for (const v of [0, 0.5, 0.6, 1, 5, 5.0001, 3600000, 3600001]) h.record(v);
  assert.equal(h.counts.length, DEFAULT_BUCKETS.length + 1);
  assert.deepEqual([...h.counts.slice(0, 4)], [2, 2, 1, 1]);
  assert.equal(h.counts[DEFAULT_BUCKETS.length - 1], 1);
  assert.equal(h.counts[DEFAULT_BUCKETS.length], 1);
  const cumulative = h.cumulativeCounts();
  assert.deepEqual(cumulative.slice(0, 4), [2, 4, 5, 6]);
  assert.equal(cumulative.at(-1), 7, 'the last bound counts everything but overflow');
  assert.equal(h.count, 8);
  assert.equal(h.sum, 0 + 0.5 + 0.6 + 1 + 5 + 5.0001 + 3600000 + 3600001);
  assert.deepEqual([h.min, h.max], [0, 3600001]);
});

test('quantiles: exact at 0 and 1, interpolated within a bucket, NaN when empty', () => {
  const empty = new Histogram('h', 'h', []);
  assert.ok(Number.isNaN(empty.quantile(0.5)));
  assert.equal(empty.used, false);

  const h = new Histogram('h', 'h', [], 'milliseconds', [10, 20, 30]);
  for (let v = 1; v <= 20; v++) h.record(v); // ten in (0,10], ten in (10,20]
  assert.equal(h.quantile(0), 1);
  assert.equal(h.quantile(1), 20);
  assert.equal(h.quantile(0.5), 10);
  assert.equal(h.quantile(0.75), 15);
  assert.equal(h.quantile(0.25), 5.5, 'clamped below by the minimum recorded');

  const over = new Histogram('h', 'h', [], 'unspecified', [10]);
  for (const v of [50, 100]) over.record(v);
  assert.equal(over.quantile(0.5), 75, 'overflow interpolates up to the maximum');
});
