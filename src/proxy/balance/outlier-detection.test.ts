import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { ManualClock, seededRandom } from '../../shared/clock.js';
import { duration } from '../../api/envoy/build.js';
import { OutlierDetectionSchema } from '../../api/gen/envoy/config/cluster/v3/outlier_detection_pb.js';
import type { Host } from './host.js';
import { OutlierDetector, type OutlierEvent } from './outlier-detection.js';
import { addresses, hostSetOf } from './testing.js';

function setup(n: number, config: MessageInitShape<typeof OutlierDetectionSchema> = {}) {
  const clock = new ManualClock();
  const hosts = hostSetOf(addresses(n)).hosts;
  const changes: string[][] = [];
  const events: OutlierEvent[] = [];
  const detector = new OutlierDetector(create(OutlierDetectionSchema, config), {
    clock,
    random: seededRandom(1),
    onChange: (hs) => changes.push(hs.map((h) => h.address)),
    onEvent: (e) => events.push(e),
  });
  detector.setHosts(hosts);
  return { clock, hosts, detector, changes, events };
}

const fail = (d: OutlierDetector, h: Host, times: number, status = 500) => {
  for (let i = 0; i < times; i++) d.onResult(h, { status });
};

test('5 consecutive 5xx eject a host; the interval timer returns it after base_ejection_time', () => {
  const { clock, hosts, detector, changes } = setup(10);
  const h = hosts[0]!;
  fail(detector, h, 4);
  assert.equal(h.state.ejected, false);
  fail(detector, h, 1);
  assert.equal(h.state.ejected, true);
  assert.deepEqual(changes, [[h.address]]);
  assert.equal(detector.stats.ejections_active, 1);
  assert.equal(detector.stats.ejections_enforced_consecutive_5xx, 1);
  assert.equal(detector.stats.ejections_total, 1);
  assert.equal(h.state.outlier!.consecutive5xx, 0);
  clock.advance(29_999);
  assert.equal(h.state.ejected, true);
  clock.advance(1); // the 30 s interval tick
  assert.equal(h.state.ejected, false);
  assert.equal(detector.stats.ejections_active, 0);
  assert.deepEqual(changes, [[h.address], [h.address]]);
  detector.close();
  assert.equal(clock.pending, 0);
});

test('ejection time grows with repeated ejections and shrinks while the host stays healthy', () => {
  const { clock, hosts, detector } = setup(10);
  const h = hosts[0]!;
  fail(detector, h, 5); // t=0, backoff 1 → 30 s
  clock.advance(30_000);
  assert.equal(h.state.ejected, false);
  clock.advance(1_000);
  fail(detector, h, 5); // t=31 s, backoff 2 → 60 s: out until the tick at 100 s (≥ 91 s)
  assert.equal(h.state.outlier!.ejectTimeBackoff, 2);
  clock.advance(59_000); // t=90 s
  assert.equal(h.state.ejected, true);
  clock.advance(10_000); // t=100 s
  assert.equal(h.state.ejected, false);
  assert.equal(h.state.outlier!.numEjections, 2);
  // Healthy for whole intervals: one step back per interval.
  clock.advance(10_000);
  assert.equal(h.state.outlier!.ejectTimeBackoff, 1);
  clock.advance(10_000);
  assert.equal(h.state.outlier!.ejectTimeBackoff, 0);
  fail(detector, h, 5);
  assert.equal(h.state.outlier!.ejectTimeBackoff, 1);
  detector.close();
});

test('ejection time is capped by max_ejection_time', () => {
  const { clock, hosts, detector } = setup(10, { baseEjectionTime: duration(10_000), maxEjectionTime: duration(25_000), interval: duration(1_000) });
  const h = hosts[0]!;
  for (let i = 0; i < 5; i++) {
    fail(detector, h, 5);
    const start = clock.now();
    while (h.state.ejected) clock.advance(1_000);
    assert.equal(clock.now() - start, Math.min(10_000 * (i + 1), 25_000), `ejection ${i + 1}`);
  }
  detector.close();
});

