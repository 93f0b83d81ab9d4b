// CDS: which clusters each kind of proxy gets, and the settings a DestinationRule puts on
// them. Full outputs are in the golden cases (test/golden/cases/cds-*); these pin the rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { toBinary, toJson } from '@bufbuild/protobuf';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { UpstreamTlsContextSchema } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { unpack } from '../../api/envoy/types.js';
import { envoyRegistry } from '../../api/gen/registry.js';
import type { Resource } from '../../api/istio/meta.js';
import type { DestinationRuleSpec } from '../../api/istio/networking.js';
import { registryOf, routerProxy, sidecarProxy, type SvcSpec } from '../../../test/helpers/mesh-fixtures.js';
import { defaultMeshConfig } from '../model/mesh.js';
import type { Proxy } from '../model/proxy.js';
import { buildPushContext } from '../snapshot/build.js';
import { buildClusters, HTTP_PROTOCOL_OPTIONS } from './cds.js';

const bookinfo: SvcSpec[] = [
  { name: 'productpage', ports: [[9080, 'HTTP']], pods: [{ ip: '10.1.0.10' }] },
  { name: 'reviews', ports: [[9080, 'HTTP']], pods: [{ ip: '10.1.0.21', labels: { version: 'v1' } }, { ip: '10.1.0.22', labels: { version: 'v2' }, sa: 'reviews-v2' }] },
  { name: 'echo', ports: [[7070, 'GRPC'], [9000, 'UNKNOWN']], pods: [{ ip: '10.1.0.30' }] },
];

function dr(name: string, spec: DestinationRuleSpec, namespace = 'default'): Resource {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace }, spec };
}

function clusters(proxy: Proxy, resources: Resource[] = []) {
  const push = buildPushContext({ resources, registry: registryOf(...bookinfo), mesh: defaultMeshConfig() });
  return buildClusters(push, proxy);
}

const productpage = sidecarProxy('10.1.0.10', 'productpage');
const grpcProxy: Proxy = { ...sidecarProxy('10.1.0.99', 'client'), type: 'grpc', id: 'client-1' };

test('sidecar: outbound per service port and subset, inbound, passthrough and blackhole; sorted by name', () => {
  const names = clusters(productpage, [dr('reviews', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] })]).map((c) => c.name);
  assert.deepEqual(names, [
    'BlackHoleCluster',
    'InboundPassthroughClusterIpv4',
    'PassthroughCluster',
    'inbound|9080||',
    'outbound|7070||echo.default.svc.cluster.local',
    'outbound|9000||echo.default.svc.cluster.local',
    'outbound|9080|v1|reviews.default.svc.cluster.local',
    'outbound|9080|v2|reviews.default.svc.cluster.local',
    'outbound|9080||productpage.default.svc.cluster.local',
    'outbound|9080||reviews.default.svc.cluster.local',
  ]);
});

test('router: outbound clusters and BlackHoleCluster only', () => {
  const names = clusters(routerProxy('10.1.0.100', { istio: 'ingressgateway' })).map((c) => c.name);
  assert.deepEqual(names, ['BlackHoleCluster', 'outbound|7070||echo.default.svc.cluster.local', 'outbound|9000||echo.default.svc.cluster.local', 'outbound|9080||productpage.default.svc.cluster.local', 'outbound|9080||reviews.default.svc.cluster.local']);
});

test('outbound EDS cluster: ADS, its own name as service name, Istio defaults', () => {
  const c = clusters(productpage).find((x) => x.name === 'outbound|9080||reviews.default.svc.cluster.local')!;
  assert.deepEqual(c.clusterDiscoveryType, { case: 'type', value: Cluster_DiscoveryType.EDS });
  assert.equal(c.edsClusterConfig?.serviceName, c.name);
  assert.equal(c.edsClusterConfig?.edsConfig?.configSourceSpecifier.case, 'ads');
  assert.equal(c.lbPolicy, Cluster_LbPolicy.LEAST_REQUEST);
  assert.equal(c.connectTimeout?.seconds, 10n);
  assert.equal(c.circuitBreakers?.thresholds[0]?.maxConnections, 4294967295);
  assert.equal(c.outlierDetection, undefined);
  assert.equal(c.transportSocket, undefined);
});

test('upstream protocol: h2 for gRPC ports, the client protocol for unnamed ports on sidecars', () => {
  const all = clusters(productpage);
  const options = (name: string) => {
    const c = toJson(ClusterSchema, all.find((x) => x.name === name)!, { registry: envoyRegistry }) as { typedExtensionProtocolOptions?: Record<string, Record<string, unknown>> };
    return c.typedExtensionProtocolOptions?.[HTTP_PROTOCOL_OPTIONS];
  };
  assert.deepEqual(options('outbound|7070||echo.default.svc.cluster.local')?.explicitHttpConfig, { http2ProtocolOptions: {} });
  assert.deepEqual(options('outbound|9000||echo.default.svc.cluster.local')?.useDownstreamProtocolConfig, { httpProtocolOptions: {}, http2ProtocolOptions: {} });
  assert.equal(options('outbound|9080||reviews.default.svc.cluster.local'), undefined);
  // Gateways do not follow the client on unnamed ports (Istio's setUpstreamProtocol).
  const gw = buildClusters(buildPushContext({ resources: [], registry: registryOf(...bookinfo), mesh: defaultMeshConfig() }), routerProxy('10.1.0.100', {}));
  assert.deepEqual(gw.find((c) => c.name === 'outbound|9000||echo.default.svc.cluster.local')?.typedExtensionProtocolOptions, {});
});

