// Load balancer settings → cluster lb_policy/lb_config, and consistent hash → route hash policies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, toJson } from '@bufbuild/protobuf';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteAction_HashPolicySchema } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import type { DestinationRuleSpec, LoadBalancerSettings } from '../../api/istio/networking.js';
import { registryOf, sidecarProxy } from '../../../test/helpers/mesh-fixtures.js';
import { defaultMeshConfig } from '../model/mesh.js';
import { buildPushContext } from '../snapshot/build.js';
import { hashPolicyFor as hashPolicyFromCds } from './cds.js';
import { applyGrpcLoadBalancer, applyLoadBalancer, consistentHashFor, hashPolicyFor, hashPolicyOf, usesLocalityWeights } from './lb.js';

function eds(lb: LoadBalancerSettings | undefined, outlier = false): Cluster {
  const c = create(ClusterSchema, { name: 'c', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS }, edsClusterConfig: {}, commonLbConfig: {} });
  applyLoadBalancer(c, lb, outlier);
  return c;
}

const json = (c: Cluster) => toJson(ClusterSchema, c) as Record<string, unknown>;

test('simple: LEAST_CONN and LEAST_REQUEST → LEAST_REQUEST (also the default), RANDOM, ROUND_ROBIN', () => {
  assert.equal(eds(undefined).lbPolicy, Cluster_LbPolicy.LEAST_REQUEST);
  assert.equal(eds({ simple: 'LEAST_CONN' }).lbPolicy, Cluster_LbPolicy.LEAST_REQUEST);
  assert.equal(eds({ simple: 'LEAST_REQUEST' }).lbPolicy, Cluster_LbPolicy.LEAST_REQUEST);
  assert.equal(eds({ simple: 'RANDOM' }).lbPolicy, Cluster_LbPolicy.RANDOM);
  assert.equal(eds({ simple: 'ROUND_ROBIN' }).lbPolicy, Cluster_LbPolicy.ROUND_ROBIN);
});

test('simple PASSTHROUGH: ORIGINAL_DST with the cluster-provided LB and no EDS', () => {
  const c = eds({ simple: 'PASSTHROUGH' });
  assert.deepEqual(c.clusterDiscoveryType, { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST });
  assert.equal(c.lbPolicy, Cluster_LbPolicy.CLUSTER_PROVIDED);
  assert.equal(c.edsClusterConfig, undefined);
});

test('warmupDurationSecs → slow start for ROUND_ROBIN and LEAST_REQUEST', () => {
  assert.deepEqual(json(eds({ simple: 'ROUND_ROBIN', warmupDurationSecs: '60s' })).roundRobinLbConfig, { slowStartConfig: { slowStartWindow: '60s' } });
  assert.deepEqual(json(eds({ warmupDurationSecs: '10s' })).leastRequestLbConfig, { slowStartConfig: { slowStartWindow: '10s' } });
});

test('consistent hash: RING_HASH (1024 by default, minimumRingSize, ringHash) or MAGLEV (tableSize)', () => {
  assert.deepEqual(json(eds({ consistentHash: { httpHeaderName: 'x-user' } })).ringHashLbConfig, { minimumRingSize: '1024' });
  assert.deepEqual(json(eds({ consistentHash: { useSourceIp: true, minimumRingSize: 2048 } })).ringHashLbConfig, { minimumRingSize: '2048' });
  assert.deepEqual(json(eds({ consistentHash: { useSourceIp: true, ringHash: { minimumRingSize: 4096 } } })).ringHashLbConfig, { minimumRingSize: '4096' });
  const maglev = eds({ consistentHash: { useSourceIp: true, maglev: { tableSize: 65537 } } });
  assert.equal(maglev.lbPolicy, Cluster_LbPolicy.MAGLEV);
  assert.deepEqual(json(maglev).maglevLbConfig, { tableSize: '65537' });
  assert.equal(eds({ consistentHash: { useSourceIp: true, maglev: {} } }).lbConfig.case, undefined);
  // consistentHash wins over simple.
  assert.equal(eds({ simple: 'RANDOM', consistentHash: { useSourceIp: true } }).lbPolicy, Cluster_LbPolicy.RING_HASH);
});

