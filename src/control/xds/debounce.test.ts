import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import { TypeUrl } from '../../api/envoy/types.js';
import { Debouncer, type PushRequest } from './debounce.js';

test('a burst of changes becomes one push after the quiet period', () => {
  const clock = new ManualClock();
  const pushes: PushRequest[] = [];
  const d = new Debouncer(clock, 100, 10_000, (p) => pushes.push(p));
  d.add({ types: [TypeUrl.Cluster], reason: 'a' });
  clock.advance(50);
  d.add({ types: [TypeUrl.Listener], reason: 'b' });
  clock.advance(99);
  assert.equal(pushes.length, 0, 'still inside the quiet period of the second change');
  clock.advance(1);
  assert.equal(pushes.length, 1);
  assert.deepEqual([...(pushes[0]!.types ?? [])].sort(), [TypeUrl.Cluster, TypeUrl.Listener].sort());
  assert.deepEqual(pushes[0]!.reasons, ['a', 'b']);
  assert.equal(pushes[0]!.since, 0);
  assert.equal(pushes[0]!.merged, 2);
});

test('a continuous stream of changes is pushed at the maximum wait', () => {
  const clock = new ManualClock();
  const at: number[] = [];
  const d = new Debouncer(clock, 100, 1_000, () => at.push(clock.now()));
  for (let i = 0; i < 30; i++) {
    d.add({ reason: String(i) });
    clock.advance(60);
  }
  assert.equal(at[0], 1_000, 'first push exactly at max wait despite changes every 60 ms');
  assert.ok(at.length >= 1);
});

test('a change without types means all types', () => {
  const clock = new ManualClock();
  const pushes: PushRequest[] = [];
  const d = new Debouncer(clock, 10, 100, (p) => pushes.push(p));
  d.add({ types: [TypeUrl.Cluster] });
  d.add({});
  clock.advance(10);
  assert.equal(pushes[0]!.types, undefined);
});

test('zero quiet period pushes synchronously', () => {
  const clock = new ManualClock();
  let n = 0;
  const d = new Debouncer(clock, 0, 100, () => n++);
  d.add({});
  assert.equal(n, 1);
});
