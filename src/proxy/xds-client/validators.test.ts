// The default structural validators: each collects every error, naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { pack } from '../../api/envoy/types.js';
import { adsConfigSource, httpConnectionManager, socketAddress, HCM_FILTER } from '../../api/envoy/build.js';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import { SecretSchema } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { HttpConnectionManagerSchema } from '../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../api/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { Any } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Result } from '../../shared/result.js';
import { validateCluster } from './cluster-resource.js';
import { validateClusterLoadAssignment } from './endpoint-resource.js';
import { validateListener } from './listener-resource.js';
import { validateRouteConfiguration } from './route-resource.js';
import { validateSecret } from './validators.js';

function errors(r: Result<unknown>): string[] {
  return r.ok ? [] : r.errors;
}

/** An Any whose type the proxy does not know. */
const unknownAny: Any = { $typeName: 'google.protobuf.Any', typeUrl: 'type.googleapis.com/istio.stats.PluginConfig', value: new Uint8Array() };

test('cluster: supported types and policies pass', () => {
  for (const type of [Cluster_DiscoveryType.STATIC, Cluster_DiscoveryType.STRICT_DNS, Cluster_DiscoveryType.LOGICAL_DNS]) {
    for (const lbPolicy of [Cluster_LbPolicy.ROUND_ROBIN, Cluster_LbPolicy.LEAST_REQUEST, Cluster_LbPolicy.RANDOM, Cluster_LbPolicy.RING_HASH, Cluster_LbPolicy.MAGLEV]) {
      assert.deepEqual(errors(validateCluster(create(ClusterSchema, { name: 'c', clusterDiscoveryType: { case: 'type', value: type }, lbPolicy }))), []);
    }
  }
  const eds = create(ClusterSchema, { name: 'c', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS }, edsClusterConfig: { edsConfig: adsConfigSource() } });
  assert.ok(validateCluster(eds).ok);
  assert.ok(validateCluster(create(ClusterSchema, { name: 'no-type-is-static' })).ok);
});

test('cluster: every error at once, each naming its field', () => {
  const c = create(ClusterSchema, {
    name: 'outbound|80||a.default',
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED,
    transportSocket: { name: 'tls', configType: { case: 'typedConfig', value: unknownAny } },
  });
  assert.deepEqual(errors(validateCluster(c)), [
    'lb_policy: unsupported value CLUSTER_PROVIDED',
    'transport_socket.typed_config: unsupported type istio.stats.PluginConfig',
  ]);
  // Passthrough (ORIGINAL_DST) must use CLUSTER_PROVIDED and is otherwise accepted.
  const passthrough = create(ClusterSchema, { name: 'PassthroughCluster', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST }, lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED });
  assert.deepEqual(errors(validateCluster(passthrough)), []);
  assert.deepEqual(errors(validateCluster({ ...passthrough, lbPolicy: Cluster_LbPolicy.ROUND_ROBIN })), ['lb_policy: an ORIGINAL_DST cluster needs CLUSTER_PROVIDED']);
  const custom = create(ClusterSchema, { name: 'agg', clusterDiscoveryType: { case: 'clusterType', value: { name: 'envoy.clusters.aggregate', typedConfig: unknownAny } } });
  assert.deepEqual(errors(validateCluster(custom)), ['cluster_type: custom cluster type envoy.clusters.aggregate is not supported']);
});

test('cluster: upstream_bind_config takes a source IP and port; its other options are refused by name', () => {
  const ok = create(ClusterSchema, { name: 'c', upstreamBindConfig: { sourceAddress: { address: '127.0.0.6', portSpecifier: { case: 'portValue', value: 0 } } } });
  assert.deepEqual(errors(validateCluster(ok)), []);
  const bad = create(ClusterSchema, {
    name: 'c',
    upstreamBindConfig: { sourceAddress: { address: 'localhost', portSpecifier: { case: 'namedPort', value: 'http' } }, freebind: true, socketOptions: [{ level: 1n, name: 2n }] },
  });
  assert.deepEqual(errors(validateCluster(bad)), [
    'upstream_bind_config.source_address.address: must be an IP address, got "localhost"',
    'upstream_bind_config.source_address.named_port: not supported: give port_value',
    'upstream_bind_config.freebind: not supported',
    'upstream_bind_config.socket_options: not supported',
  ]);
});

