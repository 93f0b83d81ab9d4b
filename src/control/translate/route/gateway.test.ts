import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../snapshot/push-context.js';
import { VirtualHost_TlsRequirementType as Tls } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { gatewayRouteConfigs, hostSubsetOf, intersectHosts, serverHostsFor, serverRouteName } from './gateway.js';
import { bookinfoServices, proxy, push, resource } from './test-fixtures.js';
import type { GatewaySpec, VirtualServiceSpec } from '../../../api/istio/networking.js';

const gw = proxy('router', 'istio-system', { istio: 'ingressgateway' });

// Istio's samples/bookinfo/networking/bookinfo-gateway.yaml
const bookinfoGateway = (): GatewaySpec => ({ selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
const bookinfoVs = (): VirtualServiceSpec => ({
  hosts: ['*'],
  gateways: ['bookinfo-gateway'],
  http: [
    {
      match: [{ uri: { exact: '/productpage' } }, { uri: { prefix: '/static' } }, { uri: { exact: '/login' } }, { uri: { exact: '/logout' } }, { uri: { prefix: '/api/v1/products' } }],
      route: [{ destination: { host: 'productpage', port: { number: 9080 } } }],
    },
  ],
});

test('host set algebra: subset and intersection as Istio computes them', () => {
  assert.equal(hostSubsetOf('a.example.com', '*.example.com'), true);
  assert.equal(hostSubsetOf('*.a.example.com', '*.example.com'), true);
  assert.equal(hostSubsetOf('*.example.com', 'a.example.com'), false);
  assert.equal(hostSubsetOf('anything', '*'), true);
  assert.deepEqual(intersectHosts(['*.example.com'], ['a.example.com', 'b.other.com']), ['a.example.com']);
  assert.deepEqual(intersectHosts(['a.example.com', '*.net'], ['*.example.com', 'b.net']), ['a.example.com', 'b.net']);
  assert.deepEqual(intersectHosts(['*'], ['*']), ['*']);
});

test('server hosts by namespace: `ns/host` only for that namespace, `*/` and bare for all, `./` is the gateway\'s', () => {
  const s = { port: { number: 80, protocol: 'HTTP' }, hosts: ['default/a.com', '*/b.com', 'c.com', './d.com', 'other/e.com'] };
  assert.deepEqual(serverHostsFor(s, 'default', 'istio-system'), ['a.com', 'b.com', 'c.com']);
  assert.deepEqual(serverHostsFor(s, 'istio-system', 'istio-system'), ['b.com', 'c.com', 'd.com']);
});

test('route names: http.<port> for HTTP, https.<port>.<portName>.<gw>.<ns> for terminated HTTPS, none for passthrough', () => {
  const g = resource('Gateway', 'gw', {}, 'istio-system') as Gateway;
  const none = new Map<number, number>();
  assert.equal(serverRouteName({ port: { number: 8080, protocol: 'HTTP' }, hosts: ['*'] }, g, none), 'http.8080');
  assert.equal(serverRouteName({ port: { number: 80, protocol: 'HTTP' }, hosts: ['*'] }, g, new Map([[80, 8080]])), 'http.8080');
  assert.equal(serverRouteName({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE' } }, g, none), 'https.443.https.gw.istio-system');
  assert.equal(serverRouteName({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'PASSTHROUGH' } }, g, none), undefined);
  assert.equal(serverRouteName({ port: { number: 31400, protocol: 'TCP' }, hosts: ['*'] }, g, none), undefined);
});

test('Bookinfo ingress: http.8080 with one `*` virtual host holding the five productpage routes', () => {
  const p = push([resource('Gateway', 'bookinfo-gateway', bookinfoGateway()), resource('VirtualService', 'bookinfo', bookinfoVs())]);
  const rcs = gatewayRouteConfigs(p, gw);
  assert.deepEqual(rcs.map((r) => r.name), ['http.8080']);
  const vh = rcs[0]!.virtualHosts;
  assert.deepEqual(vh.map((v) => [v.name, v.domains]), [['*:8080', ['*']]]);
  assert.deepEqual(
    vh[0]!.routes.map((r) => [r.match?.pathSpecifier.case, r.match?.pathSpecifier.value]),
    [
      ['path', '/productpage'],
      ['prefix', '/static'],
      ['path', '/login'],
      ['path', '/logout'],
      ['prefix', '/api/v1/products'],
    ],
  );
  for (const r of vh[0]!.routes) assert.equal(r.action.case === 'route' && r.action.value.clusterSpecifier.value, 'outbound|9080||productpage.default.svc.cluster.local');
});

test('no VirtualService for a server → Istio\'s blackhole virtual host (404 NR)', () => {
  const rcs = gatewayRouteConfigs(push([resource('Gateway', 'bookinfo-gateway', bookinfoGateway())]), gw);
  assert.deepEqual(rcs[0]!.virtualHosts.map((v) => [v.name, v.domains, v.routes.length]), [['blackhole:8080', ['*'], 0]]);
});

test('httpsRedirect: virtual hosts require TLS, with or without a VirtualService', () => {
  const spec: GatewaySpec = {
    selector: { istio: 'ingressgateway' },
    servers: [
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['bookinfo.com', 'shop.com'], tls: { httpsRedirect: true } },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['bookinfo.com'], tls: { mode: 'SIMPLE', credentialName: 'bookinfo-cert' } },
    ],
  };
  const vs: VirtualServiceSpec = { ...bookinfoVs(), hosts: ['bookinfo.com'] };
  const p = push([resource('Gateway', 'bookinfo-gateway', spec), resource('VirtualService', 'bookinfo', vs)]);
  const rcs = gatewayRouteConfigs(p, gw);
  assert.deepEqual(rcs.map((r) => r.name).sort(), ['http.80', 'https.443.https.bookinfo-gateway.default']);
  const http = rcs.find((r) => r.name === 'http.80')!;
  // bookinfo.com (VS routes) and shop.com (no routes) differ, so they do not collapse.
  assert.deepEqual(http.virtualHosts.map((v) => [v.name, v.domains, v.requireTls, v.routes.length]), [
    ['bookinfo.com:80', ['bookinfo.com', 'bookinfo.com:80'], Tls.ALL, 5],
    ['shop.com:80', ['shop.com', 'shop.com:80'], Tls.ALL, 0],
  ]);
  const https = rcs.find((r) => r.name.startsWith('https'))!;
  assert.deepEqual(https.virtualHosts.map((v) => [v.name, v.requireTls]), [['bookinfo.com:443', Tls.NONE]]);
});

test('match.gateways: routes for another gateway are left out; mesh routes too', () => {
  const vs: VirtualServiceSpec = {
    hosts: ['*'],
    gateways: ['bookinfo-gateway', 'mesh'],
    http: [
      { match: [{ gateways: ['mesh'], uri: { prefix: '/mesh' } }], route: [{ destination: { host: 'reviews' } }] },
      { match: [{ gateways: ['bookinfo-gateway'], uri: { prefix: '/gw' } }], route: [{ destination: { host: 'productpage' } }] },
    ],
  };
  const p = push([resource('Gateway', 'bookinfo-gateway', bookinfoGateway()), resource('VirtualService', 'bookinfo', vs)]);
  const routes = gatewayRouteConfigs(p, gw)[0]!.virtualHosts[0]!.routes;
  assert.deepEqual(routes.map((r) => r.match?.pathSpecifier.value), ['/gw']);
});

test('virtual hosts of several hosts with the same routes collapse into one; catch-all routes go last', () => {
  const spec: GatewaySpec = { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, protocol: 'HTTP' }, hosts: ['*'] }] };
  const p = push([
    resource('Gateway', 'gw', spec),
    resource('VirtualService', 'catch', { hosts: ['a.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'details' } }] }] }),
    resource('VirtualService', 'two', { hosts: ['b.com', 'a.com'], gateways: ['gw'], http: [{ match: [{ uri: { prefix: '/r' } }], route: [{ destination: { host: 'reviews' } }] }] }),
    resource('VirtualService', 'three', { hosts: ['c.com'], gateways: ['gw'], http: [{ match: [{ uri: { prefix: '/r' } }], route: [{ destination: { host: 'reviews' } }] }] }),
  ]);
  const vhs = gatewayRouteConfigs(p, gw)[0]!.virtualHosts;
  assert.deepEqual(vhs.map((v) => [v.name, v.domains]), [
    ['a.com:8080', ['a.com', 'a.com:8080']],
    ['b.com:8080', ['b.com', 'b.com:8080']],
    ['c.com:8080', ['c.com', 'c.com:8080']],
  ]);
  assert.deepEqual(vhs[0]!.routes.map((r) => r.match?.pathSpecifier.value), ['/r', '/']);
});

test('identical route lists collapse: one VirtualService with two hosts', () => {
  const p = push([
    resource('Gateway', 'gw', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, protocol: 'HTTP' }, hosts: ['*'] }] }),
    resource('VirtualService', 'two', { hosts: ['b.com', 'a.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }),
  ]);
  const vhs = gatewayRouteConfigs(p, gw)[0]!.virtualHosts;
  assert.deepEqual(vhs.map((v) => [v.name, v.domains]), [['a.com:8080', ['a.com', 'a.com:8080', 'b.com', 'b.com:8080']]]);
});

test('gateway selector must match: another gateway pod gets nothing', () => {
  const p = push([resource('Gateway', 'bookinfo-gateway', bookinfoGateway()), resource('VirtualService', 'bookinfo', bookinfoVs())], bookinfoServices());
  assert.deepEqual(gatewayRouteConfigs(p, proxy('router', 'istio-system', { istio: 'egressgateway' })), []);
});
