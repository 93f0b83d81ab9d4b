// The proxy's type registry holds every typed config the proxy honours (a filter added to the
// proxy without its type here would be NACKed), and a type outside it is still a NACK that
// names the type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { proxyRegistry } from './proxy-registry.js';
import { TYPE_PREFIX, pack } from './types.js';
import { httpConnectionManager, socketAddress, HCM_FILTER } from './build.js';
import { SUPPORTED_HTTP_FILTERS } from '../../proxy/filters/registry.js';
import { validateListener } from '../../proxy/xds-client/index.js';
import { ListenerSchema } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { RBACSchema } from '../gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';

const typeName = (url: string) => url.slice(TYPE_PREFIX.length);

test('every HTTP filter the proxy implements, and every other typed config it reads, is in the registry', () => {
  assert.ok(SUPPORTED_HTTP_FILTERS.length >= 4);
  for (const f of SUPPORTED_HTTP_FILTERS) assert.ok(proxyRegistry.getMessage(typeName(f.typeUrl)), `${f.name} (${f.typeUrl})`);
  for (const t of [
    'envoy.config.listener.v3.Listener',
    'envoy.config.route.v3.RouteConfiguration',
    'envoy.config.route.v3.FilterConfig',
    'envoy.config.cluster.v3.Cluster',
    'envoy.config.endpoint.v3.ClusterLoadAssignment',
    'envoy.extensions.transport_sockets.tls.v3.Secret',
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
    'envoy.extensions.filters.http.cors.v3.CorsPolicy',
    'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
    'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
    'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
    'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    'envoy.extensions.access_loggers.file.v3.FileAccessLog',
    'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  ]) {
    assert.ok(proxyRegistry.getMessage(t), t);
  }
});

test('a filter type the proxy does not run is NACKed by name', () => {
  const hcm = httpConnectionManager({ statPrefix: 'in', rds: 'r' });
  const listener = create(ListenerSchema, {
    name: 'l',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: hcm } }, { name: 'envoy.filters.network.rbac', configType: { case: 'typedConfig', value: pack(RBACSchema, {}) } }] }],
  });
  const r = validateListener(listener);
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors, ['filter_chains[0].filters[1].typed_config: unsupported type envoy.extensions.filters.http.rbac.v3.RBAC']);
});
