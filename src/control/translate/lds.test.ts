import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBinary } from '@bufbuild/protobuf';
import { unpack } from '../../api/envoy/types.js';
import { ListenerSchema, type Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { HttpConnectionManagerSchema } from '../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../api/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { buildPushContext } from '../snapshot/build.js';
import { defaultMeshConfig } from '../model/mesh.js';
import type { Resource } from '../../api/istio/meta.js';
import { buildListeners } from './lds.js';
import { bookinfoRegistry, registryOf, routerProxy, sidecarProxy } from '../../../test/helpers/mesh-fixtures.js';

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

test('sidecar with capture: per-port outbound listeners, virtualOutbound by original destination, virtualInbound per served port', () => {
  const push = buildPushContext({ resources: [], registry: bookinfoRegistry(), mesh: defaultMeshConfig() });
  const ls = buildListeners(push, sidecarProxy('127.0.1.1', 'productpage', { labels: { version: 'v1' } }));
  assert.deepEqual(ls.map((l) => l.name), ['0.0.0.0_9080', '10.96.0.14_27017', 'virtualInbound', 'virtualOutbound']);
  const http = ls[0]!;
  assert.equal(http.bindToPort, false);
  const h = hcm(http)!;
  assert.equal(h.routeSpecifier.case === 'rds' && h.routeSpecifier.value.routeConfigName, '9080');
  assert.deepEqual(h.httpFilters.map((f) => f.name), ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
  assert.equal(h.useRemoteAddress, false);
  const mongo = tcp(ls[1]!)!;
  assert.equal(mongo.clusterSpecifier.case === 'cluster' && mongo.clusterSpecifier.value, 'outbound|27017||mongodb.default.svc.cluster.local');
  const vo = ls[3]!;
  assert.equal(addr(vo), '0.0.0.0:15001');
  assert.equal(vo.useOriginalDst, true);
  assert.equal(tcp(vo, vo.filterChains.length - 1)!.clusterSpecifier.value, 'PassthroughCluster');
  const vi = ls[2]!;
  assert.equal(addr(vi), '0.0.0.0:15006');
  assert.equal(vi.filterChains[0]!.filterChainMatch?.destinationPort, 9080);
  const ih = hcm(vi)!;
  assert.equal(ih.routeSpecifier.case, 'routeConfig');
  const rc = ih.routeSpecifier.case === 'routeConfig' ? ih.routeSpecifier.value : undefined;
  const action = rc!.virtualHosts[0]!.routes[0]!.action;
  assert.equal(action.case === 'route' && action.value.clusterSpecifier.value, 'inbound|9080||');
  assert.equal(tcp(vi, vi.filterChains.length - 1)!.clusterSpecifier.value, 'InboundPassthroughClusterIpv4');
});

test('a service port of unknown protocol on a VIP is sniffed: HTTP through its routes, anything else over TCP', () => {
  const push = buildPushContext({ resources: [], registry: registryOf({ name: 'hello', ports: [[8080, 'UNKNOWN']], vip: '10.96.0.30', pods: [{ ip: '127.0.1.9', labels: {} }] }), mesh: defaultMeshConfig() });
  const ls = buildListeners(push, sidecarProxy('127.0.1.1', 'client'));
  const vip = ls.find((l) => l.name === '10.96.0.30_8080')!;
  assert.deepEqual(vip.listenerFilters.map((f) => f.name), ['envoy.filters.listener.http_inspector']);
  const h = hcm(vip, 0)!;
  assert.equal(h.routeSpecifier.case === 'rds' && h.routeSpecifier.value.routeConfigName, '8080');
  assert.deepEqual(vip.filterChains[0]!.filterChainMatch?.applicationProtocols.length ? 'http' : 'none', 'http');
  const t = tcp(vip, 1)!;
  assert.equal(t.clusterSpecifier.case === 'cluster' && t.clusterSpecifier.value, 'outbound|8080||hello.default.svc.cluster.local');
});

test('sidecar without capture (explicit mode): HTTP proxy on the pod IP, inbound listeners on the pod IP', () => {
  const push = buildPushContext({ resources: [], registry: bookinfoRegistry(), mesh: { ...defaultMeshConfig(), outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } });
  const ls = buildListeners(push, sidecarProxy('127.0.1.3', 'reviews', { labels: { version: 'v1' }, metadata: { INTERCEPTION_MODE: 'NONE' } }));
  const vo = ls.find((l) => l.name === 'virtualOutbound')!;
  assert.equal(addr(vo), '127.0.1.3:15001');
  assert.equal(vo.useOriginalDst, false);
  const h = hcm(vo, 0)!;
  assert.equal(h.routeSpecifier.case === 'rds' && h.routeSpecifier.value.routeConfigName, 'http_proxy');
  assert.deepEqual(vo.filterChains[0]!.filterChainMatch?.applicationProtocols, ['http/1.0', 'http/1.1', 'h2c']);
  assert.equal(tcp(vo, 1)!.clusterSpecifier.value, 'BlackHoleCluster', 'REGISTRY_ONLY drops unknown TCP');
  const inbound = ls.find((l) => l.name === '127.0.1.3_9080')!;
  assert.equal(addr(inbound), '127.0.1.3:9080');
  assert.equal(inbound.bindToPort, undefined);
});

test('gateway: servers on the gateway Service port map to the pod target port; HTTP shares http.<port>', () => {
  const registry = registryOf(
    { name: 'rig-ingressgateway', namespace: 'rig-system', ports: [[80, 'HTTP', 8080], [443, 'HTTPS', 8443]], pods: [{ ip: '127.0.0.20', labels: { istio: 'ingressgateway' } }] },
    { name: 'productpage', ports: [[9080, 'HTTP']], pods: [{ ip: '127.0.1.1' }] },
  );
  const gw: Resource = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'bookinfo-gateway', namespace: 'default' },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['bookinfo.example.com'], tls: { mode: 'SIMPLE', credentialName: 'bookinfo-cert' } },
      ],
    },
  };
  const push = buildPushContext({ resources: [gw], registry, mesh: defaultMeshConfig() });
  const ls = buildListeners(push, routerProxy('127.0.0.20', { istio: 'ingressgateway' }, 'rig-system', { RIG_GATEWAY_BIND_ADDRESS: '127.0.0.1' }));
  assert.deepEqual(ls.map((l) => [l.name, addr(l)]), [['0.0.0.0_8080', '127.0.0.1:8080'], ['0.0.0.0_8443', '127.0.0.1:8443']]);
  const h = hcm(ls[0]!)!;
  assert.equal(h.routeSpecifier.case === 'rds' && h.routeSpecifier.value.routeConfigName, 'http.8080');
  assert.equal(h.useRemoteAddress, true);
  const tlsChain = ls[1]!.filterChains[0]!;
  assert.deepEqual(tlsChain.filterChainMatch?.serverNames, ['bookinfo.example.com']);
  assert.equal(tlsChain.transportSocket?.name, 'envoy.transport_sockets.tls');
  const h2 = hcm(ls[1]!)!;
  assert.equal(h2.routeSpecifier.case === 'rds' && h2.routeSpecifier.value.routeConfigName, 'https.443.https.bookinfo-gateway.default');
  // No gateway selects another router: no listeners.
  assert.deepEqual(buildListeners(push, routerProxy('127.0.0.21', { istio: 'egressgateway' })), []);
});

