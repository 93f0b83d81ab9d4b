// Request mirroring over real sockets: a route with request_mirror_policies sends a copy of
// each request (body included) to the mirror cluster with Host `<host>-shadow`; the shadow's
// response is dropped and a slow or failing shadow never delays the main response.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, Agent, type Server } from 'node:http';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { Proxy } from '../../src/proxy/proxy.js';
import { shadowHost } from '../../src/proxy/http/mirror.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { ok } from '../../src/shared/result.js';

const router: HttpFilterFactory = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', compile: () => ok(undefined), create: () => ({}) };
const lookup = (name: string) => (name === router.name ? router : undefined);

const servers: Server[] = [];
let proxy: Proxy;
let port = 0;
const shadowed: { host: string; url: string; body: string }[] = [];
let shadowWaiters: (() => void)[] = [];
let releaseShadow: () => void = () => {};

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const s = createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

function staticCluster(name: string, p: number) {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: duration(1000),
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress('127.0.0.1', p) } } }] }] },
  });
}

before(async () => {
  const main = await serve((req, res) => {
    req.resume();
    req.on('end', () => res.end(`main ${req.headers.host}`));
  });
  const shadow = await serve((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      shadowed.push({ host: req.headers.host ?? '', url: req.url ?? '', body });
      for (const w of shadowWaiters.splice(0)) w();
      // The shadow answers only when the test lets it: the main response must not wait.
      const gate = new Promise<void>((r) => (releaseShadow = r));
      void gate.then(() => res.end('shadow'));
    });
  });
  const route = (prefix: string, mirror: object) => ({
    match: { pathSpecifier: { case: 'prefix' as const, value: prefix } },
    action: { case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: 'main' }, requestMirrorPolicies: [mirror] } },
  });
  const routes = create(RouteConfigurationSchema, {
    name: 'local',
    virtualHosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          route('/never', { cluster: 'shadow', runtimeFraction: { defaultValue: { numerator: 0 } } }),
          route('/missing', { cluster: 'no-such-cluster' }),
          route('/', { cluster: 'shadow', runtimeFraction: { defaultValue: { numerator: 100 } } }),
        ],
      },
    ],
  });
  proxy = new Proxy({ filters: lookup });
  const listener = create(ListenerSchema, {
    name: 'http',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'mirror', routeConfig: routes }) } }] }],
  });
  const r = await proxy.apply({
    listeners: new Map([['http', listener]]),
    routes: new Map(),
    clusters: new Map([
      ['main', staticCluster('main', main)],
      ['shadow', staticCluster('shadow', shadow)],
    ]),
    endpoints: new Map(),
  });
  assert.ok(r.ok);
  port = proxy.boundPort('http')!;
});

after(async () => {
  releaseShadow();
  await proxy.close();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(path: string, body: string, host = 'orders.local:8080'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { host, 'content-type': 'text/plain' } }, (res) => {
      let out = '';
      res.on('data', (d: Buffer) => (out += d.toString()));
      res.on('end', () => resolve(out));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('shadow host names', () => {
  assert.deepEqual(['foo', 'foo:8080', '[::1]:80', '10.0.0.1'].map(shadowHost), ['foo-shadow', 'foo-shadow:8080', '[::1]-shadow:80', '10.0.0.1-shadow']);
});

test('a mirrored request reaches the shadow cluster with -shadow host and body; the main response does not wait', async () => {
  const seen = new Promise<void>((r) => shadowWaiters.push(r));
  const main = await post('/orders?id=7', 'payload');
  assert.equal(main, 'main orders.local:8080');
  await seen; // the shadow got it, and is still holding its response
  assert.deepEqual(shadowed, [{ host: 'orders.local-shadow:8080', url: '/orders?id=7', body: 'payload' }]);
  releaseShadow();
});

test('runtime_fraction 0 and a missing mirror cluster do not mirror, and do not disturb the main request', async () => {
  shadowed.length = 0;
  shadowWaiters = [];
  assert.equal(await post('/never', 'x'), 'main orders.local:8080');
  assert.equal(await post('/missing', 'x'), 'main orders.local:8080');
  // A mirrored request after them is the only one the shadow sees.
  const seen = new Promise<void>((r) => shadowWaiters.push(r));
  assert.equal(await post('/after', 'y'), 'main orders.local:8080');
  await seen;
  assert.deepEqual(shadowed.map((x) => x.body), ['y']);
  releaseShadow();
});
