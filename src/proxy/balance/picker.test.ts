import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom, type Random } from '../../shared/clock.js';
import { Cluster_DiscoveryType } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { HostSet } from './host-set.js';
import { createPicker } from './picker.js';
import { addresses, clusterOf, Cluster_LbPolicy, countPicks, HealthStatus, hostSetOf, loadAssignment } from './testing.js';
import type { Host } from './host.js';

const zero: Random = { next: () => 0 };
const RR = clusterOf(Cluster_LbPolicy.ROUND_ROBIN);
const seq = (picker: { pick(): Host | undefined }, n: number) => Array.from({ length: n }, () => picker.pick()?.address ?? '-').join(' ');
const share = (counts: Map<string, number>, keys: string[], n: number) => keys.reduce((a, k) => a + (counts.get(k) ?? 0), 0) / n;

test('round robin rotates through equal-weight hosts', () => {
  const p = createPicker(RR, hostSetOf(['a', 'b', 'c']), { random: zero });
  assert.equal(seq(p, 7), 'a b c a b c a');
});

test('weighted round robin follows the EDF schedule exactly (3:2:1 → a b a c b a)', () => {
  const hs = hostSetOf([{ address: 'a', weight: 3 }, { address: 'b', weight: 2 }, { address: 'c', weight: 1 }]);
  const p = createPicker(RR, hs, { random: zero });
  assert.equal(seq(p, 12), 'a b a c b a a b a c b a');
  // A random start only rotates the same sequence.
  const q = createPicker(RR, hs, { random: seededRandom(3) });
  const cycle = seq(q, 6);
  assert.ok('a b a c b a a b a c b a'.includes(cycle), cycle);
});

test('random is uniform within 5 % over 10k picks', () => {
  const hosts = addresses(4);
  const counts = countPicks(createPicker(clusterOf(Cluster_LbPolicy.RANDOM), hostSetOf(hosts), { random: seededRandom(1) }), 10_000);
  for (const h of hosts) assert.ok(Math.abs(counts.get(h)! - 2500) < 125, `${h}: ${counts.get(h)}`);
});

test('least request (P2C) prefers the less loaded hosts', () => {
  const hs = hostSetOf(['busy', 'idle', 'mid1', 'mid2']);
  const [busy, idle, mid1, mid2] = hs.hosts;
  busy!.state.activeRequests = 10;
  idle!.state.activeRequests = 0;
  mid1!.state.activeRequests = 5;
  mid2!.state.activeRequests = 5;
  const counts = countPicks(createPicker(clusterOf(Cluster_LbPolicy.LEAST_REQUEST), hs, { random: seededRandom(2) }), 10_000);
  // busy only when both samples are busy (1/16); idle whenever one sample is idle (7/16).
  assert.ok(Math.abs(counts.get('busy')! / 10_000 - 1 / 16) < 0.01, `busy ${counts.get('busy')}`);
  assert.ok(Math.abs(counts.get('idle')! / 10_000 - 7 / 16) < 0.02, `idle ${counts.get('idle')}`);
});

test('least request with choice_count 4 is nearly a full scan', () => {
  const hs = hostSetOf(['a', 'b', 'c']);
  hs.hosts[0]!.state.activeRequests = 3;
  hs.hosts[2]!.state.activeRequests = 1;
  const c = clusterOf(Cluster_LbPolicy.LEAST_REQUEST, { lbConfig: { case: 'leastRequestLbConfig', value: { choiceCount: 4 } } });
  const counts = countPicks(createPicker(c, hs, { random: seededRandom(9) }), 1000);
  assert.ok(counts.get('b')! > 750, `b ${counts.get('b')}`);
});

