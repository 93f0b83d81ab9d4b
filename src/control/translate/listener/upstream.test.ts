// Upstream bindings (RIG_UPSTREAMS) → bound listeners on an explicit-mode sidecar's pod IP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBinary } from '@bufbuild/protobuf';
import { unpack } from '../../../api/envoy/types.js';
import { ListenerSchema, type Listener } from '../../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { HttpConnectionManagerSchema } from '../../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../../api/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { Resource } from '../../../api/istio/meta.js';
import { buildPushContext } from '../../snapshot/build.js';
import { defaultMeshConfig } from '../../model/mesh.js';
import { upstreamBindings } from '../../model/proxy.js';
import { buildListeners } from '../lds.js';
import { bookinfoRegistry, sidecarProxy } from '../../../../test/helpers/mesh-fixtures.js';

function hcm(l: Listener, chain = 0) {
  const f = l.filterChains[chain]!.filters[0]!;
  return f.configType.case === 'typedConfig' ? unpack(f.configType.value, HttpConnectionManagerSchema) : undefined;
}
function tcp(l: Listener, chain = 0) {
  const f = l.filterChains[chain]!.filters[0]!;
  return f.configType.case === 'typedConfig' ? unpack(f.configType.value, TcpProxySchema) : undefined;
}
function addr(l: Listener): string {
  const a = l.address?.address;
  return a?.case === 'socketAddress' ? `${a.value.address}:${a.value.portSpecifier.case === 'portValue' ? a.value.portSpecifier.value : ''}` : '';
}
function routeCluster(l: Listener, chain = 0): unknown {
  const h = hcm(l, chain)!;
  const rc = h.routeSpecifier.case === 'routeConfig' ? h.routeSpecifier.value : undefined;
  const action = rc?.virtualHosts[0]?.routes[0]?.action;
  return action?.case === 'route' ? action.value.clusterSpecifier.value : undefined;
}

const reviewsV2: Resource = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'default' },
  spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] },
};

function client(upstreams: string, extra: Record<string, unknown> = { INTERCEPTION_MODE: 'NONE' }) {
  return sidecarProxy('127.0.2.9', 'client', { metadata: { ...extra, RIG_UPSTREAMS: upstreams } });
}

test('RIG_UPSTREAMS: short names resolve in the proxy namespace, LOCALPORT defaults to the port, bad entries are ignored', () => {
  const p = sidecarProxy('127.0.2.9', 'client', { namespace: 'shop', metadata: { RIG_UPSTREAMS: 'reviews:9080, mongodb.db:27017=17017,bad,x:0,other.example.com:443=8443,dup:1=8443' } });
  assert.deepEqual(upstreamBindings(p), [
    { host: 'other.example.com', port: 443, localPort: 8443 },
    { host: 'reviews.shop.svc.cluster.local', port: 9080, localPort: 9080 },
    { host: 'mongodb.db', port: 27017, localPort: 17017 },
  ]);
});

test('explicit mode: an HTTP binding routes through the service virtual host (VirtualService applies), any Host', () => {
  const push = buildPushContext({ resources: [reviewsV2], registry: bookinfoRegistry(), mesh: defaultMeshConfig() });
  const ls = buildListeners(push, client('reviews:9080=19080'));
  const l = ls.find((x) => x.name === '127.0.2.9_19080')!;
  assert.ok(l, `listeners: ${ls.map((x) => x.name).join(', ')}`);
  assert.equal(addr(l), '127.0.2.9:19080');
  assert.equal(l.bindToPort, undefined, 'bound (the default)');
  assert.equal(l.filterChains.length, 1);
  assert.equal(l.listenerFilters.length, 0);
  const h = hcm(l)!;
  assert.equal(h.routeSpecifier.case, 'routeConfig');
  const rc = h.routeSpecifier.case === 'routeConfig' ? h.routeSpecifier.value : undefined;
  assert.deepEqual(rc!.virtualHosts[0]!.domains, ['*']);
  assert.equal(routeCluster(l), 'outbound|9080|v2|reviews.default.svc.cluster.local');
});

test('explicit mode: a TCP binding is a tcp_proxy to the service; a Host given as FQDN or name.ns works too', () => {
  const push = buildPushContext({ resources: [], registry: bookinfoRegistry(), mesh: defaultMeshConfig() });
  const ls = buildListeners(push, client('mongodb:27017,ratings.default:9080=19081'));
  const m = ls.find((x) => x.name === '127.0.2.9_27017')!;
  assert.equal(m.filterChains.length, 1);
  assert.equal(tcp(m)!.clusterSpecifier.value, 'outbound|27017||mongodb.default.svc.cluster.local');
  const r = ls.find((x) => x.name === '127.0.2.9_19081')!;
  assert.equal(routeCluster(r), 'outbound|9080||ratings.default.svc.cluster.local');
});

test('a binding to an unknown service still listens: sniffed, HTTP and TCP to the (missing) cluster', () => {
  const push = buildPushContext({ resources: [], registry: bookinfoRegistry(), mesh: defaultMeshConfig() });
  const l = buildListeners(push, client('nosuch:5432')).find((x) => x.name === '127.0.2.9_5432')!;
  assert.deepEqual(l.listenerFilters.map((f) => f.name), ['envoy.filters.listener.http_inspector']);
  assert.deepEqual(l.filterChains[0]!.filterChainMatch?.applicationProtocols, ['http/1.0', 'http/1.1', 'h2c']);
  assert.equal(routeCluster(l, 0), 'outbound|5432||nosuch.default.svc.cluster.local');
  assert.equal(tcp(l, 1)!.clusterSpecifier.value, 'outbound|5432||nosuch.default.svc.cluster.local');
});

test('no bindings with capture, none on the sidecar ports or the ports the workload serves; output is deterministic', () => {
  const push = buildPushContext({ resources: [], registry: bookinfoRegistry(), mesh: defaultMeshConfig() });
  const captured = buildListeners(push, client('reviews:9080=19080', {}));
  assert.ok(!captured.some((l) => l.name.endsWith('_19080')));
  // reviews-1 serves 9080 on its pod IP: a binding there would collide with its inbound listener.
  const reviews = sidecarProxy('127.0.1.3', 'reviews', { labels: { version: 'v1' }, metadata: { INTERCEPTION_MODE: 'NONE', RIG_UPSTREAMS: 'ratings:9080,details:9080=15001,details:9080=19000' } });
  const ls = buildListeners(push, reviews);
  assert.deepEqual(ls.filter((l) => addr(l).startsWith('127.0.1.3:')).map((l) => addr(l)).sort(), ['127.0.1.3:15001', '127.0.1.3:15006', '127.0.1.3:19000', '127.0.1.3:9080']);
  const bytes = (x: Listener[]) => Buffer.concat(x.map((l) => toBinary(ListenerSchema, l))).toString('hex');
  assert.equal(bytes(buildListeners(push, client('mongodb:27017,reviews:9080=19080'))), bytes(buildListeners(push, client('mongodb:27017,reviews:9080=19080'))));
});
