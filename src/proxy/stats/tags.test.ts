// Tag extraction as Envoy's default extractors do it, and fixed tags for known values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractTags, listenerAddressStatName, TagNames } from './tags.js';

const tag = (name: string, value: string) => ({ name, value });

test('response code and class come first, then the prefix tags of the first token', () => {
  assert.deepEqual(extractTags('cluster.backend.upstream_rq_200'), {
    tagExtractedName: 'cluster.upstream_rq',
    tags: [tag(TagNames.RESPONSE_CODE, '200'), tag(TagNames.CLUSTER_NAME, 'backend')],
  });
  assert.deepEqual(extractTags('cluster.backend.upstream_rq_2xx'), {
    tagExtractedName: 'cluster.upstream_rq_xx',
    tags: [tag(TagNames.RESPONSE_CODE_CLASS, '2'), tag(TagNames.CLUSTER_NAME, 'backend')],
  });
  assert.deepEqual(extractTags('http.ingress_http.downstream_rq_5xx'), {
    tagExtractedName: 'http.downstream_rq_xx',
    tags: [tag(TagNames.RESPONSE_CODE_CLASS, '5'), tag(TagNames.HTTP_CONN_MANAGER_PREFIX, 'ingress_http')],
  });
  assert.deepEqual(extractTags('cluster.backend.upstream_rq_total'), { tagExtractedName: 'cluster.upstream_rq_total', tags: [tag(TagNames.CLUSTER_NAME, 'backend')] });
});

test('listener addresses (IPv4, IPv6) and per-listener HTTP stats; listener.admin is not an address', () => {
  assert.deepEqual(extractTags('listener.0.0.0.0_15001.downstream_cx_total'), {
    tagExtractedName: 'listener.downstream_cx_total',
    tags: [tag(TagNames.LISTENER_ADDRESS, '0.0.0.0_15001')],
  });
  assert.deepEqual(extractTags('listener.[__1]_15006.no_filter_chain_match').tags, [tag(TagNames.LISTENER_ADDRESS, '[__1]_15006')]);
  assert.deepEqual(extractTags('listener.10.0.0.1_8080.http.inbound_0.0.0.0_8080.downstream_rq_2xx'), {
    tagExtractedName: 'listener.http.0.0.0_8080.downstream_rq_xx',
    tags: [tag(TagNames.RESPONSE_CODE_CLASS, '2'), tag(TagNames.HTTP_CONN_MANAGER_PREFIX, 'inbound_0'), tag(TagNames.LISTENER_ADDRESS, '10.0.0.1_8080')],
  });
  assert.deepEqual(extractTags('listener.admin.downstream_cx_total'), { tagExtractedName: 'listener.admin.downstream_cx_total', tags: [] });
  assert.deepEqual(extractTags('server.live'), { tagExtractedName: 'server.live', tags: [] });
});

test('tcp, vhost/vcluster/route and rds names', () => {
  assert.deepEqual(extractTags('tcp.outbound_tcp.downstream_cx_total'), { tagExtractedName: 'tcp.downstream_cx_total', tags: [tag(TagNames.TCP_PREFIX, 'outbound_tcp')] });
  assert.deepEqual(extractTags('vhost.api.vcluster.writes.upstream_rq_503'), {
    tagExtractedName: 'vhost.vcluster.upstream_rq',
    tags: [tag(TagNames.RESPONSE_CODE, '503'), tag(TagNames.VIRTUAL_CLUSTER, 'writes'), tag(TagNames.VIRTUAL_HOST, 'api')],
  });
  assert.deepEqual(extractTags('http.ingress.rds.routes.v1.config_reload'), {
    tagExtractedName: 'http.rds.config_reload',
    tags: [tag(TagNames.RDS_ROUTE_CONFIG, 'routes.v1'), tag(TagNames.HTTP_CONN_MANAGER_PREFIX, 'ingress')],
  });
});

test("Envoy's regex cuts a dotted cluster name at its first dot; a fixed tag keeps it whole", () => {
  const name = 'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_2xx';
  assert.deepEqual(extractTags(name), {
    tagExtractedName: 'cluster.default.svc.cluster.local.upstream_rq_xx',
    tags: [tag(TagNames.RESPONSE_CODE_CLASS, '2'), tag(TagNames.CLUSTER_NAME, 'outbound|9080||reviews')],
  });
  const value = 'outbound|9080||reviews.default.svc.cluster.local';
  const fixed = [{ name: TagNames.CLUSTER_NAME, value, start: 'cluster.'.length, end: 'cluster.'.length + value.length + 1 }];
  assert.deepEqual(extractTags(name, fixed), {
    tagExtractedName: 'cluster.upstream_rq_xx',
    tags: [tag(TagNames.RESPONSE_CODE_CLASS, '2'), tag(TagNames.CLUSTER_NAME, value)],
  });
});

test('a fixed tag no extractor knows goes last; extractors never match inside a fixed value', () => {
  const fixed = [{ name: 'custom', value: 'tcp.x_rq_200', start: 'thing.'.length, end: 'thing.tcp.x_rq_200.'.length }];
  assert.deepEqual(extractTags('thing.tcp.x_rq_200.count', fixed), { tagExtractedName: 'thing.count', tags: [tag('custom', 'tcp.x_rq_200')] });
});

test('listener address stat names', () => {
  assert.equal(listenerAddressStatName('0.0.0.0', 15001), '0.0.0.0_15001');
  assert.equal(listenerAddressStatName('::', 15006), '[__]_15006');
  assert.equal(listenerAddressStatName('fd00::1', 80), '[fd00__1]_80');
});