test('weighted least request scales weight by 1 / (active + 1)^bias', () => {
  const hs = hostSetOf([{ address: 'heavy', weight: 2 }, { address: 'light', weight: 1 }]);
  const p = createPicker(clusterOf(Cluster_LbPolicy.LEAST_REQUEST), hs, { random: zero });
  // Idle: 2:1 like round robin.
  const idle = countPicks(p, 300);
  assert.equal(idle.get('heavy'), 200);
  // heavy has 3 requests in flight: effective weights 2/4 vs 1/1 → light gets about twice as many.
  hs.hosts[0]!.state.activeRequests = 3;
  const loaded = countPicks(p.rebuild(), 300);
  assert.ok(Math.abs(loaded.get('light')! - 200) <= 2, `light ${loaded.get('light')}`);
  // active_request_bias 0: weights alone.
  const noBias = clusterOf(Cluster_LbPolicy.LEAST_REQUEST, { lbConfig: { case: 'leastRequestLbConfig', value: { activeRequestBias: { defaultValue: 0, runtimeKey: '' } } } });
  assert.equal(countPicks(createPicker(noBias, hs, { random: zero }), 300).get('heavy'), 200);
});

test('unhealthy, draining and timed-out endpoints are not picked; unknown and healthy are', () => {
  const hs = hostSetOf([
    { address: 'ok', health: HealthStatus.HEALTHY },
    { address: 'unknown', health: HealthStatus.UNKNOWN },
    { address: 'down', health: HealthStatus.UNHEALTHY },
    { address: 'draining', health: HealthStatus.DRAINING },
    { address: 'timeout', health: HealthStatus.TIMEOUT },
    { address: 'ok2' },
    { address: 'ok3' },
  ]);
  for (const policy of [Cluster_LbPolicy.ROUND_ROBIN, Cluster_LbPolicy.LEAST_REQUEST, Cluster_LbPolicy.RANDOM, Cluster_LbPolicy.RING_HASH, Cluster_LbPolicy.MAGLEV]) {
    const counts = countPicks(createPicker(clusterOf(policy), hs, { random: seededRandom(4) }), 2000);
    assert.deepEqual([...counts.keys()].sort(), ['ok', 'ok2', 'ok3', 'unknown'], Cluster_LbPolicy[policy]);
  }
});

test('ejected hosts are excluded once the picker is rebuilt', () => {
  const hs = hostSetOf(addresses(5));
  const p = createPicker(RR, hs, { random: zero });
  hs.hosts[1]!.state.ejected = true;
  const counts = countPicks(p.rebuild(), 400);
  assert.equal(counts.get(hs.hosts[1]!.address), undefined);
  assert.equal(counts.size, 4);
});

test('priority spill: P0 with 2 of 4 healthy keeps 70 %, P1 takes 30 %', () => {
  const cla = loadAssignment([
    { priority: 0, endpoints: ['p0a', 'p0b', { address: 'p0c', health: HealthStatus.UNHEALTHY }, { address: 'p0d', health: HealthStatus.UNHEALTHY }] },
    { priority: 1, endpoints: ['p1a', 'p1b', 'p1c', 'p1d'] },
  ]);
  const p = createPicker(RR, HostSet.fromClusterLoadAssignment(cla), { random: seededRandom(5) });
  assert.deepEqual(p.load.healthy, [70, 30]);
  const counts = countPicks(p, 20_000);
  assert.ok(Math.abs(share(counts, ['p0a', 'p0b'], 20_000) - 0.7) < 0.015);
  assert.ok(Math.abs(share(counts, ['p1a', 'p1b', 'p1c', 'p1d'], 20_000) - 0.3) < 0.015);
  assert.equal(counts.get('p0c'), undefined);
  // All of P0 healthy again: P1 gets nothing.
  const healthy = loadAssignment([{ priority: 0, endpoints: ['p0a', 'p0b', 'p0c', 'p0d'] }, { priority: 1, endpoints: ['p1a'] }]);
  assert.equal(countPicks(createPicker(RR, HostSet.fromClusterLoadAssignment(healthy), { random: seededRandom(5) }), 1000).get('p1a'), undefined);
});