test('ISTIO_MUTUAL: SDS default/ROOTCA, SNI outbound_.port_.subset_.host, SANs from the service accounts of all the service\'s endpoints', () => {
  const c = clusters(productpage, [dr('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }] })]).find(
    (x) => x.name === 'outbound|9080|v1|reviews.default.svc.cluster.local',
  )!;
  const tls = unpack(c.transportSocket!.configType.value!, UpstreamTlsContextSchema)!;
  assert.equal(tls.sni, 'outbound_.9080_.v1_.reviews.default.svc.cluster.local');
  assert.deepEqual(tls.commonTlsContext?.alpnProtocols, ['istio-peer-exchange', 'istio']);
  assert.deepEqual(tls.commonTlsContext?.tlsCertificateSdsSecretConfigs.map((s) => s.name), ['default']);
  const v = tls.commonTlsContext?.validationContextType;
  assert.equal(v?.case, 'combinedValidationContext');
  assert.equal(v.value.validationContextSdsSecretConfig?.name, 'ROOTCA');
  assert.deepEqual(
    v.value.defaultValidationContext?.matchSubjectAltNames.map((m) => m.matchPattern.value),
    ['spiffe://cluster.local/ns/default/sa/bookinfo-reviews', 'spiffe://cluster.local/ns/default/sa/reviews-v2'],
  );
});

test('grpc proxy: EDS clusters only, ROUND_ROBIN unless hashing', () => {
  const all = clusters(grpcProxy, [dr('echo', { host: 'echo', trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } })]);
  assert.deepEqual(all.map((c) => c.name), ['outbound|7070||echo.default.svc.cluster.local', 'outbound|9000||echo.default.svc.cluster.local', 'outbound|9080||productpage.default.svc.cluster.local', 'outbound|9080||reviews.default.svc.cluster.local']);
  for (const c of all) {
    assert.equal(c.lbPolicy, Cluster_LbPolicy.ROUND_ROBIN);
    assert.deepEqual(c.clusterDiscoveryType, { case: 'type', value: Cluster_DiscoveryType.EDS });
  }
});

interface GrpcCdsDecoder {
  decode(ctx: object, resource: { type_url: string; value: Buffer }): { error?: string; value?: { lbPolicyConfig: unknown[]; maxConcurrentRequests?: number; securityUpdate?: { subjectAltNameMatchers: unknown[] } } };
}

test("grpc proxy clusters pass @grpc/grpc-js-xds's Cluster validation (ring hash, maglev, circuit breaker, ISTIO_MUTUAL)", () => {
  const load = createRequire(import.meta.url);
  (load('@grpc/grpc-js-xds') as { register(): void }).register();
  const cdsType = (load('@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type.js') as { ClusterResourceType: { get(): GrpcCdsDecoder } }).ClusterResourceType.get();
  const all = clusters(grpcProxy, [
    dr('echo', {
      host: 'echo',
      trafficPolicy: {
        loadBalancer: { consistentHash: { httpHeaderName: 'x-user', maglev: { tableSize: 65537 } } },
        connectionPool: { http: { http2MaxRequests: 100 }, tcp: { maxConnections: 5 } },
        outlierDetection: { consecutive5xxErrors: 5 },
        tls: { mode: 'ISTIO_MUTUAL' },
      },
    }),
    dr('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'SIMPLE' } }, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { consistentHash: { ringHash: { minimumRingSize: 64 }, useSourceIp: true } } } }] }),
  ]);
  const ctx = { bootstrap: { certificateProviders: { default: {} } }, server: {} };
  for (const c of all) {
    const r = cdsType.decode(ctx, { type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', value: Buffer.from(toBinary(ClusterSchema, c)) });
    assert.equal(r.error, undefined, `${c.name}: ${r.error}`);
  }
  const echo = cdsType.decode(ctx, { type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', value: Buffer.from(toBinary(ClusterSchema, all[0]!)) }).value!;
  assert.equal(echo.maxConcurrentRequests, 100);
  assert.equal(echo.securityUpdate?.subjectAltNameMatchers.length, 1);
  assert.deepEqual(echo.lbPolicyConfig, [{ ring_hash: { min_ring_size: 1024, max_ring_size: 8388608 } }]);
  // SIMPLE TLS needs files or SDS, which proxyless gRPC cannot use: not sent.
  assert.equal(all.find((c) => c.name === 'outbound|9080||reviews.default.svc.cluster.local')?.transportSocket, undefined);
});

test('deterministic: the same inputs give the same bytes', () => {
  const resources = [dr('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, outlierDetection: { consecutive5xxErrors: 1 } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }] })];
  const a = clusters(productpage, resources).map((c) => toBinary(ClusterSchema, c));
  const b = clusters(productpage, resources).map((c) => toBinary(ClusterSchema, c));
  assert.deepEqual(a, b);
});
