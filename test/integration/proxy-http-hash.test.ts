// RouteAction.hash_policy over real sockets: a header hash policy on a route to a RING_HASH
// cluster of four real upstreams; the same header value always reaches the same upstream,
// different values spread over them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, Agent, type Server } from 'node:http';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { Proxy } from '../../src/proxy/proxy.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { ok } from '../../src/shared/result.js';

const router: HttpFilterFactory = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', compile: () => ok(undefined), create: () => ({}) };
const lookup = (name: string) => (name === router.name ? router : undefined);

const upstreams: Server[] = [];
let proxy: Proxy;
let port = 0;

before(async () => {
  const ports: number[] = [];
  for (let i = 0; i < 4; i++) {
    const s = createServer((_req, res) => res.end(`u${i}`));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    upstreams.push(s);
    ports.push((s.address() as { port: number }).port);
  }
  const routes = create(RouteConfigurationSchema, {
    name: 'local',
    virtualHosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          {
            match: { pathSpecifier: { case: 'prefix', value: '/' } },
            action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'ring' }, hashPolicy: [{ policySpecifier: { case: 'header', value: { headerName: 'x-user' } } }] } },
          },
        ],
      },
    ],
  });
  const ring = create(ClusterSchema, {
    name: 'ring',
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    lbPolicy: Cluster_LbPolicy.RING_HASH,
    connectTimeout: duration(1000),
    loadAssignment: { clusterName: 'ring', endpoints: [{ lbEndpoints: ports.map((p) => ({ hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress('127.0.0.1', p) } } })) }] },
  });
  proxy = new Proxy({ filters: lookup });
  const listener = create(ListenerSchema, {
    name: 'http',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'hash', routeConfig: routes }) } }] }],
  });
  const r = await proxy.apply({ listeners: new Map([['http', listener]]), routes: new Map(), clusters: new Map([['ring', ring]]), endpoints: new Map() });
  assert.ok(r.ok);
  port = proxy.boundPort('http')!;
});

after(async () => {
  await proxy.close();
  for (const s of upstreams) s.closeAllConnections();
  await Promise.all(upstreams.map((s) => new Promise((r) => s.close(r))));
});

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function get(user: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent, headers: { host: 'svc', 'x-user': user } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the same x-user always reaches the same upstream of a RING_HASH cluster', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) seen.add(await get('alice'));
  assert.equal(seen.size, 1, [...seen].join(','));
});

test('different x-user values spread over the upstreams, each one sticky', async () => {
  const byUser = new Map<string, string>();
  for (let i = 0; i < 40; i++) byUser.set(`user-${i}`, await get(`user-${i}`));
  assert.ok(new Set(byUser.values()).size >= 3, `spread over ${new Set(byUser.values()).size} upstreams`);
  for (const [user, upstream] of byUser) assert.equal(await get(user), upstream, user);
});
