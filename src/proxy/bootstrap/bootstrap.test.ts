// The standalone bootstrap: Envoy-doc-style and Istio-style examples load; everything the
// proxy would not honour is refused with its path; syntax errors carry line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equals } from '@bufbuild/protobuf';
import { Cluster_DiscoveryType, ClusterSchema } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { Result } from '../../shared/result.js';
import { parseBootstrap } from '../xds-client/bootstrap.js';
import { loadBootstrap, xdsBootstrapOf, type ProxyBootstrap } from './bootstrap.js';

function loaded(text: string, file = 'envoy.yaml'): ProxyBootstrap {
  const r = loadBootstrap(text, file);
  if (!r.ok) assert.fail(`expected a good bootstrap, got:\n${r.errors.join('\n')}`);
  return r.value;
}

function errors(r: Result<unknown>): string[] {
  return r.ok ? [] : r.errors;
}

/** A front proxy in the style of Envoy's docs: one static listener, one STATIC cluster. */
const FRONT_PROXY = `
admin:
  access_log_path: /tmp/admin_access.log
  address:
    socket_address: { address: 127.0.0.1, port_value: 9901 }

static_resources:
  listeners:
  - name: listener_0
    address:
      socket_address: { address: 0.0.0.0, port_value: 10000 }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          codec_type: AUTO
          route_config:
            name: local_route
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - match: { prefix: "/service/1" }
                route: { cluster: service1, timeout: 2.5s }
              - match: { prefix: "/" }
                direct_response: { status: 404 }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: service1
    type: STATIC
    connect_timeout: 0.25s
    lb_policy: ROUND_ROBIN
    load_assignment:
      cluster_name: service1
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 10.0.0.11, port_value: 8080 }
        - endpoint:
            address:
              socket_address: { address: 10.0.0.12, port_value: 8080 }
`;

/** The same front proxy in camelCase JSON, as protobuf's JSON mapping also allows. */
const FRONT_PROXY_JSON = JSON.stringify({
  admin: { accessLogPath: '/tmp/admin_access.log', address: { socketAddress: { address: '127.0.0.1', portValue: 9901 } } },
  staticResources: {
    listeners: [
      {
        name: 'listener_0',
        address: { socketAddress: { address: '0.0.0.0', portValue: 10000 } },
        filterChains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typedConfig: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                  statPrefix: 'ingress_http',
                  codecType: 'AUTO',
                  routeConfig: {
                    name: 'local_route',
                    virtualHosts: [
                      {
                        name: 'backend',
                        domains: ['*'],
                        routes: [
                          { match: { prefix: '/service/1' }, route: { cluster: 'service1', timeout: '2.5s' } },
                          { match: { prefix: '/' }, directResponse: { status: 404 } },
                        ],
                      },
                    ],
                  },
                  httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
                },
              },
            ],
          },
        ],
      },
    ],
    clusters: [
      {
        name: 'service1',
        type: 'STATIC',
        connectTimeout: '0.25s',
        lbPolicy: 'ROUND_ROBIN',
        loadAssignment: {
          clusterName: 'service1',
          endpoints: [
            {
              lbEndpoints: [
                { endpoint: { address: { socketAddress: { address: '10.0.0.11', portValue: 8080 } } } },
                { endpoint: { address: { socketAddress: { address: '10.0.0.12', portValue: 8080 } } } },
              ],
            },
          ],
        },
      },
    ],
  },
});