test('hash policies choose the priority from the request hash as well', () => {
  const cla = loadAssignment([
    { priority: 0, endpoints: ['p0a', 'p0b', { address: 'p0c', health: HealthStatus.UNHEALTHY }, { address: 'p0d', health: HealthStatus.UNHEALTHY }] },
    { priority: 1, endpoints: ['p1a', 'p1b'] },
  ]);
  const p = createPicker(clusterOf(Cluster_LbPolicy.RING_HASH), HostSet.fromClusterLoadAssignment(cla), { random: seededRandom(5) });
  // hash % 100 + 1 ≤ 70 → P0.
  assert.ok(p.pick({ hash: 169n })!.address.startsWith('p0'));
  assert.ok(p.pick({ hash: 170n })!.address.startsWith('p1'));
  assert.equal(p.pick({ hash: 170n }), p.pick({ hash: 170 }));
});

test('degraded hosts serve only what the healthy ones cannot', () => {
  const hs = hostSetOf(['h1', { address: 'd1', health: HealthStatus.DEGRADED }, { address: 'd2', health: HealthStatus.DEGRADED }, { address: 'd3', health: HealthStatus.DEGRADED }]);
  // health 140 × 1/4 = 35, degraded 140 × 3/4 = 100 → available 100: 35 % healthy, 65 % degraded.
  const p = createPicker(RR, hs, { random: seededRandom(6) });
  assert.deepEqual([p.load.healthy, p.load.degraded], [[35], [65]]);
  const counts = countPicks(p, 10_000);
  assert.ok(Math.abs(counts.get('h1')! / 10_000 - 0.35) < 0.02, `h1 ${counts.get('h1')}`);
});

test('panic: below healthy_panic_threshold every host of the priority is picked', () => {
  const hs = hostSetOf(['up', ...['d1', 'd2', 'd3'].map((address) => ({ address, health: HealthStatus.UNHEALTHY }))]);
  const p = createPicker(RR, hs, { random: seededRandom(7) });
  assert.deepEqual(p.load.panic, [true]);
  assert.equal(countPicks(p, 400).size, 4);
  // Threshold 20 %: 25 % healthy is not panic.
  const c = clusterOf(Cluster_LbPolicy.ROUND_ROBIN, { commonLbConfig: { healthyPanicThreshold: { value: 20 } } });
  assert.deepEqual([...countPicks(createPicker(c, hs, { random: seededRandom(7) }), 400).keys()], ['up']);
  // Threshold 0 disables panic: with nothing healthy there is no host (503 UH).
  const none = hostSetOf([{ address: 'x', health: HealthStatus.UNHEALTHY }]);
  const off = clusterOf(Cluster_LbPolicy.ROUND_ROBIN, { commonLbConfig: { healthyPanicThreshold: { value: 0 } } });
  assert.equal(createPicker(off, none, { random: zero }).pick(), undefined);
  assert.equal(createPicker(RR, none, { random: zero }).pick()?.address, 'x');
});

test('locality weighted LB: locality by weight × healthy share, then a host inside it', () => {
  const weighted = clusterOf(Cluster_LbPolicy.ROUND_ROBIN, { commonLbConfig: { localityConfigSpecifier: { case: 'localityWeightedLbConfig', value: {} } } });
  const cla = (bHealth: HealthStatus) =>
    loadAssignment([
      { locality: { zone: 'a' }, weight: 1, endpoints: ['a1', 'a2'] },
      { locality: { zone: 'b' }, weight: 2, endpoints: ['b1', 'b2', 'b3', { address: 'b4', health: bHealth }] },
      { locality: { zone: 'c' }, weight: 0, endpoints: ['c1'] },
    ]);
  const all = countPicks(createPicker(weighted, HostSet.fromClusterLoadAssignment(cla(HealthStatus.HEALTHY)), { random: seededRandom(8) }), 3000);
  assert.equal(share(all, ['a1', 'a2'], 3000), 1 / 3);
  assert.equal(all.get('c1'), undefined);
  // b at 3/4 healthy is still fully available (1.4 × 0.75 ≥ 1).
  const three = countPicks(createPicker(weighted, HostSet.fromClusterLoadAssignment(cla(HealthStatus.UNHEALTHY)), { random: seededRandom(8) }), 3000);
  assert.equal(share(three, ['a1', 'a2'], 3000), 1 / 3);
  // b at 2/4 healthy: 2 × min(1, 1.4 × 0.5) = 1.4 against a's 1.
  const cla2 = loadAssignment([
    { locality: { zone: 'a' }, weight: 1, endpoints: ['a1', 'a2'] },
    { locality: { zone: 'b' }, weight: 2, endpoints: ['b1', 'b2', ...['b3', 'b4'].map((address) => ({ address, health: HealthStatus.UNHEALTHY }))] },
  ]);
  const half = countPicks(createPicker(weighted, HostSet.fromClusterLoadAssignment(cla2), { random: seededRandom(8) }), 2400);
  assert.ok(Math.abs(share(half, ['a1', 'a2'], 2400) - 1 / 2.4) < 0.002);
  // Without locality_weighted_lb_config, locality weights are ignored.
  const flat = countPicks(createPicker(RR, HostSet.fromClusterLoadAssignment(cla(HealthStatus.HEALTHY)), { random: seededRandom(8) }), 7000);
  assert.equal(flat.get('c1'), 1000);
});

