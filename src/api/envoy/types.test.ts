// Every xDS resource type round-trips: typed constructor → Any → bytes → Any → message,
// equal to what was built; JSON (config_dump shape) round-trips through the registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, equals, fromBinary, toBinary, toJson, fromJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { envoyRegistry } from '../gen/registry.js';
import { TypeUrl, pack, packMessage, unpack, roundTrip, RESOURCE_TYPES, pushOrder, typeNameOf } from './types.js';
import { duration, durationMs, httpConnectionManager, socketAddress, HCM_FILTER, ROUTER_FILTER } from './build.js';
import { ListenerSchema } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../gen/envoy/config/route/v3/route_pb.js';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { SecretSchema } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { UpstreamTlsContextSchema } from '../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { HealthStatus } from '../gen/envoy/config/core/v3/health_check_pb.js';
import { HttpConnectionManagerSchema } from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { HTTPFaultSchema } from '../gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { RoutingPriority } from '../gen/envoy/config/core/v3/base_pb.js';

function listener() {
  return create(ListenerSchema, {
    name: '0.0.0.0_9080',
    address: socketAddress('0.0.0.0', 9080),
    filterChains: [
      {
        filterChainMatch: { destinationPort: 9080, applicationProtocols: ['http/1.1', 'h2c'] },
        filters: [
          {
            name: HCM_FILTER,
            configType: {
              case: 'typedConfig',
              value: httpConnectionManager({
                statPrefix: 'outbound_0.0.0.0_9080',
                rds: '9080',
                filters: [
                  {
                    $typeName: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
                    name: 'envoy.filters.http.fault',
                    isOptional: false,
                    disabled: false,
                    configType: { case: 'typedConfig', value: pack(HTTPFaultSchema, { maxActiveFaults: 10 }) },
                  },
                ],
              }),
            },
          },
        ],
      },
      {
        filters: [{ name: 'envoy.filters.network.tcp_proxy', configType: { case: 'typedConfig', value: pack(TcpProxySchema, { statPrefix: 'tcp', clusterSpecifier: { case: 'cluster', value: 'PassthroughCluster' } }) } }],
      },
    ],
  });
}

function routeConfiguration() {
  return create(RouteConfigurationSchema, {
    name: '9080',
    virtualHosts: [
      {
        name: 'reviews.default.svc.cluster.local:9080',
        domains: ['reviews.default.svc.cluster.local', 'reviews', 'reviews:9080'],
        routes: [
          {
            match: { pathSpecifier: { case: 'prefix', value: '/' }, headers: [{ name: 'end-user', headerMatchSpecifier: { case: 'stringMatch', value: { matchPattern: { case: 'exact', value: 'jason' } } } }] },
            action: {
              case: 'route',
              value: {
                clusterSpecifier: {
                  case: 'weightedClusters',
                  value: {
                    clusters: [
                      { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 80 },
                      { name: 'outbound|9080|v3|reviews.default.svc.cluster.local', weight: 20 },
                    ],
                  },
                },
                timeout: duration(500),
                retryPolicy: { retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', numRetries: 2, perTryTimeout: duration(250) },
              },
            },
          },
        ],
      },
    ],
  });
}

function cluster() {
  return create(ClusterSchema, {
    name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { serviceName: 'outbound|9080|v1|reviews.default.svc.cluster.local', edsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } },
    connectTimeout: duration(10_000),
    lbPolicy: Cluster_LbPolicy.LEAST_REQUEST,
    circuitBreakers: { thresholds: [{ priority: RoutingPriority.DEFAULT, maxConnections: 1, maxPendingRequests: 1, maxRequests: 4294967295 }] },
    outlierDetection: { consecutive5xx: 1, interval: duration(1000), baseEjectionTime: duration(180_000), maxEjectionPercent: 100 },
    transportSocket: {
      name: 'envoy.transport_sockets.tls',
      configType: {
        case: 'typedConfig',
        value: pack(UpstreamTlsContextSchema, {
          sni: 'outbound_.9080_.v1_.reviews.default.svc.cluster.local',
          commonTlsContext: { alpnProtocols: ['istio-peer-exchange', 'istio'], tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } }] },
        }),
      },
    },
  });
}

function clusterLoadAssignment() {
  return create(ClusterLoadAssignmentSchema, {
    clusterName: 'outbound|9080|v1|reviews.default.svc.cluster.local',
    endpoints: [
      {
        locality: { region: 'r1', zone: 'z1', subZone: 's1' },
        loadBalancingWeight: 3,
        priority: 0,
        lbEndpoints: [
          { hostIdentifier: { case: 'endpoint', value: { address: socketAddress('127.0.0.2', 9080) } }, healthStatus: HealthStatus.HEALTHY, loadBalancingWeight: 1 },
          { hostIdentifier: { case: 'endpoint', value: { address: socketAddress('127.0.0.3', 9080) } }, healthStatus: HealthStatus.UNHEALTHY },
        ],
      },
      { locality: { zone: 'z2' }, priority: 1, lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socketAddress('127.0.0.4', 9080) } } }] },
    ],
  });
}