/** Istio's bootstrap, trimmed to what the proxy honours: ADS to istiod over plaintext 15010. */
const ISTIO_ADS = JSON.stringify({
  node: {
    id: 'sidecar~10.1.2.3~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local',
    cluster: 'productpage.default',
    locality: { region: 'us-central1', zone: 'us-central1-a' },
    metadata: { NAMESPACE: 'default', WORKLOAD_NAME: 'productpage-v1', LABELS: { app: 'productpage', version: 'v1' }, ISTIO_VERSION: '1.22.0' },
  },
  stats_config: { use_all_default_tags: false, stats_tags: [{ tag_name: 'cluster_name', regex: '^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)' }] },
  admin: {
    access_log: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/dev/null' } }],
    profile_path: '/var/lib/istio/data/envoy.prof',
    address: { socket_address: { address: '127.0.0.1', port_value: 15000 } },
  },
  dynamic_resources: {
    lds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
    cds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
    ads_config: { api_type: 'GRPC', set_node_on_first_message_only: true, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
  },
  static_resources: {
    clusters: [
      {
        name: 'prometheus_stats',
        type: 'STATIC',
        connect_timeout: '0.250s',
        lb_policy: 'ROUND_ROBIN',
        load_assignment: {
          cluster_name: 'prometheus_stats',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { protocol: 'TCP', address: '127.0.0.1', port_value: 15000 } } } }] }],
        },
      },
      {
        name: 'xds-grpc',
        type: 'STRICT_DNS',
        connect_timeout: '1s',
        lb_policy: 'ROUND_ROBIN',
        load_assignment: {
          cluster_name: 'xds-grpc',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'istiod.istio-system.svc', port_value: 15010 } } } }] }],
        },
        circuit_breakers: {
          thresholds: [
            { priority: 'DEFAULT', max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 },
            { priority: 'HIGH', max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 },
          ],
        },
        upstream_connection_options: { tcp_keepalive: { keepalive_time: 300 } },
        max_requests_per_connection: 1,
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
      },
    ],
    listeners: [
      {
        address: { socket_address: { protocol: 'TCP', address: '0.0.0.0', port_value: 15090 } },
        name: 'prometheus',
        filter_chains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                  codec_type: 'AUTO',
                  stat_prefix: 'stats',
                  route_config: {
                    virtual_hosts: [{ name: 'backend', domains: ['*'], routes: [{ match: { prefix: '/stats/prometheus' }, route: { cluster: 'prometheus_stats' } }] }],
                  },
                  http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
                },
              },
            ],
          },
        ],
      },
    ],
  },
});

test('front proxy: a static listener and a STATIC cluster, admin on 9901', () => {
  const b = loaded(FRONT_PROXY);
  assert.deepEqual(b.staticListeners.map((l) => l.name), ['listener_0']);
  assert.deepEqual(b.staticClusters.map((c) => [c.name, c.clusterDiscoveryType]), [['service1', { case: 'type', value: Cluster_DiscoveryType.STATIC }]]);
  assert.equal(b.staticClusters[0]!.loadAssignment?.endpoints[0]?.lbEndpoints.length, 2);
  assert.deepEqual(b.staticSecrets, []);
  assert.deepEqual(b.admin, { address: '127.0.0.1', port: 9901 });
  assert.equal(b.xds, undefined);
  assert.equal(xdsBootstrapOf(b), undefined);
  assert.equal(b.node.id, '');
  assert.deepEqual(b.warnings, ['admin.access_log_path: ignored (the admin listener writes no access log)']);
});

test('front proxy: camelCase JSON decodes to the same messages as snake_case YAML', () => {
  const yaml = loaded(FRONT_PROXY);
  const json = loaded(FRONT_PROXY_JSON, 'envoy.json');
  assert.ok(equals(ListenerSchema, yaml.staticListeners[0]!, json.staticListeners[0]!));
  assert.ok(equals(ClusterSchema, yaml.staticClusters[0]!, json.staticClusters[0]!));
  assert.deepEqual(json.admin, yaml.admin);
  assert.deepEqual(json.warnings, yaml.warnings);
});

test('Istio-style ADS bootstrap: the control plane address comes from the xds-grpc cluster', () => {
  const b = loaded(ISTIO_ADS, 'envoy-rev.json');
  assert.deepEqual(b.xds, { address: 'istiod.istio-system.svc:15010' });
  assert.deepEqual(b.admin, { address: '127.0.0.1', port: 15000 });
  assert.deepEqual(b.staticClusters.map((c) => c.name), ['prometheus_stats', 'xds-grpc']);
  assert.deepEqual(b.staticListeners.map((l) => l.name), ['prometheus']);
  assert.deepEqual(b.warnings, [
    "stats_config: ignored (stats keep Envoy's default names and tags)",
    'admin.access_log: ignored (the admin listener writes no access log)',
    'admin.profile_path: ignored (the proxy has no CPU profiler)',
  ]);
  const xds = xdsBootstrapOf(b);
  assert.deepEqual(xds, {
    node: {
      id: 'sidecar~10.1.2.3~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local',
      cluster: 'productpage.default',
      metadata: { NAMESPACE: 'default', WORKLOAD_NAME: 'productpage-v1', LABELS: { app: 'productpage', version: 'v1' }, ISTIO_VERSION: '1.22.0' },
      locality: { region: 'us-central1', zone: 'us-central1-a', subZone: '' },
    },
    xdsServer: 'istiod.istio-system.svc:15010',
  });
  assert.ok(parseBootstrap(xds).ok, 'the xDS client accepts what xdsBootstrapOf builds');
});

