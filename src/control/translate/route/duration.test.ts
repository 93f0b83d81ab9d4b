import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseDurationMs } from './duration.js';

test('Istio durations: protobuf JSON and Go forms', () => {
  assert.equal(parseDurationMs('7s'), 7000);
  assert.equal(parseDurationMs('0.5s'), 500);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('24h'), 86_400_000);
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs('100us'), 0.1);
  assert.equal(parseDurationMs('0'), 0);
  assert.deepEqual(parseDuration('2.25s'), { $typeName: 'google.protobuf.Duration', seconds: 2n, nanos: 250_000_000 });
});

test('invalid or absent durations are undefined', () => {
  for (const bad of [undefined, '', '5', 's', '1x', '1s trailing', '-1s']) assert.equal(parseDurationMs(bad), undefined, String(bad));
});
