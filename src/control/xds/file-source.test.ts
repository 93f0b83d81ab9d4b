import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResourceFile } from './file-source.js';
import { TypeUrl, unpack } from '../../api/envoy/types.js';
import { ClusterSchema, Cluster_LbPolicy } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { HttpConnectionManagerSchema } from '../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';

const good = `
resources:
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: backend
  type: STATIC
  lb_policy: LEAST_REQUEST
  connect_timeout: 0.25s
  load_assignment:
    cluster_name: backend
    endpoints:
    - lb_endpoints:
      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: http
  address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: ingress
        rds: { route_config_name: local, config_source: { ads: {} } }
        http_filters:
        - name: envoy.filters.http.router
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
`;

test('parses Envoy YAML (snake_case, durations, nested Anys) into resources by type', () => {
  const r = parseResourceFile(good, 'r.yaml');
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  const clusters = r.value.get(TypeUrl.Cluster)!;
  assert.equal(clusters[0]!.name, 'backend');
  const c = unpack(clusters[0]!.resource, ClusterSchema)!;
  assert.equal(c.lbPolicy, Cluster_LbPolicy.LEAST_REQUEST);
  assert.equal(c.connectTimeout?.nanos, 250_000_000);
  const l = unpack(r.value.get(TypeUrl.Listener)![0]!.resource, ListenerSchema)!;
  const hcmAny = l.filterChains[0]!.filters[0]!.configType.value!;
  const hcm = unpack(hcmAny as never, HttpConnectionManagerSchema)!;
  assert.equal(hcm.statPrefix, 'ingress');
  assert.equal(hcm.routeSpecifier.case, 'rds');
});

test('every error names the file, the resource index and the problem', () => {
  const bad = `
resources:
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: a
  lb_policy: NOT_A_POLICY
- "@type": type.googleapis.com/envoy.config.cluster.v3.Nope
  name: b
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  connect_timeout: 1s
`;
  const r = parseResourceFile(bad, 'bad.yaml');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.length, 3);
  assert.match(r.errors[0]!, /^bad\.yaml: resources\[0\]: .*NOT_A_POLICY/);
  assert.match(r.errors[1]!, /^bad\.yaml: resources\[1\]\.@type: must be one of/);
  assert.match(r.errors[2]!, /^bad\.yaml: resources\[2\]: the resource has no name/);
});

test('invalid YAML and duplicates are errors', () => {
  const r1 = parseResourceFile('resources: [ {', 'x.yaml');
  assert.equal(r1.ok, false);
  if (!r1.ok) assert.match(r1.errors[0]!, /^x\.yaml: invalid YAML/);
  const dup = `- {"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: a}\n- {"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: a}\n`;
  const r2 = parseResourceFile(dup, 'd.yaml');
  assert.equal(r2.ok, false);
  if (!r2.ok) assert.match(r2.errors[0]!, /duplicate CDS resource "a"/);
});