test('an IPv6 control plane address is bracketed', () => {
  const text = ISTIO_ADS.replace('istiod.istio-system.svc', 'fd00::10');
  assert.deepEqual(loaded(text).xds, { address: '[fd00::10]:15010' });
});

test('unsupported top-level fields are refused by name; stats_config and a default cluster_manager are not', () => {
  const r = loadBootstrap(
    `
stats_sinks:
- name: envoy.stat_sinks.statsd
tracing: { http: { name: envoy.tracers.zipkin } }
overload_manager: { refresh_interval: 0.25s }
layered_runtime: { layers: [ { name: static, static_layer: {} } ] }
cluster_manager: { local_cluster_name: local }
stats_flush_interval: 10s
stats_config: { use_all_default_tags: false }
`,
    'envoy.yaml',
  );
  assert.deepEqual(errors(r), [
    'stats_sinks: not supported',
    'tracing: not supported',
    'overload_manager: not supported',
    'layered_runtime: not supported',
    'cluster_manager: not supported',
    'stats_flush_interval: not supported',
  ]);
  const quiet = loaded('cluster_manager: {}\nenable_dispatcher_stats: false\nstats_config: { use_all_default_tags: false }\n');
  assert.deepEqual(quiet.warnings, ["stats_config: ignored (stats keep Envoy's default names and tags)"]);
});

test('unknown extensions are refused by their name, with the exact path', () => {
  const r = loadBootstrap(
    `
static_resources:
  listeners:
  - name: l
    address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
    listener_filters:
    - name: envoy.filters.listener.proxy_protocol
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          access_log:
          - name: envoy.access_loggers.stdout
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
          route_config: { name: r }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
`,
    'envoy.yaml',
  );
  assert.deepEqual(errors(r), [
    'static_resources.listeners[0].listener_filters[0]: envoy.filters.listener.proxy_protocol is not supported (type envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol)',
    'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.access_log[0]: envoy.access_loggers.stdout is not supported (type envoy.extensions.access_loggers.stream.v3.StdoutAccessLog)',
  ]);
});

test('an optional HTTP filter of an unknown type is skipped with a warning, as Envoy does', () => {
  const b = loaded(
    FRONT_PROXY.replace(
      '          - name: envoy.filters.http.router\n',
      '          - name: istio.stats\n            is_optional: true\n            typed_config:\n              "@type": type.googleapis.com/stats.PluginConfig\n          - name: envoy.filters.http.router\n',
    ),
  );
  assert.deepEqual(b.warnings, [
    'admin.access_log_path: ignored (the admin listener writes no access log)',
    'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0]: optional filter istio.stats skipped (type stats.PluginConfig is not supported)',
  ]);
});

test('field errors name the path: unknown fields, bad values, oneofs, the same field twice', () => {
  const r = loadBootstrap(
    `
static_resources:
  clusters:
  - name: c
    type: STATIC
    cluster_type: { name: envoy.clusters.aggregate }
    connect_timeout: 1x
    lb_policy: ROUND_ROBINN
    lbPolicy: RANDOM
    per_connection_buffer_limit_bytes: lots
    load_assignment:
      cluster_name: c
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 10.0.0.1, port_value: 80, portt: 81 }
  listeners: { name: not-a-list }
node: [1]
`,
    'envoy.yaml',
  );
  assert.deepEqual(errors(r), [
    'static_resources.clusters[0].cluster_type: cannot be set with type (one of type, cluster_type)',
    'static_resources.clusters[0].connect_timeout: expected google.protobuf.Duration, got "1x"',
    'static_resources.clusters[0].lb_policy: "ROUND_ROBINN" is not a value of envoy.config.cluster.v3.Cluster.LbPolicy (ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG)',
    'static_resources.clusters[0].lb_policy: set twice (as "lb_policy" and "lbPolicy")',
    'static_resources.clusters[0].per_connection_buffer_limit_bytes: expected google.protobuf.UInt32Value, got "lots"',
    'static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.portt: unknown field (not in envoy.config.core.v3.SocketAddress)',
    'static_resources.listeners: expected a list of envoy.config.listener.v3.Listener, got an object',
    'node: expected an object (envoy.config.core.v3.Node), got a list',
  ]);
});

