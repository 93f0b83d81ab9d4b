import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { toBinary } from '@bufbuild/protobuf';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import { RouteTable } from '../../proxy/route/route-table.js';
import { buildRoutes, grpcRouteName, tcpRouteFor } from './rds.js';
import { bookinfoServices, proxy, push, resource, service } from './route/test-fixtures.js';

function call(rc: RouteConfiguration | undefined, authority: string, path = '/', headers: Record<string, string> = {}) {
  assert.ok(rc, 'route config exists');
  const h: Record<string, string> = { ':authority': authority, ':path': path, ':method': 'GET', ...headers };
  const m = new RouteTable(rc).match({ authority, path, method: 'GET', header: (n) => h[n] });
  if (!m) return 'NR';
  const a = m.route.action;
  if (a.case === 'route') {
    const cs = a.value.clusterSpecifier;
    return cs.case === 'cluster' ? cs.value : cs.case === 'weightedClusters' ? cs.value.clusters.map((c) => `${c.name}=${c.weight}`).join(' ') : '?';
  }
  if (a.case === 'directResponse') return `direct ${a.value.status}`;
  if (a.case === 'redirect') return 'redirect';
  return '?';
}

const REVIEWS_VS = {
  hosts: ['reviews'],
  http: [
    { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
    { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
  ],
};

test('sidecar: one config per HTTP port plus http_proxy, sorted by name, each ending with the catch-all', () => {
  const services = [...bookinfoServices(), service('web', 'default', [[80, 'HTTP']]), service('mongodb', 'default', [[27017, 'MONGO']]), service('auto', 'default', [[8000, 'UNKNOWN']])];
  const rcs = buildRoutes(push([], services), proxy());
  assert.deepEqual(rcs.map((r) => r.name), ['80', '8000', '9080', 'http_proxy']);
  for (const rc of rcs) assert.equal(rc.virtualHosts.at(-1)!.name, 'allow_any');
  const names = rcs.find((r) => r.name === '9080')!.virtualHosts.map((v) => v.name);
  assert.deepEqual(names, [...names.slice(0, -1)].sort().concat('allow_any'));
  assert.equal(rcs[0]!.validateClusters, false);
  assert.equal(rcs[0]!.maxDirectResponseBodySizeBytes, 1024 * 1024);
});

test('deterministic: the same inputs give the same bytes', () => {
  const mk = () => buildRoutes(push([resource('VirtualService', 'reviews', REVIEWS_VS)]), proxy()).map((r) => Buffer.from(toBinary(RouteConfigurationSchema, r)).toString('hex'));
  assert.deepEqual(mk(), mk());
});

test('Bookinfo jason header: end-user jason → v2, everyone else → v1, by every name of the host', () => {
  const rcs = buildRoutes(push([resource('VirtualService', 'reviews', REVIEWS_VS)]), proxy());
  const rc = rcs.find((r) => r.name === '9080');
  for (const host of ['reviews:9080', 'reviews', 'reviews.default.svc.cluster.local:9080', '10.0.0.11:9080']) {
    assert.equal(call(rc, host, '/reviews/0', { 'end-user': 'jason' }), 'outbound|9080|v2|reviews.default.svc.cluster.local');
    assert.equal(call(rc, host, '/reviews/0'), 'outbound|9080|v1|reviews.default.svc.cluster.local');
  }
  assert.equal(call(rc, 'ratings:9080'), 'outbound|9080||ratings.default.svc.cluster.local');
  assert.equal(call(rc, 'example.org'), 'PassthroughCluster');
});

test('REGISTRY_ONLY: unknown hosts get block_all 502', () => {
  const rc = buildRoutes(push([], bookinfoServices(), { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }), proxy()).find((r) => r.name === '9080');
  assert.equal(call(rc, 'example.org'), 'direct 502');
  assert.equal(call(rc, 'details:9080'), 'outbound|9080||details.default.svc.cluster.local');
});

test('http_proxy: every port in one config, port-qualified domains (bare only for port 80)', () => {
  const services = [...bookinfoServices(), service('web', 'default', [[80, 'HTTP'], [9080, 'HTTP']])];
  const rc = buildRoutes(push([resource('VirtualService', 'reviews', REVIEWS_VS)], services), proxy()).find((r) => r.name === 'http_proxy')!;
  assert.equal(call(rc, 'reviews:9080', '/', { 'end-user': 'jason' }), 'outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.equal(call(rc, 'web'), 'outbound|80||web.default.svc.cluster.local');
  assert.equal(call(rc, 'web:80'), 'outbound|80||web.default.svc.cluster.local');
  assert.equal(call(rc, 'web:9080'), 'outbound|9080||web.default.svc.cluster.local');
  const reviews = rc.virtualHosts.find((v) => v.name === 'reviews.default.svc.cluster.local:9080')!;
  assert.ok(reviews.domains.every((d) => d.includes(':')));
  const all = rc.virtualHosts.flatMap((v) => v.domains);
  assert.equal(new Set(all).size, all.length);
});

test('a VirtualService in another namespace resolves its short hosts there; the client sees name.ns but not the bare name', () => {
  const services = [service('echo', 'apps', [[8080, 'HTTP']])];
  const vs = resource('VirtualService', 'echo', { hosts: ['echo'], http: [{ route: [{ destination: { host: 'echo' } }], timeout: '2s' }] }, 'apps');
  const rc = buildRoutes(push([vs], services), proxy('sidecar', 'default')).find((r) => r.name === '8080')!;
  const vh = rc.virtualHosts.find((v) => v.name === 'echo.apps.svc.cluster.local:8080')!;
  assert.ok(!vh.domains.includes('echo'));
  assert.ok(vh.domains.includes('echo.apps'));
  const a = vh.routes[0]!.action;
  assert.equal(a.case === 'route' && a.value.timeout?.seconds, 2n);
});

test('delegate VirtualService: root match ANDed into the delegate\'s routes, destinations resolved in the delegate\'s namespace', () => {
  const services = [service('productpage', 'ns-a', [[9080, 'HTTP']]), service('reviews', 'ns-b', [[9080, 'HTTP']])];
  const root = resource('VirtualService', 'bookinfo', {
    hosts: ['productpage.ns-a.svc.cluster.local'],
    http: [
      { name: 'reviews', match: [{ uri: { prefix: '/reviews' } }], delegate: { name: 'reviews', namespace: 'ns-b' } },
      { route: [{ destination: { host: 'productpage.ns-a.svc.cluster.local' } }] },
    ],
  }, 'ns-a');
  const delegate = resource('VirtualService', 'reviews', {
    http: [
      { name: 'v2', match: [{ uri: { prefix: '/reviews/v2' } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
      { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
    ],
  }, 'ns-b');
  const rc = buildRoutes(push([root, delegate], services), proxy('sidecar', 'ns-a')).find((r) => r.name === '9080');
  assert.equal(call(rc, 'productpage:9080', '/reviews/v2/1'), 'outbound|9080|v2|reviews.ns-b.svc.cluster.local');
  assert.equal(call(rc, 'productpage:9080', '/reviews/1'), 'outbound|9080|v1|reviews.ns-b.svc.cluster.local');
  assert.equal(call(rc, 'productpage:9080', '/other'), 'outbound|9080||productpage.ns-a.svc.cluster.local');
  const vh = rc!.virtualHosts.find((v) => v.name.startsWith('productpage'))!;
  assert.deepEqual(vh.routes.map((r) => r.name), ['reviews-v2', 'reviews', '']);
});

test('sourceLabels: the route exists only in the config of matching proxies', () => {
  const vs = resource('VirtualService', 'reviews', {
    hosts: ['reviews'],
    http: [
      { match: [{ sourceLabels: { app: 'productpage' } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
      { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
    ],
  });
  const p = push([vs]);
  const pp = buildRoutes(p, proxy('sidecar', 'default', { app: 'productpage' })).find((r) => r.name === '9080');
  const other = buildRoutes(p, proxy('sidecar', 'default', { app: 'details' })).find((r) => r.name === '9080');
  assert.equal(call(pp, 'reviews:9080'), 'outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.equal(call(other, 'reviews:9080'), 'outbound|9080|v1|reviews.default.svc.cluster.local');
});

test('wildcard VirtualService hosts apply to ServiceEntry hosts', () => {
  const se = service('wiki', 'default', [[80, 'HTTP']], { hostname: 'en.wikipedia.org', origin: { kind: 'ServiceEntry', namespace: 'default', name: 'wiki' }, meshExternal: true });
  const vs = resource('VirtualService', 'wiki', { hosts: ['*.wikipedia.org'], http: [{ timeout: '5s', route: [{ destination: { host: 'en.wikipedia.org' } }] }] });
  const rc = buildRoutes(push([vs], [se]), proxy()).find((r) => r.name === '80')!;
  const vh = rc.virtualHosts.find((v) => v.name === 'en.wikipedia.org:80')!;
  const a = vh.routes[0]!.action;
  assert.equal(a.case === 'route' && a.value.timeout?.seconds, 5n);
});

test('gRPC proxy: one config per service port named like its api_listener, holding that host\'s virtual host only, no catch-all', () => {
  const services = [...bookinfoServices(), service('grpc-echo', 'default', [[7070, 'GRPC'], [9090, 'TCP']])];
  const vs = resource('VirtualService', 'grpc-echo', {
    hosts: ['grpc-echo'],
    http: [{ route: [{ destination: { host: 'grpc-echo', subset: 'v1' }, weight: 80 }, { destination: { host: 'grpc-echo', subset: 'v2' }, weight: 20 }], timeout: '1s' }],
  });
  const rcs = buildRoutes(push([vs], services), proxy('grpc'));
  assert.ok(rcs.some((r) => r.name === 'grpc-echo.default.svc.cluster.local:9090'));
  const rc = rcs.find((r) => r.name === grpcRouteName('grpc-echo.default.svc.cluster.local', 7070))!;
  assert.deepEqual(rc.virtualHosts.map((v) => v.name), ['grpc-echo.default.svc.cluster.local:7070']);
  assert.ok(rc.virtualHosts[0]!.domains.includes('grpc-echo:7070'));
  assert.equal(call(rc, 'grpc-echo.default.svc.cluster.local:7070', '/echo.Echo/Call'), 'outbound|7070|v1|grpc-echo.default.svc.cluster.local=80 outbound|7070|v2|grpc-echo.default.svc.cluster.local=20');
  const a = rc.virtualHosts[0]!.routes[0]!.action;
  assert.equal(a.case === 'route' && a.value.maxStreamDuration?.maxStreamDuration?.seconds, 1n);
  assert.deepEqual(rcs.map((r) => r.name), [...rcs.map((r) => r.name)].sort());
});

test('tcpRouteFor: VirtualService tcp routes (weights), else the service cluster', () => {
  const services = [service('mongodb', 'default', [[27017, 'MONGO']])];
  const vs = resource('VirtualService', 'mongo', {
    hosts: ['mongodb'],
    tcp: [
      { match: [{ port: 27018 }], route: [{ destination: { host: 'mongodb', subset: 'x' } }] },
      { route: [{ destination: { host: 'mongodb', subset: 'v1' }, weight: 70 }, { destination: { host: 'mongodb', subset: 'v2' }, weight: 30 }] },
    ],
  });
  const H = 'mongodb.default.svc.cluster.local';
  assert.deepEqual(tcpRouteFor(push([vs], services), proxy(), H, 27017), [
    { name: `outbound|27017|v1|${H}`, weight: 70 },
    { name: `outbound|27017|v2|${H}`, weight: 30 },
  ]);
  assert.deepEqual(tcpRouteFor(push([], services), proxy(), H, 27017), [{ name: `outbound|27017||${H}`, weight: 1 }]);
});

test('router proxy: gateway route configs', () => {
  const p = push([
    resource('Gateway', 'bookinfo-gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }),
    resource('VirtualService', 'bookinfo', { hosts: ['*'], gateways: ['bookinfo-gateway'], http: [{ match: [{ uri: { exact: '/productpage' } }], route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }] }),
  ]);
  const rcs = buildRoutes(p, proxy('router', 'istio-system', { istio: 'ingressgateway' }));
  assert.equal(call(rcs[0], 'bookinfo.example:8080', '/productpage'), 'outbound|9080||productpage.default.svc.cluster.local');
  assert.equal(call(rcs[0], 'bookinfo.example:8080', '/nope'), 'NR');
});

interface GrpcRdsDecoder {
  decode(ctx: object, resource: { type_url: string; value: Buffer }): { error?: string; value?: { virtual_hosts: { routes: unknown[] }[] } };
}

test('gRPC route configs pass @grpc/grpc-js-xds\'s RouteConfiguration validation (fault, retries, hash policy, regex, weights)', () => {
  const load = createRequire(import.meta.url);
  (load('@grpc/grpc-js-xds') as { register(): void }).register();
  const rdsType = (load('@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type.js') as { RouteConfigurationResourceType: { get(): GrpcRdsDecoder } }).RouteConfigurationResourceType.get();
  const vs = resource('VirtualService', 'echo', {
    hosts: ['echo'],
    http: [
      {
        match: [{ headers: { 'x-canary': { exact: 'true' } }, uri: { regex: '/echo.*' } }],
        fault: { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 10 } }, delay: { fixedDelay: '1s', percentage: { value: 5 } } },
        route: [{ destination: { host: 'echo', subset: 'v2' } }],
        timeout: '2s',
        retries: { attempts: 3, retryOn: 'unavailable,5xx' },
        corsPolicy: { allowOrigin: ['*'] },
      },
      { match: [{ uri: { prefix: '/legacy' } }], redirect: { uri: '/new' } },
      { route: [{ destination: { host: 'echo', subset: 'v1' }, weight: 20 }, { destination: { host: 'echo', subset: 'v2' }, weight: 80 }] },
    ],
  });
  const dr = resource('DestinationRule', 'echo', { host: 'echo', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } } });
  const rcs = buildRoutes(push([vs, dr], [service('echo', 'default', [[7070, 'GRPC'], [9090, 'TCP']], { addresses: ['10.0.0.9'] })]), proxy('grpc'));
  assert.equal(rcs.length, 2);
  for (const rc of rcs) {
    const r = rdsType.decode({}, { type_url: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', value: Buffer.from(toBinary(RouteConfigurationSchema, rc)) });
    assert.equal(r.error, undefined, `${rc.name}: ${r.error}`);
    assert.equal(r.value?.virtual_hosts[0]?.routes.length, 2); // the redirect is left out for gRPC
  }
});
