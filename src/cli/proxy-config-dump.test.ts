// istioctl's proxy-config tables from an Envoy config_dump, the admin /clusters text and the
// control plane's per-proxy view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterCells,
  clusterRows,
  describeDomains,
  endpointRowsFromClustersText,
  endpointRowsFromDump,
  fromControlPlaneView,
  listenerCells,
  listenerRows,
  routeCells,
  routeRows,
  secretRows,
  secretsOf,
} from './proxy-config-dump.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const DR = '/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews';

// What the control plane's /debug/config_dump answers for a sidecar (trimmed).
const view = {
  CDS: [
    { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', type: 'EDS', metadata: { filterMetadata: { istio: { config: DR, subset: 'v1' } } } },
    { name: 'BlackHoleCluster', type: 'STATIC' },
    { name: 'inbound|9080||', loadAssignment: { clusterName: 'inbound|9080||', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.9.1', portValue: 9080 } } } }] }] } },
    { name: 'outbound|9080||reviews.default.svc.cluster.local', type: 'EDS', metadata: { filterMetadata: { istio: { config: DR } } } },
  ],
  LDS: [
    { name: 'virtualOutbound', address: { socketAddress: { address: '0.0.0.0', portValue: 15001 } }, filterChains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typedConfig: { '@type': TCP, cluster: 'PassthroughCluster' } }] }] },
    {
      name: 'virtualInbound',
      address: { socketAddress: { address: '0.0.0.0', portValue: 15006 } },
      filterChains: [
        { filterChainMatch: { destinationPort: 9080, transportProtocol: 'raw_buffer' }, filters: [{ name: 'envoy.filters.network.http_connection_manager', typedConfig: { '@type': HCM, routeConfig: { name: 'inbound|9080||', virtualHosts: [{ name: 'inbound|http|9080', domains: ['*'], routes: [{ match: { prefix: '/' } }] }] } } }] },
        { filters: [{ name: 'envoy.filters.network.tcp_proxy', typedConfig: { '@type': TCP, cluster: 'InboundPassthroughClusterIpv4' } }] },
      ],
    },
    { name: '0.0.0.0_9080', address: { socketAddress: { address: '0.0.0.0', portValue: 9080 } }, filterChains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typedConfig: { '@type': HCM, rds: { routeConfigName: '9080' } } }] }] },
  ],
  RDS: [
    {
      name: '9080',
      virtualHosts: [
        {
          name: 'reviews.default.svc.cluster.local:9080',
          domains: ['reviews.default.svc.cluster.local', 'reviews.default.svc.cluster.local:9080', 'reviews', 'reviews:9080', 'reviews.default'],
          routes: [
            { match: { prefix: '/', headers: [{ name: 'end-user' }] }, metadata: { filterMetadata: { istio: { config: '/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews' } } } },
            { match: { path: '/exact' } },
          ],
        },
      ],
    },
  ],
  EDS: [{ clusterName: 'outbound|9080|v1|reviews.default.svc.cluster.local', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.6.1', portValue: 9080 } } }, healthStatus: 'UNHEALTHY' }] }] }],
  SDS: [],
};
const dump = fromControlPlaneView(view);

test("clusters: istioctl's columns, sorted, with the DestinationRule as name.namespace", () => {
  assert.deepEqual(clusterRows(dump).map(clusterCells), [
    ['BlackHoleCluster', '-', '-', '-', 'STATIC', '-'],
    ['inbound|9080||', '9080', '-', 'inbound', 'STATIC', '-'],
    ['reviews.default.svc.cluster.local', '9080', '-', 'outbound', 'EDS', 'reviews.default'],
    ['reviews.default.svc.cluster.local', '9080', 'v1', 'outbound', 'EDS', 'reviews.default'],
  ]);
});

test('listeners: one row per filter chain with its match and destination', () => {
  assert.deepEqual(listenerRows(dump).map(listenerCells), [
    ['0.0.0.0', '9080', 'ALL', 'Route: 9080'],
    ['0.0.0.0', '15001', 'ALL', 'PassthroughCluster'],
    ['0.0.0.0', '15006', 'Addr: *:9080; Trans: raw_buffer', 'Inline Route: inbound|9080||'],
    ['0.0.0.0', '15006', 'ALL', 'Cluster: InboundPassthroughClusterIpv4'],
  ]);
});

test('routes: RDS and inline route configurations, with the VirtualService that made each route', () => {
  assert.deepEqual(routeRows(dump).map(routeCells), [
    ['9080', 'reviews.default.svc.cluster.local:9080', 'reviews + 2 more...', '/* (headers: end-user)', 'reviews.default'],
    ['9080', 'reviews.default.svc.cluster.local:9080', 'reviews + 2 more...', '/exact', '-'],
    ['inbound|9080||', 'inbound|http|9080', '*', '/*', '-'],
  ]);
  assert.equal(describeDomains(['a.b:80', 'a.b']), 'a.b');
  assert.equal(describeDomains(['*']), '*');
});

test('endpoints from the admin /clusters text, and from EDS when only the control plane answers', () => {
  const text = [
    'outbound|9080||reviews.default.svc.cluster.local::default_priority::max_connections::1024',
    'outbound|9080||reviews.default.svc.cluster.local::127.0.6.2:9080::health_flags::healthy',
    'outbound|9080||reviews.default.svc.cluster.local::127.0.6.1:9080::health_flags::/failed_outlier_check',
    'outbound|9080||reviews.default.svc.cluster.local::[::1]:9080::health_flags::healthy',
  ].join('\n');
  assert.deepEqual(endpointRowsFromClustersText(text), [
    { endpoint: '127.0.6.1:9080', status: 'UNHEALTHY', outlierCheck: 'FAILED', cluster: 'outbound|9080||reviews.default.svc.cluster.local' },
    { endpoint: '127.0.6.2:9080', status: 'HEALTHY', outlierCheck: 'OK', cluster: 'outbound|9080||reviews.default.svc.cluster.local' },
    { endpoint: '[::1]:9080', status: 'HEALTHY', outlierCheck: 'OK', cluster: 'outbound|9080||reviews.default.svc.cluster.local' },
  ]);
  assert.deepEqual(endpointRowsFromDump(dump), [
    { endpoint: '127.0.6.1:9080', status: 'UNHEALTHY', outlierCheck: 'OK', cluster: 'outbound|9080|v1|reviews.default.svc.cluster.local' },
    { endpoint: '127.0.9.1:9080', status: 'HEALTHY', outlierCheck: 'OK', cluster: 'inbound|9080||' },
  ]);
});

test("the control plane's view becomes Envoy's config_dump shape; secrets parse their certificates", () => {
  assert.deepEqual(
    dump.configs.map((c) => c['@type']),
    ['ListenersConfigDump', 'ClustersConfigDump', 'RoutesConfigDump', 'EndpointsConfigDump', 'SecretsConfigDump'].map((t) => `type.googleapis.com/envoy.admin.v3.${t}`),
  );
  assert.deepEqual(secretsOf(dump), []);
  assert.equal(secretsOf({ configs: [] }), undefined, 'a proxy that does not dump secrets');
  const rows = secretRows([{ name: 'default', tlsCertificate: { certificateChain: { inlineString: 'not a certificate' } } }, { name: 'ROOTCA', validationContext: { trustedCa: { inlineBytes: '' } } }]);
  assert.deepEqual(rows.map((r) => [r.name, r.type, r.valid]), [
    ['ROOTCA', 'ROOTCA', 'false'],
    ['default', 'Cert Chain', 'false'],
  ]);
});