test('static resources are held to the xDS validators, and to what a bootstrap can get wrong', () => {
  const r = loadBootstrap(
    `
static_resources:
  secrets:
  - name: server-cert
    tls_certificate:
      certificate_chain: { filename: /etc/certs/cert.pem }
      private_key: { filename: /etc/certs/key.pem }
  listeners:
  - name: rds
    address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          rds: { route_config_name: routes, config_source: { ads: {} } }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
      transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          common_tls_context:
            tls_certificate_sds_secret_configs: [ { name: server-cert }, { name: missing-cert } ]
  - name: rds
    address: { socket_address: { address: 0.0.0.0, port_value: 8081 } }
  clusters:
  - name: eds
    type: EDS
    eds_cluster_config: { eds_config: { ads: {} } }
  - name: bad
    type: STATIC
    lb_policy: CLUSTER_PROVIDED
    load_assignment:
      cluster_name: bad
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 0 } } } } ] } ]
  - name: eds
`,
    'envoy.yaml',
  );
  assert.deepEqual(errors(r), [
    'static_resources.listeners[0]: RDS route configuration "routes" is not supported in a static listener (use route_config)',
    'static_resources.listeners[0]: secret "missing-cert" is not in static_resources.secrets',
    'static_resources.listeners[1].name: duplicate listener name "rds"',
    'static_resources.clusters[0].type: an EDS cluster is not supported in static_resources (use STATIC, STRICT_DNS or LOGICAL_DNS)',
    'static_resources.clusters[1].lb_policy: unsupported value CLUSTER_PROVIDED',
    'static_resources.clusters[1].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: 0 is out of range 1..65535',
    'static_resources.clusters[2].name: duplicate cluster name "eds"',
  ]);
});

test('dynamic_resources must be ADS over gRPC to one plaintext static endpoint', () => {
  const ads = (adsConfig: string, xdsCluster: string, extra = '') =>
    loadBootstrap(
      `
node: { id: sidecar~10.0.0.1~a.default~default.svc.cluster.local }
dynamic_resources:
  lds_config: { ads: {} }
  cds_config: { ads: {}, initial_fetch_timeout: 15s }
  ads_config: ${adsConfig}
${extra}
static_resources:
  clusters:
  - ${xdsCluster}
`,
      'envoy.yaml',
    );
  const oneEndpoint = `{ name: xds-grpc, type: STATIC, load_assignment: { cluster_name: xds-grpc, endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 15010 } } } } ] } ] } }`;
  const good = ads('{ api_type: GRPC, grpc_services: [ { envoy_grpc: { cluster_name: xds-grpc } } ] }', oneEndpoint);
  assert.ok(good.ok);
  assert.deepEqual(good.value.xds, { address: '10.0.0.2:15010' });
  assert.deepEqual(good.value.warnings, ['dynamic_resources.cds_config.initial_fetch_timeout: ignored (the proxy waits for its first listeners and clusters without a timeout)']);

  assert.deepEqual(errors(ads('{ api_type: DELTA_GRPC, transport_api_version: V2, grpc_services: [ { envoy_grpc: { cluster_name: xds } } ] }', oneEndpoint)), [
    'dynamic_resources.ads_config.api_type: DELTA_GRPC is not supported (the xDS client speaks state-of-the-world GRPC)',
    'dynamic_resources.ads_config.transport_api_version: V2 is not supported (V3)',
    'dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name: no static cluster "xds"',
  ]);
  assert.deepEqual(errors(ads('{ api_type: GRPC, grpc_services: [ { google_grpc: { target_uri: "istiod:15010", stat_prefix: x } } ] }', oneEndpoint)), [
    'dynamic_resources.ads_config.grpc_services[0].google_grpc: not supported',
  ]);
  assert.deepEqual(errors(ads('{ api_type: GRPC, grpc_services: [] }', oneEndpoint)), ['dynamic_resources.ads_config.grpc_services: exactly one is required (has 0)']);
  const tls = `{ name: xds-grpc, type: STRICT_DNS, transport_socket: { name: tls, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, sni: istiod } },
      load_assignment: { cluster_name: xds-grpc, endpoints: [ { lb_endpoints: [
        { endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 15012 } } } },
        { endpoint: { address: { socket_address: { address: 10.0.0.3, port_value: 15012 } } } } ] } ] } }`;
  assert.deepEqual(errors(ads('{ api_type: GRPC, grpc_services: [ { envoy_grpc: { cluster_name: xds-grpc } } ] }', tls)), [
    'static_resources.clusters[0].transport_socket: TLS to the control plane is not supported (the xDS client connects in plaintext)',
    'static_resources.clusters[0].load_assignment: the ADS cluster must have exactly one endpoint (has 2)',
  ]);

  const noNode = loadBootstrap(
    `
dynamic_resources:
  lds_config: { path: /etc/envoy/lds.yaml }
  ads_config: { api_type: GRPC, grpc_services: [ { envoy_grpc: { cluster_name: xds-grpc } } ] }
static_resources:
  clusters: [ ${oneEndpoint} ]
`,
    'envoy.yaml',
  );
  assert.deepEqual(errors(noNode), ['dynamic_resources.lds_config.path: not supported']);
  const missing = loadBootstrap(
    `
dynamic_resources:
  lds_config: { ads: {} }
  ads_config: { api_type: GRPC, grpc_services: [ { envoy_grpc: { cluster_name: xds-grpc } } ] }
static_resources:
  clusters: [ ${oneEndpoint} ]
`,
    'envoy.yaml',
  );
  assert.deepEqual(errors(missing), [
    'dynamic_resources.cds_config: required (ads: {}): the xDS client subscribes to listeners and clusters over ADS',
    'node.id: required with dynamic_resources (the control plane identifies the proxy by it)',
  ]);
  assert.deepEqual(errors(loadBootstrap('dynamic_resources: { lds_config: { ads: {} } }', 'envoy.yaml')), [
    'dynamic_resources.lds_config: ads needs dynamic_resources.ads_config',
  ]);
});

