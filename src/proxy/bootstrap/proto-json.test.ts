// The proto-JSON check on its own: paths into maps and Anys, the support policy, and the
// cleaned copy it hands to fromJson.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import { envoyRegistry } from '../../api/gen/registry.js';
import { checkProtoJson, type SupportPolicy } from './proto-json.js';

test('map values and Any payloads are checked, with their paths', () => {
  const r = checkProtoJson(
    RouteConfigurationSchema,
    {
      name: 'r',
      virtual_hosts: [
        {
          name: 'v',
          domains: ['*'],
          typed_per_filter_config: {
            'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', abort: { http_status: 'x' } },
            'envoy.filters.http.wasm': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm' },
            'envoy.filters.http.cors': { no_type: true },
          },
          routes: [{ match: { prefix: '/' }, route: { cluster: 'c', timeout: 3 } }],
        },
      ],
    },
    envoyRegistry,
  );
  assert.deepEqual(r.errors, [
    'virtual_hosts[0].typed_per_filter_config["envoy.filters.http.fault"].abort.http_status: expected uint32, got "x"',
    'virtual_hosts[0].typed_per_filter_config["envoy.filters.http.wasm"]: type envoy.extensions.filters.http.wasm.v3.Wasm is not supported',
    'virtual_hosts[0].typed_per_filter_config["envoy.filters.http.cors"]: expected an Any: an object with an "@type", got an object',
    'virtual_hosts[0].routes[0].route.timeout: expected google.protobuf.Duration, got 3',
  ]);
});

test('an Any of a type outside the registry is refused, like unpackKnown does over xDS', () => {
  const bad = checkProtoJson(ClusterSchema, { name: 'c', metadata: { typed_filter_metadata: { x: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1s' } } } }, envoyRegistry);
  assert.deepEqual(bad.errors, ['metadata.typed_filter_metadata["x"]: type google.protobuf.Duration is not supported']);
});

test('the policy: honoured fields pass, ignored ones warn and are dropped, others are refused unless default', () => {
  const policy: SupportPolicy = { fields: { name: {}, connect_timeout: {} }, ignored: { alt_stat_name: 'stats use the cluster name' } };
  const r = checkProtoJson(
    ClusterSchema,
    { name: 'c', connectTimeout: '1s', alt_stat_name: 'x', per_connection_buffer_limit_bytes: 1024, respect_dns_ttl: false, common_lb_config: {}, ignore_health_on_host_removal: true },
    envoyRegistry,
    policy,
  );
  assert.deepEqual(r.errors, ['per_connection_buffer_limit_bytes: not supported', 'ignore_health_on_host_removal: not supported']);
  assert.deepEqual(r.warnings, ['alt_stat_name: ignored (stats use the cluster name)']);
  assert.deepEqual(r.value, { name: 'c', connectTimeout: '1s' });

  const ok = checkProtoJson(ClusterSchema, { name: 'c', alt_stat_name: '', respect_dns_ttl: false }, envoyRegistry, policy);
  assert.deepEqual([ok.errors, ok.warnings], [[], []]);
  assert.equal(fromJson(ClusterSchema, ok.value, { registry: envoyRegistry }).name, 'c');
});
