// EDS: one load assignment per EDS cluster CDS builds, subsets narrowed by labels,
// priorities relative to the proxy's locality, and what proxyless gRPC requires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { toBinary } from '@bufbuild/protobuf';
import { Cluster_DiscoveryType } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Resource } from '../../api/istio/meta.js';
import type { DestinationRuleSpec } from '../../api/istio/networking.js';
import { sidecarProxy } from '../../../test/helpers/mesh-fixtures.js';
import { defaultMeshConfig } from '../model/mesh.js';
import type { Proxy } from '../model/proxy.js';
import type { Endpoint, Service } from '../registry/model.js';
import { StaticRegistry } from '../registry/static.js';
import { buildPushContext } from '../snapshot/build.js';
import type { PushContext } from '../snapshot/push-context.js';
import { buildClusters } from './cds.js';
import { buildEndpoints } from './eds.js';
import { parseLocality } from './locality.js';

function service(name: string, resolution: Service['resolution'] = 'STATIC'): Service {
  const hostname = `${name}.default.svc.cluster.local`;
  return { hostname, namespace: 'default', name, ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }], addresses: [], resolution, meshExternal: false, exportTo: ['*'], labels: {}, origin: { kind: 'Service', namespace: 'default', name } };
}

function ep(name: string, address: string, version: string, locality: string): Endpoint {
  return {
    hostname: `${name}.default.svc.cluster.local`,
    servicePort: 9080,
    address,
    port: 9080,
    labels: { app: name, version },
    namespace: 'default',
    workloadName: `${name}-${version}`,
    serviceAccount: name,
    locality: parseLocality(locality),
    network: '',
    health: 'HEALTHY',
    weight: 1,
    hasSidecar: true,
  };
}

const endpoints = [
  ep('reviews', '10.1.0.21', 'v1', 'us-west/zone1/a'),
  ep('reviews', '10.1.0.22', 'v2', 'us-west/zone2/a'),
  ep('reviews', '10.1.0.23', 'v3', 'us-east/zone1/a'),
  ep('reviews', '10.1.0.24', 'v1', 'us-east/zone1/a'),
];

function dr(spec: DestinationRuleSpec): Resource {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'default' }, spec };
}

function pushOf(resources: Resource[], services: Service[] = [service('reviews'), service('external', 'DNS')]): PushContext {
  return buildPushContext({ resources, registry: new StaticRegistry(services, endpoints), mesh: defaultMeshConfig() });
}

const proxy: Proxy = { ...sidecarProxy('10.1.0.10', 'productpage'), locality: parseLocality('us-west/zone1/a') };
const subsets = [
  { name: 'v1', labels: { version: 'v1' } },
  { name: 'v2', labels: { version: 'v2' } },
];

const addresses = (cla: ClusterLoadAssignment) =>
  cla.endpoints.map((l) => [l.priority, l.lbEndpoints.map((e) => (e.hostIdentifier.case === 'endpoint' && e.hostIdentifier.value.address?.address.case === 'socketAddress' ? e.hostIdentifier.value.address.address.value.address : '?')).join(',')]);

test('one load assignment per EDS cluster CDS builds, sorted by name; DNS clusters have none', () => {
  const push = pushOf([dr({ host: 'reviews', subsets })]);
  const eds = buildEndpoints(push, proxy).map((c) => c.clusterName);
  const edsClusters = buildClusters(push, proxy)
    .filter((c) => c.clusterDiscoveryType.case === 'type' && c.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS)
    .map((c) => c.name);
  assert.deepEqual(eds, edsClusters);
  assert.deepEqual(eds, ['outbound|9080|v1|reviews.default.svc.cluster.local', 'outbound|9080|v2|reviews.default.svc.cluster.local', 'outbound|9080||reviews.default.svc.cluster.local']);
});

test('subset clusters hold only the endpoints whose labels match the subset', () => {
  const byName = new Map(buildEndpoints(pushOf([dr({ host: 'reviews', subsets })]), proxy).map((c) => [c.clusterName, c]));
  assert.deepEqual(addresses(byName.get('outbound|9080|v1|reviews.default.svc.cluster.local')!), [
    [0, '10.1.0.24'],
    [0, '10.1.0.21'],
  ]);
  assert.deepEqual(addresses(byName.get('outbound|9080|v2|reviews.default.svc.cluster.local')!), [[0, '10.1.0.22']]);
  assert.equal(addresses(byName.get('outbound|9080||reviews.default.svc.cluster.local')!).length, 3);
});

test('clusterNames narrows the output', () => {
  const push = pushOf([dr({ host: 'reviews', subsets })]);
  assert.deepEqual(buildEndpoints(push, proxy, ['outbound|9080|v2|reviews.default.svc.cluster.local', 'nope']).map((c) => c.clusterName), ['outbound|9080|v2|reviews.default.svc.cluster.local']);
});

test('outlier detection turns on failover priorities relative to the proxy; a subset inherits it', () => {
  const push = pushOf([dr({ host: 'reviews', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 } }, subsets })]);
  const byName = new Map(buildEndpoints(push, proxy).map((c) => [c.clusterName, c]));
  assert.deepEqual(addresses(byName.get('outbound|9080||reviews.default.svc.cluster.local')!), [
    [0, '10.1.0.21'],
    [1, '10.1.0.22'],
    [2, '10.1.0.23,10.1.0.24'],
  ]);
  assert.deepEqual(addresses(byName.get('outbound|9080|v1|reviews.default.svc.cluster.local')!), [
    [0, '10.1.0.21'],
    [1, '10.1.0.24'],
  ]);
});

test('simple PASSTHROUGH makes the cluster ORIGINAL_DST: no load assignment', () => {
  const push = pushOf([dr({ host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH' } }, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }] })]);
  assert.deepEqual(buildEndpoints(push, proxy).map((c) => c.clusterName), ['outbound|9080|v1|reviews.default.svc.cluster.local']);
});

interface GrpcEdsDecoder {
  decode(ctx: object, resource: { type_url: string; value: Buffer }): { error?: string };
}

test("grpc proxy: every locality weighted, priorities contiguous; passes @grpc/grpc-js-xds's validation", () => {
  const load = createRequire(import.meta.url);
  (load('@grpc/grpc-js-xds') as { register(): void }).register();
  const edsType = (load('@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type.js') as { EndpointResourceType: { get(): GrpcEdsDecoder } }).EndpointResourceType.get();
  const grpc: Proxy = { ...proxy, type: 'grpc' };
  const push = pushOf([dr({ host: 'reviews', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 }, loadBalancer: { localityLbSetting: { failover: [{ from: 'us-west', to: 'us-east' }] } } }, subsets })]);
  const all = buildEndpoints(push, grpc);
  assert.deepEqual(all.map((c) => c.clusterName), ['outbound|9080|v1|reviews.default.svc.cluster.local', 'outbound|9080|v2|reviews.default.svc.cluster.local', 'outbound|9080||reviews.default.svc.cluster.local']);
  for (const cla of all) {
    for (const l of cla.endpoints) assert.ok(l.loadBalancingWeight && l.loadBalancingWeight > 0 && l.locality, `${cla.clusterName}: locality without weight`);
    const r = edsType.decode({}, { type_url: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', value: Buffer.from(toBinary(ClusterLoadAssignmentSchema, cla)) });
    assert.equal(r.error, undefined, `${cla.clusterName}: ${r.error}`);
  }
});
