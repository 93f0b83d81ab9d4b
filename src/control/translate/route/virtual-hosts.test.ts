import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../registry/model.js';
import { altHostnames, assignVirtualServices, buildVirtualHosts, catchAllVirtualHost, serviceDomains, sidecarWrappers } from './virtual-hosts.js';
import { bookinfoServices, proxy, push, resource, service } from './test-fixtures.js';
import { resolveVirtualService } from './virtual-service.js';
import type { RouteContext } from './action.js';
import type { PushContext } from '../../snapshot/push-context.js';

const ctxOf = (p: PushContext): RouteContext => ({ push: p, proxy: proxy(), gatewayNames: new Set(['mesh']), isTLS: false, grpc: false });

test('domains from the same namespace: FQDN, short, name.ns.svc, name.ns, VIP — each with and without port', () => {
  const s = service('reviews', 'default', [[9080, 'HTTP']], { addresses: ['10.0.0.11'] });
  assert.deepEqual(serviceDomains(s, 9080, proxy('sidecar', 'default'), 'cluster.local').domains, [
    'reviews.default.svc.cluster.local',
    'reviews.default.svc.cluster.local:9080',
    'reviews',
    'reviews:9080',
    'reviews.default.svc',
    'reviews.default.svc:9080',
    'reviews.default',
    'reviews.default:9080',
    '10.0.0.11',
    '10.0.0.11:9080',
  ]);
});

test('domains from another namespace have no bare short name; ServiceEntry hosts have no alternates; IPv6 VIPs bracketed', () => {
  assert.deepEqual(altHostnames('reviews.default.svc.cluster.local', 9080, 'other', 'cluster.local'), [
    'reviews.default',
    'reviews.default:9080',
    'reviews.default.svc',
    'reviews.default.svc:9080',
  ]);
  const se = service('httpbin', 'default', [[80, 'HTTP']], { hostname: 'httpbin.org', origin: { kind: 'ServiceEntry', namespace: 'default', name: 'httpbin' }, addresses: ['fd00::1'] });
  assert.deepEqual(serviceDomains(se, 80, proxy(), 'cluster.local').domains, ['httpbin.org', 'httpbin.org:80', '[fd00::1]', '[fd00::1]:80']);
});

test('headless Kubernetes services also answer for names under them', () => {
  const s = service('db', 'default', [[80, 'HTTP']], { resolution: 'PASSTHROUGH' });
  const d = serviceDomains(s, 80, proxy(), 'cluster.local').domains;
  assert.ok(d.includes('*.db.default.svc.cluster.local'));
  assert.ok(d.includes('*.db:80'));
});

test('VirtualService ownership: exact host first, then the most specific wildcard', () => {
  const p = push([
    resource('VirtualService', 'wide', { hosts: ['*.example.com'], http: [{ route: [{ destination: { host: 'a.example.com' } }] }] }),
    resource('VirtualService', 'narrow', { hosts: ['*.api.example.com'], http: [{ route: [{ destination: { host: 'a.example.com' } }] }] }),
    resource('VirtualService', 'exact', { hosts: ['v1.api.example.com'], http: [{ route: [{ destination: { host: 'a.example.com' } }] }] }),
  ]);
  const se = (h: string): Service => service(h.split('.')[0]!, 'default', [[80, 'HTTP']], { hostname: h, origin: { kind: 'ServiceEntry', namespace: 'default', name: h } });
  const vss = p.virtualServicesForMesh(proxy()).map((v) => resolveVirtualService(p, v));
  const owner = assignVirtualServices(vss, [se('a.example.com'), se('b.api.example.com'), se('v1.api.example.com'), se('other.org')]);
  assert.deepEqual([...owner.entries()].map(([h, i]) => [h, vss[i]!.name]), [
    ['a.example.com', 'wide'],
    ['b.api.example.com', 'narrow'],
    ['v1.api.example.com', 'exact'],
  ]);
});

