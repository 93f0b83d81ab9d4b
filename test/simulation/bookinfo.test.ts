// Simulations over Bookinfo: Istio's own YAML, translated for a real proxy shape, then a
// synthetic call walked through the generated listeners, routes, clusters and endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { Resource } from '../../src/api/istio/meta.js';
import { buildPushContext } from '../../src/control/snapshot/build.js';
import { defaultMeshConfig, type MeshConfig } from '../../src/control/model/mesh.js';
import type { Proxy } from '../../src/control/model/proxy.js';
import { translators } from '../../src/control/translate/index.js';
import { bookinfoRegistry, registryOf, routerProxy, sidecarProxy } from '../helpers/mesh-fixtures.js';
import { simulate, type Call, type SimConfig } from './simulate.js';

function yaml(text: string): Resource[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Resource).map((r) => ({ ...r, metadata: { namespace: 'default', ...r.metadata } }));
}

function config(resources: Resource[], proxy: Proxy, mesh: MeshConfig = defaultMeshConfig(), registry = bookinfoRegistry()): SimConfig {
  const push = buildPushContext({ resources, registry, mesh });
  return {
    listeners: translators.listeners(push, proxy),
    routes: translators.routes(push, proxy),
    clusters: translators.clusters(push, proxy),
    endpoints: translators.endpoints(push, proxy),
  };
}

// samples/bookinfo/networking/destination-rule-all.yaml (reviews, ratings parts) and
// virtual-service-reviews-test-v2.yaml, as in Istio's request-routing task.
const destinationRules = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
  - name: v3
    labels:
      version: v3
`;
const jasonToV2 = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: reviews
        subset: v2
  - route:
    - destination:
        host: reviews
        subset: v1
`;

const productpage = sidecarProxy('127.0.1.1', 'productpage', { labels: { version: 'v1' } });
const reviewsCall = (headers: Record<string, string> = {}): Call => ({ mode: 'capture', address: '10.96.0.12', port: 9080, authority: 'reviews:9080', path: '/reviews/0', headers });

test('request routing: jason reaches reviews v2, everyone else v1 (captured traffic)', () => {
  const cfg = config(yaml(destinationRules + '---' + jasonToV2), productpage);
  const jason = simulate(cfg, reviewsCall({ 'end-user': 'jason' }));
  assert.equal(jason.error, undefined, JSON.stringify(jason));
  assert.equal(jason.listener, '0.0.0.0_9080');
  assert.equal(jason.routeConfig, '9080');
  assert.deepEqual(jason.clusters, [{ name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 1 }]);
  assert.deepEqual(jason.endpoints, ['127.0.1.4:9080']);
  const other = simulate(cfg, reviewsCall());
  assert.deepEqual(other.clusters.map((c) => c.name), ['outbound|9080|v1|reviews.default.svc.cluster.local']);
  assert.deepEqual(other.endpoints, ['127.0.1.3:9080']);
});

test('the same routing through the explicit HTTP proxy listener (no capture)', () => {
  const explicit = sidecarProxy('127.0.1.1', 'productpage', { labels: { version: 'v1' }, metadata: { INTERCEPTION_MODE: 'NONE' } });
  const cfg = config(yaml(destinationRules + '---' + jasonToV2), explicit);
  for (const authority of ['reviews:9080', 'reviews.default.svc.cluster.local:9080']) {
    const r = simulate(cfg, { mode: 'httpProxy', port: 15001, authority, path: '/reviews/0', headers: { 'end-user': 'jason' } });
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.equal(r.routeConfig, 'http_proxy');
    assert.deepEqual(r.endpoints, ['127.0.1.4:9080'], authority);
  }
  const ratings = simulate(cfg, { mode: 'httpProxy', port: 15001, authority: 'ratings:9080', path: '/ratings/0' });
  assert.deepEqual(ratings.clusters.map((c) => c.name), ['outbound|9080||ratings.default.svc.cluster.local']);
  assert.deepEqual(ratings.endpoints, ['127.0.1.6:9080']);
});

