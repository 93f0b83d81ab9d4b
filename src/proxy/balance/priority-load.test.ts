import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePriorityLoad, type PriorityHealth } from './priority-load.js';

const level = (total: number, healthy: number, degraded = 0): PriorityHealth => ({ total, healthy, degraded, hostCount: total, healthyCount: healthy, degradedCount: degraded });
const opts = { overprovisioningFactor: 140, healthyPanicThreshold: 50 };

test("P0/P1 split follows Envoy's priority levels table (overprovisioning 1.4)", () => {
  // Percent of P0 healthy → [P0, P1] traffic, P1 fully healthy (Envoy docs, "Priority levels").
  const table: [number, number, number][] = [
    [100, 100, 0],
    [72, 100, 0],
    [71, 99, 1],
    [50, 70, 30],
    [25, 35, 65],
    [0, 0, 100],
  ];
  for (const [pct, p0, p1] of table) {
    const load = computePriorityLoad([level(100, pct), level(100, 100)], opts);
    assert.deepEqual(load.healthy, [p0, p1], `P0 ${pct}% healthy`);
    assert.deepEqual(load.panic, [false, false]);
  }
  // 2 of 4 healthy: 140 × 2 / 4 = 70.
  assert.deepEqual(computePriorityLoad([level(4, 2), level(4, 4)], opts).healthy, [70, 30]);
});

test('three levels spill in order', () => {
  // P0 20% → 28, P1 20% → 28, P2 100% → rest.
  assert.deepEqual(computePriorityLoad([level(10, 2), level(10, 2), level(10, 10)], opts).healthy, [28, 28, 44]);
});

test('degraded hosts take what healthy ones cannot, with rounding to the first healthy priority', () => {
  // Envoy's example: health 10/20/10 %, degraded 20/10/0 % → healthy 16/28/14, degraded 28/14/0.
  const load = computePriorityLoad([level(14, 1, 2), level(14, 2, 1), level(14, 1, 0)], { overprovisioningFactor: 140, healthyPanicThreshold: 0 });
  assert.deepEqual(load.healthy, [16, 28, 14]);
  assert.deepEqual(load.degraded, [28, 14, 0]);
});

test('panic: a priority below the threshold while the whole set is not fully available', () => {
  // P0 1/4 healthy, no other priority: health 35 %, 25 % < 50 % → panic, all load to P0 (by host count).
  const one = computePriorityLoad([level(4, 1)], opts);
  assert.deepEqual(one.panic, [true]);
  assert.deepEqual(one.healthy, [100]);
  // With a healthy P1 the set is fully available: no panic, P0 keeps 35 %.
  const two = computePriorityLoad([level(4, 1), level(4, 4)], opts);
  assert.deepEqual(two.panic, [false, false]);
  assert.deepEqual(two.healthy, [35, 65]);
  // Both priorities in panic: spread by host count.
  const both = computePriorityLoad([level(6, 0), level(2, 0)], opts);
  assert.deepEqual(both.panic, [true, true]);
  assert.deepEqual(both.healthy, [75, 25]);
  // Health 70 + 14 < 100: P1 (10 % healthy) is in panic and picks among all its hosts, P0 (50 %) is not.
  const mixed = computePriorityLoad([level(10, 5), level(10, 1)], opts);
  assert.deepEqual(mixed.healthy, [84, 16]);
  assert.deepEqual(mixed.panic, [false, true]);
});

test('panic threshold 0 disables panic; with nothing healthy the load stays on P0 (no host)', () => {
  const load = computePriorityLoad([level(4, 0), level(4, 0)], { overprovisioningFactor: 140, healthyPanicThreshold: 0 });
  assert.deepEqual(load.panic, [false, false]);
  assert.deepEqual(load.healthy, [100, 0]);
});

test('no hosts at all: P0 takes the load', () => {
  assert.deepEqual(computePriorityLoad([level(0, 0)], opts).healthy, [100]);
  assert.deepEqual(computePriorityLoad([], opts).healthy, []);
});
