// Locality load balancing: grouping, failover priorities relative to the proxy, distribute weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson } from '@bufbuild/protobuf';
import { ClusterLoadAssignmentSchema } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { LocalityLoadBalancerSetting } from '../../api/istio/networking.js';
import type { Endpoint, Locality } from '../registry/model.js';
import { buildLoadAssignment, lbPriority, localityMatches, parseLocality, type LocalityLbInput } from './locality.js';

function ep(address: string, locality: string, extra: Partial<Endpoint> = {}): Endpoint {
  return {
    hostname: 'svc.default.svc.cluster.local',
    servicePort: 80,
    address,
    port: 8080,
    labels: {},
    namespace: 'default',
    workloadName: address,
    serviceAccount: 'default',
    locality: parseLocality(locality),
    network: '',
    health: 'HEALTHY',
    weight: 1,
    hasSidecar: true,
    ...extra,
  };
}

const here: Locality = parseLocality('us-west/zone1/a');
const endpoints = [
  ep('10.0.0.6', 'eu-west/zone1/a'),
  ep('10.0.0.1', 'us-west/zone1/a'),
  ep('10.0.0.2', 'us-west/zone1/b'),
  ep('10.0.0.3', 'us-west/zone2/a'),
  ep('10.0.0.4', 'us-east/zone1/a'),
  ep('10.0.0.5', 'us-west/zone1/a', { weight: 3 }),
];

/** [locality, priority, weight] per LocalityLbEndpoints. */
function summary(input: LocalityLbInput | undefined, eps = endpoints): [string, number, number][] {
  const cla = buildLoadAssignment('c', eps, input);
  return cla.endpoints.map((l) => [`${l.locality!.region}/${l.locality!.zone}/${l.locality!.subZone}`, l.priority, l.loadBalancingWeight!]);
}

test('Istio locality match levels: 0 subzone, 1 zone, 2 region, 3 elsewhere', () => {
  assert.equal(lbPriority(here, parseLocality('us-west/zone1/a')), 0);
  assert.equal(lbPriority(here, parseLocality('us-west/zone1/b')), 1);
  assert.equal(lbPriority(here, parseLocality('us-west/zone2/a')), 2);
  assert.equal(lbPriority(here, parseLocality('us-east/zone1/a')), 3);
  assert.ok(localityMatches(here, 'us-west/*'));
  assert.ok(localityMatches(here, 'us-west'));
  assert.ok(!localityMatches(here, 'us-west/zone2/*'));
});

test('no locality LB: one priority, localities sorted, weights summed', () => {
  assert.deepEqual(summary(undefined), [
    ['eu-west/zone1/a', 0, 1],
    ['us-east/zone1/a', 0, 1],
    ['us-west/zone1/a', 0, 4],
    ['us-west/zone1/b', 0, 1],
    ['us-west/zone2/a', 0, 1],
  ]);
});

test('default failover (enabled, outlier detection): priorities by match level, renumbered without gaps', () => {
  assert.deepEqual(summary({ locality: here, labels: {}, setting: { enabled: true }, outlierDetection: true }), [
    ['us-west/zone1/a', 0, 4],
    ['us-west/zone1/b', 1, 1],
    ['us-west/zone2/a', 2, 1],
    ['eu-west/zone1/a', 3, 1],
    ['us-east/zone1/a', 3, 1],
  ]);
});

test('failover needs outlier detection', () => {
  assert.deepEqual(
    summary({ locality: here, labels: {}, setting: { failover: [{ from: 'us-west', to: 'us-east' }] }, outlierDetection: false }).map((s) => s[1]),
    [0, 0, 0, 0, 0],
  );
});

test('failover from → to: other regions after the named one', () => {
  assert.deepEqual(summary({ locality: here, labels: {}, setting: { failover: [{ from: 'us-west', to: 'us-east' }] }, outlierDetection: true }), [
    ['us-west/zone1/a', 0, 4],
    ['us-west/zone1/b', 1, 1],
    ['us-west/zone2/a', 2, 1],
    ['us-east/zone1/a', 3, 1],
    ['eu-west/zone1/a', 4, 1],
  ]);
});

test('failoverPriority: localities split by how many labels (in order) match the proxy', () => {
  const eps = [
    ep('10.0.1.1', 'r/z/a', { labels: { network: 'n1', tier: 'gold' } }),
    ep('10.0.1.2', 'r/z/a', { labels: { network: 'n1', tier: 'silver' } }),
    ep('10.0.1.3', 'r/z/a', { labels: { network: 'n2', tier: 'gold' } }),
  ];
  const input: LocalityLbInput = { locality: parseLocality('r/z/a'), labels: { network: 'n1', tier: 'gold' }, setting: { failoverPriority: ['network', 'tier'] }, outlierDetection: true };
  const cla = buildLoadAssignment('c', eps, input);
  assert.deepEqual(
    cla.endpoints.map((l) => [l.priority, l.lbEndpoints.map((e) => (e.hostIdentifier.case === 'endpoint' && e.hostIdentifier.value.address?.address.case === 'socketAddress' ? e.hostIdentifier.value.address.address.value.address : ''))]),
    [
      [0, ['10.0.1.1']],
      [1, ['10.0.1.2']],
      [2, ['10.0.1.3']],
    ],
  );
  // `label=value` overrides the proxy's value.
  const over = buildLoadAssignment('c', eps, { ...input, setting: { failoverPriority: ['network=n2'] } });
  assert.deepEqual(over.endpoints.map((l) => [l.priority, l.lbEndpoints.length]), [
    [0, 1],
    [1, 2],
  ]);
});

test('distribute: the first rule whose from matches the proxy re-weights; unnamed localities are dropped', () => {
  const setting: LocalityLoadBalancerSetting = {
    distribute: [
      { from: 'eu-west/*', to: { 'eu-west/*': 100 } },
      { from: 'us-west/zone1/*', to: { 'us-west/zone1/*': 80, 'us-east/*': 20 } },
    ],
  };
  // us-west/zone1/a (weight 4) and us-west/zone1/b (1) share 80 by their weights: ceil(64), ceil(16).
  assert.deepEqual(summary({ locality: here, labels: {}, setting, outlierDetection: false }), [
    ['us-east/zone1/a', 0, 20],
    ['us-west/zone1/a', 0, 64],
    ['us-west/zone1/b', 0, 16],
  ]);
});

test('endpoints carry health and weight; every locality has a weight', () => {
  const cla = buildLoadAssignment('c', [ep('10.0.0.2', '', { health: 'DRAINING', weight: 5 }), ep('10.0.0.1', '', { health: 'UNHEALTHY', weight: 0 })], undefined);
  assert.deepEqual(toJson(ClusterLoadAssignmentSchema, cla), {
    clusterName: 'c',
    endpoints: [
      {
        locality: {},
        lbEndpoints: [
          { endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 8080 } } }, healthStatus: 'UNHEALTHY', loadBalancingWeight: 1 },
          { endpoint: { address: { socketAddress: { address: '10.0.0.2', portValue: 8080 } } }, healthStatus: 'DRAINING', loadBalancingWeight: 5 },
        ],
        loadBalancingWeight: 6,
      },
    ],
  });
});