test('traffic shifting 50/50 shows as weighted clusters; no VirtualService means the service cluster', () => {
  const shift = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: 50
    - destination:
        host: reviews
        subset: v3
      weight: 50
`;
  const cfg = config(yaml(destinationRules + '---' + shift), productpage);
  assert.deepEqual(simulate(cfg, reviewsCall()).clusters, [
    { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 50 },
    { name: 'outbound|9080|v3|reviews.default.svc.cluster.local', weight: 50 },
  ]);
  const plain = config([], productpage);
  const r = simulate(plain, reviewsCall());
  assert.deepEqual(r.clusters.map((c) => c.name), ['outbound|9080||reviews.default.svc.cluster.local']);
  assert.deepEqual(r.endpoints, ['127.0.1.3:9080', '127.0.1.4:9080', '127.0.1.5:9080']);
});

test('unknown destinations: passthrough with ALLOW_ANY, blocked with REGISTRY_ONLY', () => {
  const call: Call = { mode: 'capture', address: '93.184.216.34', port: 9080, authority: 'example.com:9080', path: '/' };
  assert.deepEqual(simulate(config([], productpage), call).clusters.map((c) => c.name), ['PassthroughCluster']);
  const blocked = simulate(config([], productpage, { ...defaultMeshConfig(), outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }), call);
  assert.equal(blocked.directResponse, 502);
  const tcp: Call = { mode: 'capture', address: '93.184.216.34', port: 5432 };
  assert.deepEqual(simulate(config([], productpage, { ...defaultMeshConfig(), outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }), tcp).clusters.map((c) => c.name), ['BlackHoleCluster']);
});

test('TCP service by VIP goes to its cluster; inbound HTTP reaches the local app', () => {
  const cfg = config([], productpage);
  const mongo = simulate(cfg, { mode: 'capture', address: '10.96.0.14', port: 27017 });
  assert.deepEqual(mongo.clusters.map((c) => c.name), ['outbound|27017||mongodb.default.svc.cluster.local']);
  assert.deepEqual(mongo.endpoints, ['127.0.1.7:27017']);
  const r = simulate(cfg, { mode: 'inbound', port: 9080, authority: 'productpage:9080', path: '/productpage' });
  assert.equal(r.listener, 'virtualInbound');
  assert.deepEqual(r.clusters.map((c) => c.name), ['inbound|9080||']);
  assert.deepEqual(r.endpoints, ['127.0.1.1:9080']);
  const other = simulate(cfg, { mode: 'inbound', port: 7777 });
  assert.deepEqual(other.clusters.map((c) => c.name), ['InboundPassthroughClusterIpv4']);
});

test('ingress gateway: Istio bookinfo-gateway.yaml routes /productpage to productpage; other paths are not routed', () => {
  const gatewayYaml = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 8080
      name: http
      protocol: HTTP
    hosts:
    - "*"
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bookinfo
spec:
  hosts:
  - "*"
  gateways:
  - bookinfo-gateway
  http:
  - match:
    - uri:
        exact: /productpage
    - uri:
        prefix: /static
    - uri:
        exact: /login
    - uri:
        exact: /logout
    - uri:
        prefix: /api/v1/products
    route:
    - destination:
        host: productpage
        port:
          number: 9080
`;
  const registry = registryOf(
    { name: 'rig-ingressgateway', namespace: 'rig-system', ports: [[80, 'HTTP', 8080]], pods: [{ ip: '127.0.0.20', labels: { istio: 'ingressgateway' } }] },
    { name: 'productpage', ports: [[9080, 'HTTP']], pods: [{ ip: '127.0.1.1' }] },
  );
  const gw = routerProxy('127.0.0.20', { istio: 'ingressgateway' });
  const cfg = config(yaml(gatewayYaml), gw, defaultMeshConfig(), registry);
  const r = simulate(cfg, { mode: 'listener', port: 8080, authority: 'bookinfo.example.com', path: '/productpage' });
  assert.equal(r.error, undefined, JSON.stringify(r));
  assert.equal(r.listener, '0.0.0.0_8080');
  assert.equal(r.routeConfig, 'http.8080');
  assert.deepEqual(r.clusters.map((c) => c.name), ['outbound|9080||productpage.default.svc.cluster.local']);
  assert.deepEqual(r.endpoints, ['127.0.1.1:9080']);
  const miss = simulate(cfg, { mode: 'listener', port: 8080, authority: 'bookinfo.example.com', path: '/admin' });
  assert.equal(miss.error, 'no route (NR)');
});