test('admin: a TCP socket address only; node: id, cluster, metadata and locality only', () => {
  assert.deepEqual(errors(loadBootstrap('admin: { address: { pipe: { path: /tmp/admin.sock } } }', 'envoy.yaml')), ['admin.address.pipe: not supported']);
  assert.deepEqual(errors(loadBootstrap('admin: { address: { socket_address: { address: "", port_value: 70000, protocol: UDP } }, socket_options: [ { level: 1 } ] }', 'envoy.yaml')), [
    'admin.socket_options: not supported',
  ]);
  assert.deepEqual(errors(loadBootstrap('admin: { address: { socket_address: { address: "", port_value: 70000, protocol: UDP } } }', 'envoy.yaml')), [
    'admin.address.socket_address.address: must not be empty',
    'admin.address.socket_address.protocol: must be TCP',
    'admin.address.socket_address.port_value: 70000 is out of range 0..65535',
  ]);
  assert.deepEqual(loaded('admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }').admin, { address: '127.0.0.1', port: 0 });
  assert.deepEqual(errors(loadBootstrap('node: { id: a, user_agent_name: envoy, client_features: [x] }', 'envoy.yaml')), [
    'node.user_agent_name: not supported',
    'node.client_features: not supported',
  ]);
  const b = loaded('node: { id: a, cluster: b, metadata: { k: [1, "x", null, { n: true }] }, locality: { sub_zone: s } }');
  assert.deepEqual([b.node.id, b.node.cluster, b.node.metadata, b.node.locality?.subZone], ['a', 'b', { k: [1, 'x', null, { n: true }] }, 's']);
});

test('syntax errors carry file:line:col; a bootstrap must be a mapping', () => {
  assert.deepEqual(errors(loadBootstrap('admin:\n  address: [1, 2\nnode: {}\n', 'envoy.yaml')), [
    'envoy.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  assert.deepEqual(errors(loadBootstrap('node:\n  id: a\n  id: b\n', 'envoy.yaml')), ['envoy.yaml:3:3: Map keys must be unique']);
  assert.deepEqual(errors(loadBootstrap('{\n  "node": {"id": "a",}\n  "admin": {}\n}', 'envoy.json')).length > 0, true);
  assert.match(errors(loadBootstrap('{\n  "node": {"id": "a"\n}', 'envoy.json'))[0]!, /^envoy\.json:\d+:\d+: /);
  assert.deepEqual(errors(loadBootstrap('- a\n- b\n', 'envoy.yaml')), ['envoy.yaml: a bootstrap must be a mapping of fields']);
  assert.deepEqual(errors(loadBootstrap('', 'envoy.yaml')), ['envoy.yaml: a bootstrap must be a mapping of fields']);
});