test('cluster: EDS needs eds_cluster_config with a config source; inline endpoints are checked', () => {
  const noConfig = create(ClusterSchema, { name: 'c', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS } });
  assert.deepEqual(errors(validateCluster(noConfig)), ['eds_cluster_config: required for an EDS cluster']);
  const noSource = create(ClusterSchema, { name: 'c', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS }, edsClusterConfig: { serviceName: 'x' } });
  assert.deepEqual(errors(validateCluster(noSource)), ['eds_cluster_config.eds_config: required for an EDS cluster (ads or a config source)']);
  const stat = create(ClusterSchema, {
    name: 'c',
    loadAssignment: { clusterName: 'c', endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socketAddress('10.0.0.1', 0) } } }] }] },
  });
  assert.deepEqual(errors(validateCluster(stat)), ['load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: 0 is out of range 1..65535']);
});

test('endpoints: socket addresses with a host and a port in 1..65535', () => {
  const cla = create(ClusterLoadAssignmentSchema, {
    clusterName: 'c',
    endpoints: [
      {
        lbEndpoints: [
          { hostIdentifier: { case: 'endpoint', value: { address: socketAddress('10.0.0.1', 8080) } } },
          { hostIdentifier: { case: 'endpoint', value: { address: socketAddress('10.0.0.2', 70000) } } },
          { hostIdentifier: { case: 'endpoint', value: { address: { address: { case: 'pipe', value: { path: '/tmp/s' } } } } } },
          { hostIdentifier: { case: 'endpoint', value: {} } },
          { hostIdentifier: { case: 'endpointName', value: 'named' } },
          {},
        ],
      },
      { lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: { address: { case: 'socketAddress', value: { address: '' } } } } } }] },
    ],
  });
  assert.deepEqual(errors(validateClusterLoadAssignment(cla)), [
    'endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_value: 70000 is out of range 1..65535',
    'endpoints[0].lb_endpoints[2].endpoint.address: pipe is not supported, a socket_address is required',
    'endpoints[0].lb_endpoints[3].endpoint.address: a socket_address is required',
    'endpoints[0].lb_endpoints[4].endpoint_name: named endpoints are not supported',
    'endpoints[0].lb_endpoints[5].endpoint: required',
    'endpoints[1].lb_endpoints[0].endpoint.address.socket_address.address: must not be empty',
    'endpoints[1].lb_endpoints[0].endpoint.address.socket_address.port_value: required',
  ]);
});

test('listener: an HTTP listener over RDS and a TCP listener pass', () => {
  const http = create(ListenerSchema, {
    name: 'l',
    address: socketAddress('0.0.0.0', 80),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'l', rds: 'r' }) } }] }],
  });
  assert.deepEqual(errors(validateListener(http)), []);
  const tcp = create(ListenerSchema, {
    name: 't',
    address: socketAddress('0.0.0.0', 81),
    filterChains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', configType: { case: 'typedConfig', value: pack(TcpProxySchema, { statPrefix: 't', clusterSpecifier: { case: 'cluster', value: 'c' } }) } }] }],
  });
  assert.deepEqual(errors(validateListener(tcp)), []);
  const api = create(ListenerSchema, { name: 'api', apiListener: { apiListener: httpConnectionManager({ statPrefix: 'api', rds: 'r' }) } });
  assert.deepEqual(errors(validateListener(api)), []);
});

