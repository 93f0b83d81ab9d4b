import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VipAllocator } from './vips.js';

function inServiceCidr(ip: string): boolean {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const base = (10 << 24) + (96 << 16);
  return n >= base + 2 && n < base + 2 ** 20 - 1;
}

test('VIPs are deterministic, stable and inside 10.96.0.0/12', () => {
  const a = new VipAllocator();
  const b = new VipAllocator();
  const keys = Array.from({ length: 2000 }, (_, i) => `ns${i % 7}/svc-${i}`);
  const va = keys.map((k) => a.allocate(k));
  const vb = keys.map((k) => b.allocate(k));
  assert.deepEqual(va, vb);
  assert.equal(new Set(va).size, keys.length, 'no two services share a VIP');
  for (const ip of va) assert.ok(inServiceCidr(ip), ip);
  assert.equal(a.allocate(keys[0]!), va[0], 'allocate is idempotent');
});

test('a VIP does not move when others come and go', () => {
  const a = new VipAllocator();
  const x = a.allocate('default/x');
  a.allocate('default/y');
  a.release('default/y');
  assert.equal(a.allocate('default/x'), x);
  a.release('default/x');
  assert.equal(a.allocate('default/x'), x, 'the same key hashes to the same VIP again');
});

test('collisions probe forward; an explicit clusterIP evicts an allocated VIP', () => {
  const a = new VipAllocator('10.96.0.0/28'); // 13 usable addresses: collisions are certain
  const ips = Array.from({ length: 13 }, (_, i) => a.allocate(`k${i}`));
  assert.equal(new Set(ips).size, 13);
  assert.throws(() => a.allocate('one-too-many'), /exhausted/);

  const b = new VipAllocator();
  const held = b.allocate('default/auto');
  assert.deepEqual(b.reserve('default/explicit', [held]), ['default/auto']);
  const moved = b.allocate('default/auto');
  assert.notEqual(moved, held);
  b.unreserve('default/explicit');
  assert.equal(b.allocate('default/auto'), moved, 'does not move back');
  assert.throws(() => new VipAllocator('10.96.0.0'), /invalid/);
});