test('duplicate domains across virtual hosts: later ones lose them; alternates that are another service\'s FQDN are dropped', () => {
  const services = [
    service('a', 'default', [[80, 'HTTP']], { addresses: ['10.0.0.1'] }),
    service('b', 'default', [[80, 'HTTP']], { addresses: ['10.0.0.1'] }),
  ];
  const p = push([], services);
  const vhs = buildVirtualHosts(sidecarWrappers(ctxOf(p), services, [], 80), { proxy: proxy(), clusterDomain: 'cluster.local' });
  assert.deepEqual(vhs.map((v) => v.name), ['a.default.svc.cluster.local:80', 'b.default.svc.cluster.local:80']);
  assert.ok(vhs[0]!.domains.includes('10.0.0.1'));
  assert.ok(!vhs[1]!.domains.includes('10.0.0.1'));
  const all = vhs.flatMap((v) => v.domains.map((d) => d.toLowerCase()));
  assert.equal(new Set(all).size, all.length);
});

test('VirtualService hosts naming no service get a virtual host on port 80 only', () => {
  const p = push([resource('VirtualService', 'bookinfo', { hosts: ['bookinfo.com'], http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }] })]);
  const vss = p.virtualServicesForMesh(proxy()).map((v) => resolveVirtualService(p, v));
  const at80 = buildVirtualHosts(sidecarWrappers(ctxOf(p), p.servicesFor(proxy()), vss, 80), { proxy: proxy(), clusterDomain: 'cluster.local' });
  assert.deepEqual(at80.map((v) => [v.name, v.domains]), [['bookinfo.com:80', ['bookinfo.com', 'bookinfo.com:80']]]);
  const at9080 = buildVirtualHosts(sidecarWrappers(ctxOf(p), p.servicesFor(proxy()), vss, 9080), { proxy: proxy(), clusterDomain: 'cluster.local' });
  assert.ok(!at9080.some((v) => v.name.startsWith('bookinfo.com')));
});

test('a VirtualService whose routes all match another port leaves its service to the default route', () => {
  const p = push([resource('VirtualService', 'reviews', { hosts: ['reviews'], http: [{ match: [{ port: 8080 }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] })]);
  const vss = p.virtualServicesForMesh(proxy()).map((v) => resolveVirtualService(p, v));
  const ws = sidecarWrappers(ctxOf(p), bookinfoServices(), vss, 9080);
  const reviews = ws.find((w) => w.services[0]?.name === 'reviews')!;
  assert.equal(reviews.routes[0]!.name, 'default');
});

test('catch-all: allow_any to PassthroughCluster, block_all 502 under REGISTRY_ONLY, Sidecar policy wins', () => {
  const allow = catchAllVirtualHost(push([]), proxy());
  assert.equal(allow.name, 'allow_any');
  assert.deepEqual(allow.domains, ['*']);
  const a = allow.routes[0]!.action;
  assert.equal(a.case === 'route' && a.value.clusterSpecifier.value, 'PassthroughCluster');
  const block = catchAllVirtualHost(push([], bookinfoServices(), { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }), proxy());
  assert.equal(block.name, 'block_all');
  const b = block.routes[0]!.action;
  assert.equal(b.case === 'directResponse' && b.value.status, 502);
  const sidecar = resource('Sidecar', 'default', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
  assert.equal(catchAllVirtualHost(push([sidecar]), proxy()).name, 'block_all');
  const egress = resource('Sidecar', 'default', { outboundTrafficPolicy: { mode: 'ALLOW_ANY', egressProxy: { host: 'egress.rig-system.svc.cluster.local', port: { number: 80 } } } });
  const e = catchAllVirtualHost(push([egress]), proxy()).routes[0]!.action;
  assert.equal(e.case === 'route' && e.value.clusterSpecifier.value, 'outbound|80||egress.rig-system.svc.cluster.local');
});
