import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { ClusterSchema, Cluster_LbPolicy } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { HostSet } from './host-set.js';
import { lbConfigOf, validateLbConfig } from './lb-config.js';
import { HealthStatus, loadAssignment } from './testing.js';

test('hosts grouped by priority (no gaps) and locality, with weights, health and metadata', () => {
  const cla = loadAssignment(
    [
      { locality: { region: 'eu', zone: 'a' }, weight: 3, endpoints: [{ address: '10.0.0.1', port: 8080, weight: 2 }, { address: 'fd00::1', port: 9090, health: HealthStatus.DRAINING }] },
      { locality: { region: 'us' }, priority: 2, endpoints: ['10.0.1.1'] },
    ],
    { overprovisioningFactor: 200 },
  );
  cla.endpoints[0]!.lbEndpoints[0]!.metadata = { $typeName: 'envoy.config.core.v3.Metadata', filterMetadata: { istio: { workload: 'reviews-v1' } }, typedFilterMetadata: {} };
  const hs = HostSet.fromClusterLoadAssignment(cla);
  assert.equal(hs.priorities.length, 3);
  assert.deepEqual(hs.priorities[1], { priority: 1, localities: [], hosts: [] });
  assert.equal(hs.overprovisioningFactor, 200);
  const [a, b] = hs.priorities[0]!.hosts;
  assert.deepEqual(
    { key: a!.key, weight: a!.weight, health: a!.health, locality: a!.locality, metadata: a!.metadata },
    { key: '10.0.0.1:8080', weight: 2, health: 'HEALTHY', locality: { region: 'eu', zone: 'a', subZone: '' }, metadata: { istio: { workload: 'reviews-v1' } } },
  );
  assert.equal(b!.key, '[fd00::1]:9090');
  assert.equal(b!.health, 'DRAINING');
  assert.equal(hs.priorities[0]!.localities[0]!.weight, 3);
  assert.equal(hs.priorities[2]!.localities[0]!.weight, 0);
  assert.equal(hs.hosts.length, 3);
});

test('the local locality comes first', () => {
  const cla = loadAssignment([
    { locality: { zone: 'a' }, endpoints: ['10.0.0.1'] },
    { locality: { zone: 'b' }, endpoints: ['10.0.0.2'] },
  ]);
  const hs = HostSet.fromClusterLoadAssignment(cla, { region: '', zone: 'b', subZone: '' });
  assert.deepEqual(hs.hosts.map((h) => h.address), ['10.0.0.2', '10.0.0.1']);
});

test('an update keeps unchanged hosts and the runtime state of changed ones', () => {
  const first = HostSet.fromClusterLoadAssignment(loadAssignment([{ endpoints: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] }]));
  const [h1, h2] = first.hosts;
  h1!.state.activeRequests = 4;
  h2!.state.ejected = true;
  const second = HostSet.fromClusterLoadAssignment(loadAssignment([{ endpoints: ['10.0.0.1', { address: '10.0.0.2', weight: 5 }, '10.0.0.4'] }]), undefined, first);
  assert.equal(second.hosts[0], h1);
  assert.notEqual(second.hosts[1], h2);
  assert.equal(second.hosts[1]!.weight, 5);
  assert.equal(second.hosts[1]!.state, h2!.state);
  assert.equal(second.hosts[2]!.state.activeRequests, 0);
});

test('fromStatic reads an inline load_assignment', () => {
  assert.equal(HostSet.fromStatic(undefined).hosts.length, 0);
  assert.equal(HostSet.fromStatic(loadAssignment([{ endpoints: ['10.0.0.1'] }])).hosts[0]!.key, '10.0.0.1:80');
});

test('lb config: defaults, and what Envoy would reject', () => {
  const c = lbConfigOf(create(ClusterSchema, { name: 'c', lbPolicy: Cluster_LbPolicy.LEAST_REQUEST }));
  assert.deepEqual(
    { policy: c.policy, panic: c.healthyPanicThreshold, lr: c.leastRequest, ring: [c.ringHash.minimumRingSize, c.ringHash.maximumRingSize], maglev: c.maglevTableSize, locality: c.localityWeighted },
    { policy: 'LEAST_REQUEST', panic: 50, lr: { choiceCount: 2, activeRequestBias: 1 }, ring: [1024, 8388608], maglev: 65537, locality: false },
  );
  const bad = create(ClusterSchema, { name: 'bad', lbPolicy: Cluster_LbPolicy.MAGLEV, lbConfig: { case: 'maglevLbConfig', value: { tableSize: 1000n } } });
  assert.deepEqual(validateLbConfig(bad), ['maglev_lb_config.table_size: 1000 must be a prime ≤ 5000011']);
  assert.equal(lbConfigOf(bad).maglevTableSize, 65537);
  const ring = create(ClusterSchema, { name: 'r', lbPolicy: Cluster_LbPolicy.RING_HASH, lbConfig: { case: 'ringHashLbConfig', value: { minimumRingSize: 4096n, maximumRingSize: 2048n } } });
  assert.deepEqual(validateLbConfig(ring), ['ring_hash_lb_config: minimum_ring_size (4096) > maximum_ring_size (2048)']);
  assert.deepEqual(validateLbConfig(create(ClusterSchema, { name: 'x', lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED })), ['lb_policy: CLUSTER_PROVIDED needs an ORIGINAL_DST cluster']);
  assert.deepEqual(validateLbConfig(create(ClusterSchema, { name: 'x', lbPolicy: Cluster_LbPolicy.LOAD_BALANCING_POLICY_CONFIG })), ['lb_policy: LOAD_BALANCING_POLICY_CONFIG is not supported']);
});