function secret() {
  return create(SecretSchema, {
    name: 'default',
    type: {
      case: 'tlsCertificate',
      value: {
        certificateChain: { specifier: { case: 'inlineBytes', value: new TextEncoder().encode('-----BEGIN CERTIFICATE-----\n...') } },
        privateKey: { specifier: { case: 'inlineString', value: '-----BEGIN PRIVATE KEY-----\n...' } },
      },
    },
  });
}

const cases: { typeUrl: string; schema: DescMessage; build: () => MessageShape<DescMessage> }[] = [
  { typeUrl: TypeUrl.Listener, schema: ListenerSchema, build: listener },
  { typeUrl: TypeUrl.RouteConfiguration, schema: RouteConfigurationSchema, build: routeConfiguration },
  { typeUrl: TypeUrl.Cluster, schema: ClusterSchema, build: cluster },
  { typeUrl: TypeUrl.ClusterLoadAssignment, schema: ClusterLoadAssignmentSchema, build: clusterLoadAssignment },
  { typeUrl: TypeUrl.Secret, schema: SecretSchema, build: secret },
];

for (const c of cases) {
  test(`${c.typeUrl.split('.').pop()} round-trips through Any and bytes`, () => {
    const msg = c.build();
    const any = packMessage(c.schema, msg);
    assert.equal(any.typeUrl, c.typeUrl);
    assert.ok(any.value instanceof Uint8Array && any.value.length > 20, 'Any.value holds encoded bytes');
    const wire = toBinary(AnySchema, any);
    const back = fromBinary(AnySchema, wire);
    const decoded = unpack(back, c.schema)!;
    assert.ok(equals(c.schema, decoded, msg), 'decoded message equals the built one');
    assert.ok(equals(c.schema, roundTrip(c.schema, msg), msg));
    // JSON, as config_dump shows it, with nested Anys expanded by the registry.
    const json = toJson(AnySchema, back, { registry: envoyRegistry });
    const fromJ = unpack(fromJson(AnySchema, json, { registry: envoyRegistry }), c.schema)!;
    assert.ok(equals(c.schema, fromJ, msg), 'JSON round-trip is lossless');
  });
}

test('nested Anys are real encoded messages, visible in JSON by their type', () => {
  const l = listener();
  const json = toJson(ListenerSchema, l, { registry: envoyRegistry }) as { filterChains: { filters: { typedConfig: Record<string, unknown> }[] }[] };
  const hcm = json.filterChains[0]!.filters[0]!.typedConfig as { '@type': string; statPrefix: string; httpFilters: { name: string }[]; rds: { routeConfigName: string } };
  assert.equal(hcm['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
  assert.equal(hcm.statPrefix, 'outbound_0.0.0.0_9080');
  assert.deepEqual(hcm.httpFilters.map((f) => f.name), ['envoy.filters.http.fault', ROUTER_FILTER], 'router is last');
  assert.equal(hcm.rds.routeConfigName, '9080');
  const any = l.filterChains[0]!.filters[0]!.configType.value as Any;
  assert.equal(typeNameOf(any), 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
  assert.equal(unpack(any, HttpConnectionManagerSchema)?.statPrefix, 'outbound_0.0.0.0_9080');
});

test('unpacking an Any as the wrong type gives undefined, never a half-filled message', () => {
  const any = pack(ClusterSchema, { name: 'c' });
  assert.equal(unpack(any, ListenerSchema), undefined);
  assert.equal(unpack(any, ClusterSchema)?.name, 'c');
});

test('an unknown enum name in JSON is an error, not silently 0', () => {
  assert.throws(
    () => fromJson(ClusterSchema, { name: 'c', lbPolicy: 'NOT_A_POLICY' }),
    /lbPolicy|lb_policy|enum/i,
  );
  // and a known one maps correctly
  assert.equal(fromJson(ClusterSchema, { name: 'c', lbPolicy: 'MAGLEV' }).lbPolicy, Cluster_LbPolicy.MAGLEV);
});

test('push order is CDS, EDS, LDS, RDS, SDS', () => {
  assert.deepEqual(RESOURCE_TYPES.map((t) => t.short), ['CDS', 'EDS', 'LDS', 'RDS', 'SDS']);
  assert.ok(pushOrder(TypeUrl.Cluster) < pushOrder(TypeUrl.Listener));
  assert.equal(pushOrder('type.googleapis.com/unknown'), RESOURCE_TYPES.length);
  assert.deepEqual(
    RESOURCE_TYPES.map((t) => t.name(cases.find((c) => c.typeUrl === t.typeUrl)!.build() as never)),
    ['outbound|9080|v1|reviews.default.svc.cluster.local', 'outbound|9080|v1|reviews.default.svc.cluster.local', '0.0.0.0_9080', '9080', 'default'],
  );
});

test('durations convert both ways', () => {
  assert.equal(durationMs(duration(1500)), 1500);
  assert.equal(durationMs(duration(0.25)), 0.25);
  assert.equal(durationMs(undefined), undefined);
  assert.throws(() => httpConnectionManager({ statPrefix: 'x' }), /exactly one/);
});
