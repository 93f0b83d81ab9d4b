import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { ClusterSchema, Cluster_ClusterProtocolSelection } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { HttpProtocolOptionsSchema } from '../../api/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { pack } from '../../api/envoy/types.js';
import { duration } from '../../api/envoy/build.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, protocolFor, upstreamProtocolPolicy } from './upstream-protocol.js';

const withOptions = (init: Parameters<typeof pack<typeof HttpProtocolOptionsSchema>>[1]) =>
  create(ClusterSchema, { name: 'c', typedExtensionProtocolOptions: { [HTTP_PROTOCOL_OPTIONS_KEY]: pack(HttpProtocolOptionsSchema, init) } });

test('explicit_http_config picks HTTP/1.1 or HTTP/2 whatever the downstream', () => {
  const h2 = upstreamProtocolPolicy(withOptions({ upstreamProtocolOptions: { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'http2ProtocolOptions', value: { maxConcurrentStreams: 7 } } } } }));
  assert.equal(protocolFor(h2, 'http1'), 'http2');
  assert.equal(h2.http2?.maxConcurrentStreams, 7);
  const h1 = upstreamProtocolPolicy(withOptions({ upstreamProtocolOptions: { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'httpProtocolOptions', value: {} } } } }));
  assert.equal(protocolFor(h1, 'http2'), 'http1');
});

test('use_downstream_protocol_config follows the client only when HTTP/2 options are given; auto_config is HTTP/1.1', () => {
  const both = upstreamProtocolPolicy(withOptions({ upstreamProtocolOptions: { case: 'useDownstreamProtocolConfig', value: { httpProtocolOptions: {}, http2ProtocolOptions: {} } } }));
  assert.deepEqual([protocolFor(both, 'http1'), protocolFor(both, 'http2')], ['http1', 'http2']);
  const h1only = upstreamProtocolPolicy(withOptions({ upstreamProtocolOptions: { case: 'useDownstreamProtocolConfig', value: { httpProtocolOptions: {} } } }));
  assert.equal(protocolFor(h1only, 'http2'), 'http1');
  const auto = upstreamProtocolPolicy(withOptions({ upstreamProtocolOptions: { case: 'autoConfig', value: { httpProtocolOptions: {}, http2ProtocolOptions: {} } } }));
  assert.equal(protocolFor(auto, 'http2'), 'http1');
});

test('the deprecated Cluster.http2_protocol_options, with protocol_selection; idle timeout and max requests', () => {
  const dep = upstreamProtocolPolicy(create(ClusterSchema, { name: 'c', http2ProtocolOptions: {} }));
  assert.equal(protocolFor(dep, 'http1'), 'http2');
  const follow = upstreamProtocolPolicy(create(ClusterSchema, { name: 'c', http2ProtocolOptions: {}, protocolSelection: Cluster_ClusterProtocolSelection.USE_DOWNSTREAM_PROTOCOL }));
  assert.deepEqual([protocolFor(follow, 'http1'), protocolFor(follow, 'http2')], ['http1', 'http2']);
  assert.equal(upstreamProtocolPolicy(create(ClusterSchema, { name: 'c' })).idleTimeoutMs, 3_600_000, "Envoy's default");
  const common = upstreamProtocolPolicy(withOptions({ commonHttpProtocolOptions: { idleTimeout: duration(1500), maxRequestsPerConnection: 3 } }));
  assert.deepEqual([common.idleTimeoutMs, common.maxRequestsPerConnection, common.mode], [1500, 3, 'http1']);
});
