// LazyTimer against real Node timers: a deadline moved later is honoured (the early firing
// re-arms), an earlier one replaces the timer, disarm and cancel stop it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LazyTimer } from './lazy-timer.js';

test('expires once at the last armed deadline, with the kind armed last', async () => {
  const fired: { kind: number; at: number }[] = [];
  const t0 = Date.now();
  const t = new LazyTimer<number>((kind) => fired.push({ kind, at: Date.now() - t0 }));
  t.arm(1, 60);
  await sleep(30);
  t.arm(2, 80); // later than the Node timer set for 60: that one fires early and re-arms
  await sleep(150);
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.kind, 2);
  assert.ok(fired[0]!.at >= 105, `expired at ${fired[0]!.at} ms, before the moved deadline`);
  assert.equal(t.armed, 0);
  t.cancel();
});

test('an earlier deadline replaces a later one', async () => {
  const fired: number[] = [];
  const t0 = Date.now();
  const t = new LazyTimer<number>(() => fired.push(Date.now() - t0));
  t.arm(1, 10_000);
  t.arm(1, 30);
  await sleep(80);
  assert.equal(fired.length, 1);
  assert.ok(fired[0]! < 1000);
  t.cancel();
});

test('disarm and cancel: nothing expires', async () => {
  const fired: number[] = [];
  const a = new LazyTimer<number>((k) => fired.push(k));
  a.arm(1, 20);
  a.disarm();
  const b = new LazyTimer<number>((k) => fired.push(k));
  b.arm(2, 20);
  b.cancel();
  await sleep(60);
  assert.deepEqual(fired, []);
  a.arm(3, 10); // armed again after a disarm
  await sleep(50);
  assert.deepEqual(fired, [3]);
  a.cancel();
});