test('proxyless gRPC: ROUND_ROBIN or RING_HASH only', () => {
  const grpc = (lb: LoadBalancerSettings | undefined) => {
    const c = create(ClusterSchema, { name: 'c' });
    applyGrpcLoadBalancer(c, lb);
    return c;
  };
  assert.equal(grpc({ simple: 'LEAST_REQUEST' }).lbPolicy, Cluster_LbPolicy.ROUND_ROBIN);
  assert.equal(grpc({ simple: 'RANDOM' }).lbPolicy, Cluster_LbPolicy.ROUND_ROBIN);
  assert.equal(grpc({ consistentHash: { httpHeaderName: 'x', maglev: { tableSize: 7 } } }).lbPolicy, Cluster_LbPolicy.RING_HASH);
  assert.deepEqual(toJson(ClusterSchema, grpc({ consistentHash: { httpHeaderName: 'x', ringHash: { minimumRingSize: 64 } } })), { name: 'c', lbPolicy: 'RING_HASH', ringHashLbConfig: { minimumRingSize: '64' } });
});

test('locality-weighted LB config: with distribute, or failover rules plus outlier detection', () => {
  assert.equal(usesLocalityWeights(undefined, true), false);
  assert.equal(usesLocalityWeights({ localityLbSetting: { distribute: [{ from: 'a/*', to: { 'a/*': 100 } }] } }, false), true);
  assert.equal(usesLocalityWeights({ localityLbSetting: { failover: [{ from: 'a', to: 'b' }] } }, false), false);
  assert.equal(usesLocalityWeights({ localityLbSetting: { failover: [{ from: 'a', to: 'b' }] } }, true), true);
  assert.equal(usesLocalityWeights({ localityLbSetting: { enabled: false, failover: [{ from: 'a', to: 'b' }] } }, true), false);
  assert.deepEqual(json(eds({ localityLbSetting: { failoverPriority: ['topology.istio.io/network'] } }, true)).commonLbConfig, { localityWeightedLbConfig: {} });
});

const hp = (ch: Parameters<typeof hashPolicyOf>[0]) => hashPolicyOf(ch).map((h) => toJson(RouteAction_HashPolicySchema, h));

test('hash policies: header, cookie (name, path, ttl), source IP, query parameter', () => {
  assert.deepEqual(hp({ httpHeaderName: 'x-user' }), [{ header: { headerName: 'x-user' } }]);
  assert.deepEqual(hp({ httpCookie: { name: 'user', path: '/', ttl: '0s' } }), [{ cookie: { name: 'user', path: '/', ttl: '0s' } }]);
  assert.deepEqual(hp({ httpCookie: { name: 'session', ttl: '1h' } }), [{ cookie: { name: 'session', ttl: '3600s' } }]);
  assert.deepEqual(hp({ useSourceIp: true }), [{ connectionProperties: { sourceIp: true } }]);
  assert.deepEqual(hp({ httpQueryParameterName: 'user' }), [{ queryParameter: { name: 'user' } }]);
  assert.deepEqual(hp(undefined), []);
  assert.deepEqual(hp({ ringHash: { minimumRingSize: 10 } }), []);
});

test('which consistent hash applies: subset port level, subset, top port level, top level', () => {
  const spec: DestinationRuleSpec = {
    host: 'reviews',
    trafficPolicy: {
      loadBalancer: { consistentHash: { httpHeaderName: 'top' } },
      portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { consistentHash: { httpHeaderName: 'top-port' } } }],
    },
    subsets: [
      {
        name: 'v1',
        trafficPolicy: {
          loadBalancer: { consistentHash: { httpHeaderName: 'subset' } },
          portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { consistentHash: { httpHeaderName: 'subset-port' } } }],
        },
      },
      { name: 'v2' },
    ],
  };
  assert.equal(consistentHashFor(spec, 9080, 'v1')?.httpHeaderName, 'subset-port');
  assert.equal(consistentHashFor(spec, 8080, 'v1')?.httpHeaderName, 'subset');
  assert.equal(consistentHashFor(spec, 9080, 'v2')?.httpHeaderName, 'top-port');
  assert.equal(consistentHashFor(spec, 8080, '')?.httpHeaderName, 'top');
});

test('hashPolicyFor (also exported by cds.ts): the DestinationRule the proxy sees for the host', () => {
  const push = buildPushContext({
    resources: [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: 'ratings', namespace: 'default' },
        spec: { host: 'ratings', trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: 'user', ttl: '0s' } } } } },
      },
    ],
    registry: registryOf({ name: 'ratings', ports: [[9080, 'HTTP']] }, { name: 'reviews', ports: [[9080, 'HTTP']] }),
    mesh: defaultMeshConfig(),
  });
  const proxy = sidecarProxy('10.0.0.1', 'productpage');
  const policies = hashPolicyFor(push, proxy, 'ratings.default.svc.cluster.local', 9080, '');
  assert.deepEqual(policies.map((h) => toJson(RouteAction_HashPolicySchema, h)), [{ cookie: { name: 'user', ttl: '0s' } }]);
  assert.deepEqual(hashPolicyFromCds(push, proxy, 'reviews.default.svc.cluster.local', 9080, ''), []);
});
