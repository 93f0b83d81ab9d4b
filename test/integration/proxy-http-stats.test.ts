// Stats through the real data path: a Proxy with one HTTP listener and STATIC clusters over
// real upstreams; the admin API renders the proxy's StatsStore (/stats, ?format=json,
// /stats/prometheus) with Envoy's names for cluster.<name>.* and http.<prefix>.*.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, Agent, type Server } from 'node:http';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { Proxy } from '../../src/proxy/proxy.js';
import { AdminServer } from '../../src/proxy/admin/server.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { ok } from '../../src/shared/result.js';

const router: HttpFilterFactory = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', compile: () => ok(undefined), create: () => ({}) };
const lookup = (name: string) => (name === 'envoy.filters.http.router' ? router : undefined);

let upstream: Server;
let proxy: Proxy;
let admin: AdminServer;
let port = 0;
let adminPort = 0;

function staticCluster(name: string, endpoints: number[]) {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: duration(1000),
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: endpoints.map((p) => ({ hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress('127.0.0.1', p) } } })) }] },
  });
}

before(async () => {
  upstream = createServer((req, res) => {
    res.statusCode = req.url === '/svc/missing' ? 404 : 200;
    res.end('x');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const up = (upstream.address() as { port: number }).port;
  const routes = create(RouteConfigurationSchema, {
    name: 'local',
    virtualHosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          { match: { pathSpecifier: { case: 'path', value: '/healthz' } }, action: { case: 'directResponse', value: { status: 200, body: { specifier: { case: 'inlineString', value: 'ok' } } } } },
          { match: { pathSpecifier: { case: 'prefix', value: '/svc' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'service' } } } },
        ],
      },
    ],
  });
  proxy = new Proxy({ filters: lookup });
  const listener = create(ListenerSchema, {
    name: 'http',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'ingress_http', routeConfig: routes }) } }] }],
  });
  const r = await proxy.apply({ listeners: new Map([['http', listener]]), routes: new Map(), clusters: new Map([['service', staticCluster('service', [up])]]), endpoints: new Map() });
  assert.ok(r.ok);
  port = proxy.boundPort('http')!;
  admin = new AdminServer({ proxy, nodeId: 'test', ready: () => true, versions: () => ({}), quit: () => {}, startedAt: Date.now() });
  adminPort = await admin.listen(0, '127.0.0.1');
});

after(async () => {
  await admin.close();
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { host: 'test.local' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

const adminGet = async (path: string) => (await fetch(`http://127.0.0.1:${adminPort}${path}`)).text();

test('cluster and connection manager stats count requests by class and code', async () => {
  assert.equal(await get('/svc/a'), 200);
  assert.equal(await get('/svc/b'), 200);
  assert.equal(await get('/svc/missing'), 404);
  assert.equal(await get('/healthz'), 200);
  assert.equal(await get('/nowhere'), 404);

  const text = await adminGet('/stats');
  const value = (name: string) => {
    const m = new RegExp(`^${name.replace(/[.|]/g, '\\$&')}: (\\S+)$`, 'm').exec(text);
    return m ? m[1] : undefined;
  };
  assert.equal(value('cluster.service.upstream_rq_total'), '3');
  assert.equal(value('cluster.service.upstream_rq_2xx'), '2');
  assert.equal(value('cluster.service.upstream_rq_200'), '2');
  assert.equal(value('cluster.service.upstream_rq_4xx'), '1');
  assert.equal(value('cluster.service.upstream_rq_404'), '1');
  assert.equal(value('cluster.service.upstream_rq_active'), '0');
  assert.equal(value('cluster.service.upstream_cx_active'), '1');
  assert.equal(value('cluster.service.membership_total'), '1');
  assert.equal(value('cluster.service.membership_healthy'), '1');
  assert.equal(value('http.ingress_http.downstream_rq_total'), '5');
  assert.equal(value('http.ingress_http.downstream_rq_2xx'), '3');
  assert.equal(value('http.ingress_http.downstream_rq_4xx'), '2');
  assert.equal(value('http.ingress_http.downstream_rq_active'), '0');
  assert.equal(value('http.ingress_http.no_route'), '1');
  assert.equal(value('http.ingress_http.rq_direct_response'), '1');
  assert.equal(value('server.live'), '1');
  assert.match(text, /^cluster\.service\.upstream_rq_time: P0\(nan,/m);
  assert.match(text, /^http\.ingress_http\.downstream_rq_time: P0\(nan,/m);

  const json = JSON.parse(await adminGet('/stats?format=json&filter=upstream_rq_2xx')) as { stats: { name: string; value: number }[] };
  assert.deepEqual(json.stats, [{ name: 'cluster.service.upstream_rq_2xx', value: 2 }]);

  const prom = await adminGet('/stats/prometheus');
  assert.match(prom, /^envoy_cluster_upstream_rq_total\{envoy_cluster_name="service"\} 3$/m);
  assert.match(prom, /^envoy_cluster_upstream_rq\{envoy_response_code="200",envoy_cluster_name="service"\} 2$/m);
  assert.match(prom, /^envoy_http_downstream_rq_xx\{envoy_response_code_class="2",envoy_http_conn_manager_prefix="ingress_http"\} 3$/m);
  assert.match(prom, /^envoy_cluster_upstream_rq_time_count\{envoy_cluster_name="service"\} 3$/m);
});

test('a replaced cluster keeps its counters; a removed one drops them', async () => {
  const before = proxy.current;
  const changed = staticCluster('service', [1]);
  changed.connectTimeout = duration(500);
  await proxy.apply({ ...before, clusters: new Map([['service', changed]]) });
  assert.match(await adminGet('/stats'), /^cluster\.service\.upstream_rq_total: 3$/m);
  await proxy.apply({ ...before, clusters: new Map() });
  assert.doesNotMatch(await adminGet('/stats'), /cluster\.service\./);
});