test('listener: address, filters, unknown typed configs and HCM route sources', () => {
  const hcm = (init: MessageInitShape<typeof HttpConnectionManagerSchema>) => pack(HttpConnectionManagerSchema, init);
  const l = create(ListenerSchema, {
    name: 'bad',
    filterChains: [
      { filters: [] },
      { filters: [{ name: 'x', configType: { case: 'typedConfig', value: unknownAny } }, { name: 'y' }] },
      { filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: hcm({ statPrefix: 's' }) } }] },
      {
        filters: [
          {
            name: HCM_FILTER,
            configType: {
              case: 'typedConfig',
              value: hcm({
                routeSpecifier: { case: 'rds', value: { routeConfigName: '' } },
                httpFilters: [
                  { name: 'istio.stats', isOptional: true, configType: { case: 'typedConfig', value: unknownAny } },
                  { name: 'istio.metadata_exchange', configType: { case: 'typedConfig', value: unknownAny } },
                  { name: 'envoy.filters.http.router' },
                ],
              }),
            },
          },
        ],
      },
      { filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: hcm({ routeSpecifier: { case: 'scopedRoutes', value: {} } }) } }] },
    ],
  });
  assert.deepEqual(errors(validateListener(l)), [
    'address: required (or an api_listener)',
    'filter_chains[0].filters: must not be empty',
    'filter_chains[1].filters[0].typed_config: unsupported type istio.stats.PluginConfig',
    'filter_chains[1].filters[1].typed_config: required',
    'filter_chains[2].filters[0].typed_config.route_specifier: required (rds or route_config)',
    'filter_chains[3].filters[0].typed_config.rds.route_config_name: must not be empty',
    'filter_chains[3].filters[0].typed_config.rds.config_source: required (ads or a config source)',
    'filter_chains[3].filters[0].typed_config.http_filters[1].typed_config: unsupported type istio.stats.PluginConfig',
    'filter_chains[3].filters[0].typed_config.http_filters[2].typed_config: required',
    'filter_chains[4].filters[0].typed_config.scoped_routes: scoped routes are not supported',
  ]);
  const apiNotHcm = create(ListenerSchema, { name: 'api', apiListener: { apiListener: pack(TcpProxySchema, {}) } });
  assert.deepEqual(errors(validateListener(apiNotHcm)), [
    'api_listener.api_listener: unsupported type envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy (want an HttpConnectionManager)',
  ]);
  const corrupt: Any = { ...pack(TcpProxySchema, {}), value: new Uint8Array([0xff, 0xff, 0xff]) };
  const badBytes = create(ListenerSchema, { name: 'b', address: socketAddress('0.0.0.0', 1), filterChains: [{ filters: [{ name: 't', configType: { case: 'typedConfig', value: corrupt } }] }] });
  assert.match(errors(validateListener(badBytes))[0]!, /^filter_chains\[0\]\.filters\[0\]\.typed_config: cannot decode envoy\.extensions\.filters\.network\.tcp_proxy\.v3\.TcpProxy: /);
});

test('listener: an inline route config is validated like an RDS one', () => {
  const l = create(ListenerSchema, {
    name: 'l',
    address: socketAddress('0.0.0.0', 80),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'l', routeConfig: { virtualHosts: [{ name: 'v' }] } }) } }] }],
  });
  assert.deepEqual(errors(validateListener(l)), ['filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domains: must not be empty']);
});

test('route configuration: domains present and unique, routes with a match and an action', () => {
  const rc = create(RouteConfigurationSchema, {
    name: 'r',
    virtualHosts: [
      {
        name: 'a',
        domains: ['a.default.svc.cluster.local', 'a'],
        routes: [
          { match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c' } } } },
          { action: { case: 'directResponse', value: { status: 404 } } },
          { match: {}, action: { case: 'route', value: {} } },
          { match: { pathSpecifier: { case: 'path', value: '/x' } } },
        ],
        typedPerFilterConfig: { 'istio.stats': unknownAny },
      },
      { name: 'b', domains: ['A', ''] },
      { name: '', domains: [] },
    ],
  });
  assert.deepEqual(errors(validateRouteConfiguration(rc)), [
    'virtual_hosts[0].routes[1].match: required',
    'virtual_hosts[0].routes[2].match.path_specifier: required (prefix, path, safe_regex, ...)',
    'virtual_hosts[0].routes[2].route.cluster_specifier: required (cluster, cluster_header or weighted_clusters)',
    'virtual_hosts[0].routes[3].action: required (route, redirect or direct_response)',
    'virtual_hosts[0].typed_per_filter_config["istio.stats"]: unsupported type istio.stats.PluginConfig',
    'virtual_hosts[1].domains[0]: duplicate domain "A" (also in virtual host "a")',
    'virtual_hosts[1].domains[1]: must not be empty',
    'virtual_hosts[2].name: must not be empty',
    'virtual_hosts[2].domains: must not be empty',
  ]);
});

test('secret: a name and a type', () => {
  assert.ok(validateSecret(create(SecretSchema, { name: 'default', type: { case: 'tlsCertificate', value: {} } })).ok);
  assert.deepEqual(errors(validateSecret(create(SecretSchema, {}))), ['name: must not be empty', 'type: required (tls_certificate, validation_context, ...)']);
});