test('max_ejection_percent: (ejected + 1) / hosts must stay within it', () => {
  const ten = setup(10); // 10 %: one host of ten
  fail(ten.detector, ten.hosts[0]!, 5);
  fail(ten.detector, ten.hosts[1]!, 5);
  assert.deepEqual([ten.hosts[0]!.state.ejected, ten.hosts[1]!.state.ejected], [true, false]);
  assert.equal(ten.detector.stats.ejections_overflow, 1);
  assert.equal(ten.events.at(-1)?.type, 'overflow');
  ten.detector.close();

  // Three hosts at 10 %: one ejection would be 33 %, so none — unless always_eject_one_host.
  const three = setup(3);
  fail(three.detector, three.hosts[0]!, 5);
  assert.equal(three.hosts[0]!.state.ejected, false);
  three.detector.close();
  const always = setup(3, { alwaysEjectOneHost: true });
  fail(always.detector, always.hosts[0]!, 5);
  fail(always.detector, always.hosts[1]!, 5);
  assert.deepEqual([always.hosts[0]!.state.ejected, always.hosts[1]!.state.ejected], [true, false]);
  always.detector.close();

  const half = setup(4, { maxEjectionPercent: 50 });
  for (const h of half.hosts) fail(half.detector, h, 5);
  assert.equal(half.hosts.filter((h) => h.state.ejected).length, 2);
  half.detector.close();
});

test('a non-5xx response resets the consecutive counters', () => {
  const { hosts, detector } = setup(10);
  const h = hosts[0]!;
  fail(detector, h, 4);
  detector.onResult(h, { status: 404 });
  fail(detector, h, 4);
  assert.equal(h.state.ejected, false);
  fail(detector, h, 1);
  assert.equal(h.state.ejected, true);
  detector.close();
});

test('gateway failures are counted but not enforced by default; enforced when configured', () => {
  const dflt = setup(10);
  fail(dflt.detector, dflt.hosts[0]!, 5, 503);
  // Both detectors fire; only consecutive_5xx is enforced.
  assert.equal(dflt.detector.stats.ejections_detected_consecutive_gateway_failure, 1);
  assert.equal(dflt.detector.stats.ejections_enforced_consecutive_gateway_failure, 0);
  assert.equal(dflt.detector.stats.ejections_enforced_consecutive_5xx, 1);
  dflt.detector.close();

  const gw = setup(10, { consecutive5xx: 100, consecutiveGatewayFailure: 3, enforcingConsecutiveGatewayFailure: 100 });
  const h = gw.hosts[0]!;
  fail(gw.detector, h, 2, 502);
  fail(gw.detector, h, 1, 500); // a 500 breaks the gateway streak
  fail(gw.detector, h, 2, 504);
  assert.equal(h.state.ejected, false);
  fail(gw.detector, h, 1, 503);
  assert.equal(h.state.ejected, true);
  assert.equal(gw.detector.stats.ejections_enforced_consecutive_gateway_failure, 1);
  gw.detector.close();
});

test('local-origin failures: 503/504 without the split, their own counter with it', () => {
  const plain = setup(10);
  const h = plain.hosts[0]!;
  for (let i = 0; i < 2; i++) plain.detector.onResult(h, { localFailure: 'connect' });
  for (let i = 0; i < 2; i++) plain.detector.onResult(h, { localFailure: 'reset' });
  plain.detector.onResult(h, { localFailure: 'timeout' });
  assert.equal(h.state.ejected, true);
  plain.detector.close();

  const split = setup(10, { splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 3 });
  const s = split.hosts[0]!;
  split.detector.onResult(s, { localFailure: 'connect' });
  split.detector.onResult(s, { localFailure: 'timeout' });
  split.detector.onResult(s, { status: 500 }); // connected: the local streak ends
  split.detector.onResult(s, { localFailure: 'connect' });
  split.detector.onResult(s, { localFailure: 'reset' });
  assert.equal(s.state.ejected, false);
  assert.equal(s.state.outlier!.consecutive5xx, 1);
  split.detector.onResult(s, { localFailure: 'connect' });
  assert.equal(s.state.ejected, true);
  assert.equal(split.detector.stats.ejections_enforced_consecutive_local_origin_failure, 1);
  split.detector.close();
});

test('enforcing 0 % detects without ejecting', () => {
  const { hosts, detector, events } = setup(10, { enforcingConsecutive5xx: 0 });
  fail(detector, hosts[0]!, 10);
  assert.equal(hosts[0]!.state.ejected, false);
  assert.equal(detector.stats.ejections_detected_consecutive_5xx, 2);
  assert.deepEqual(events.map((e) => e.type === 'eject' && e.enforced), [false, false]);
  detector.close();
});

test('hosts that leave are forgotten; their ejection no longer counts', () => {
  const { hosts, detector } = setup(10, { maxEjectionPercent: 12 });
  fail(detector, hosts[0]!, 5);
  assert.equal(detector.stats.ejections_active, 1);
  detector.setHosts(hosts.slice(1));
  assert.equal(detector.stats.ejections_active, 0);
  fail(detector, hosts[0]!, 5); // ignored
  fail(detector, hosts[1]!, 5);
  assert.equal(hosts[1]!.state.ejected, true);
  detector.close();
});