test('exclude (retry previous_hosts) avoids the given hosts for every policy', () => {
  const hs = hostSetOf(addresses(3));
  for (const policy of [Cluster_LbPolicy.ROUND_ROBIN, Cluster_LbPolicy.LEAST_REQUEST, Cluster_LbPolicy.RANDOM, Cluster_LbPolicy.RING_HASH, Cluster_LbPolicy.MAGLEV]) {
    const p = createPicker(clusterOf(policy), hs, { random: seededRandom(10) });
    for (let i = 0; i < 200; i++) {
      const first = p.pick({ hash: BigInt(i) * 0x9e3779b97f4a7c15n })!;
      const exclude = new Set([first]);
      const second = p.pick({ hash: BigInt(i) * 0x9e3779b97f4a7c15n, exclude })!;
      assert.notEqual(second, first, Cluster_LbPolicy[policy]);
      exclude.add(second);
      const third = p.pick({ hash: BigInt(i) * 0x9e3779b97f4a7c15n, exclude })!;
      assert.ok(!exclude.has(third), Cluster_LbPolicy[policy]);
      // Everything excluded: the retry still goes somewhere, as in Envoy.
      assert.ok(p.pick({ exclude: new Set(hs.hosts) }));
    }
  }
});

test('hash pickers: the same hash always gets the same host; retries walk on deterministically', () => {
  const hs = hostSetOf(addresses(8));
  for (const policy of [Cluster_LbPolicy.RING_HASH, Cluster_LbPolicy.MAGLEV]) {
    const p = createPicker(clusterOf(policy), hs, { random: seededRandom(11) });
    const h = p.pick({ hash: 42n })!;
    assert.equal(p.pick({ hash: 42n }), h);
    const retry = p.pick({ hash: 42n, exclude: new Set([h]) });
    assert.equal(p.pick({ hash: 42n, exclude: new Set([h]) }), retry);
  }
});

test('CLUSTER_PROVIDED (ORIGINAL_DST) has no picker: pick() is undefined', () => {
  const c = clusterOf(Cluster_LbPolicy.CLUSTER_PROVIDED, { clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST } });
  const p = createPicker(c, hostSetOf(['a']), { random: zero });
  assert.equal(p.policy, 'CLUSTER_PROVIDED');
  assert.equal(p.pick(), undefined);
});

test('an empty cluster picks nothing', () => {
  for (const policy of [Cluster_LbPolicy.ROUND_ROBIN, Cluster_LbPolicy.RING_HASH, Cluster_LbPolicy.MAGLEV]) {
    assert.equal(createPicker(clusterOf(policy), HostSet.empty(), { random: zero }).pick({ hash: 1n }), undefined);
    assert.equal(createPicker(clusterOf(policy), hostSetOf([]), { random: zero }).pick({ hash: 1n }), undefined);
  }
});