test('proxyless gRPC: one api_listener per service port named host:port', () => {
  const push = buildPushContext({ resources: [], registry: bookinfoRegistry(), mesh: defaultMeshConfig() });
  const p = { ...sidecarProxy('127.0.2.1', 'client'), type: 'grpc' as const };
  const ls = buildListeners(push, p);
  assert.ok(ls.some((l) => l.name === 'reviews.default.svc.cluster.local:9080'));
  const l = ls.find((x) => x.name === 'reviews.default.svc.cluster.local:9080')!;
  const h = unpack(l.apiListener!.apiListener!, HttpConnectionManagerSchema)!;
  assert.equal(h.routeSpecifier.case === 'rds' && h.routeSpecifier.value.routeConfigName, 'reviews.default.svc.cluster.local:9080');
  assert.deepEqual(h.httpFilters.map((f) => f.name), ['envoy.filters.http.fault', 'envoy.filters.http.router']);
});

test('listeners are byte-stable across translations', () => {
  const a = buildListeners(buildPushContext({ resources: [], registry: bookinfoRegistry(), mesh: defaultMeshConfig() }), sidecarProxy('127.0.1.1', 'productpage'));
  const b = buildListeners(buildPushContext({ resources: [], registry: bookinfoRegistry(), mesh: defaultMeshConfig() }), sidecarProxy('127.0.1.1', 'productpage'));
  assert.deepEqual(a.map((l) => Buffer.from(toBinary(ListenerSchema, l)).toString('base64')), b.map((l) => Buffer.from(toBinary(ListenerSchema, l)).toString('base64')));
});
