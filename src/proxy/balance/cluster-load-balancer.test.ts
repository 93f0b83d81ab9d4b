// A cluster's balancer end to end on virtual time: failures eject a host, the picker stops
// choosing it, the interval returns it; endpoint updates keep runtime state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duration } from '../../api/envoy/build.js';
import { ManualClock, seededRandom } from '../../shared/clock.js';
import { ClusterLoadBalancer } from './cluster-load-balancer.js';
import { HostSet } from './host-set.js';
import { addresses, clusterOf, Cluster_LbPolicy, countPicks, loadAssignment } from './testing.js';

test('ejection removes a host from the picker until the interval returns it', () => {
  const clock = new ManualClock();
  const cluster = clusterOf(Cluster_LbPolicy.ROUND_ROBIN, { outlierDetection: { consecutive5xx: 3, interval: duration(5_000), baseEjectionTime: duration(20_000), maxEjectionPercent: 50 } });
  let rebuilds = 0;
  const lb = new ClusterLoadBalancer(cluster, {
    clock,
    random: seededRandom(1),
    hostSet: HostSet.fromClusterLoadAssignment(loadAssignment([{ endpoints: addresses(4) }])),
    onRebuild: () => rebuilds++,
  });
  const bad = lb.hostSet.hosts[2]!;
  for (let i = 0; i < 3; i++) lb.onResult(bad, { status: 503 });
  assert.equal(rebuilds, 1);
  assert.equal(countPicks(lb.picker, 300).get(bad.address), undefined);
  clock.advance(20_000);
  assert.equal(rebuilds, 2);
  assert.equal(countPicks(lb.picker, 400).get(bad.address), 100);
  lb.close();
});

test('an EDS update keeps ejections and active requests of the hosts that stay', () => {
  const clock = new ManualClock();
  const cluster = clusterOf(Cluster_LbPolicy.LEAST_REQUEST, { outlierDetection: { maxEjectionPercent: 100 } });
  const lb = new ClusterLoadBalancer(cluster, { clock, random: seededRandom(2) });
  assert.equal(lb.pick(), undefined);
  lb.updateEndpoints(loadAssignment([{ endpoints: addresses(3) }]));
  const [a, b] = lb.hostSet.hosts;
  for (let i = 0; i < 5; i++) lb.onResult(a!, { localFailure: 'connect' });
  b!.state.activeRequests = 7;
  lb.updateEndpoints(loadAssignment([{ endpoints: [...addresses(3), '10.9.9.9'] }]));
  assert.equal(lb.hostSet.hosts[0]!.state.ejected, true);
  assert.equal(lb.hostSet.hosts[1]!.state.activeRequests, 7);
  assert.equal(countPicks(lb.picker, 500).get(a!.address), undefined);
  lb.close();
  assert.equal(clock.pending, 0);
});
