// `rig proxy --concurrency N` as a gateway runs it: N worker processes share the listeners.
// A real proxy process with 2 workers spreads connections over both (each worker's request
// count is in /server_info, their sum in /stats), restarts a worker that dies and drains
// every worker on SIGTERM (an in-flight request still completes); over xDS the control plane sees one proxy, and a route change it
// pushes reaches every open connection, whichever worker holds it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, Agent, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig, startRig, type Proc } from '../helpers/process.js';
import { AdsServer } from '../../src/control/xds/server.js';
import { MemorySource, type NamedResource } from '../../src/control/xds/source.js';
import { TypeUrl, pack } from '../../src/api/envoy/types.js';
import { adsConfigSource, httpConnectionManager, socketAddress, HCM_FILTER } from '../../src/api/envoy/build.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { until as waitUntil } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-concurrency-'));
const servers: Server[] = [];
const procs: Proc[] = [];
const cleanup: (() => Promise<void> | void)[] = [];

after(async () => {
  for (const p of procs) await p.stop();
  for (const f of cleanup.reverse()) await f();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

async function backend(name: string): Promise<number> {
  const s = createServer((req, res) => {
    if (req.url?.startsWith('/slow')) setTimeout(() => res.end(`${name} ${req.url}`), 600);
    else res.end(`${name} ${req.url}`);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

/** GET through the proxy on the agent's connection; `reused` says whether it was an open one. */
function get(port: number, path: string, agent: Agent | false): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

interface ServerInfo {
  state: string;
  concurrency: number;
  workers: { id: number; pid: number; restarts: number; responding: boolean; downstream_rq_total: number }[];
}

async function serverInfo(admin: string): Promise<ServerInfo> {
  return (await (await fetch(`${admin}/server_info`)).json()) as ServerInfo;
}

const until = <T>(fn: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> => waitUntil(fn, what, ms, 50, () => procs.at(-1)?.stderr.slice(-3000) ?? '');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const bootstrap = (servicePort: number) => `
node: {id: gateway, cluster: gateway}
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: 0}}
static_resources:
  listeners:
  - name: listener_0
    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: local_route
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: service}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: service
    type: STATIC
    connect_timeout: 0.25s
    load_assignment:
      cluster_name: service
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${servicePort}}}}
`;

test('two workers share a static listener: connections spread over both, a dead worker is replaced, SIGTERM stops them all', { timeout: 60_000 }, async () => {
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, bootstrap(await backend('service')));
  const proxy = startRig(['proxy', '--config', file, '--concurrency', '2']);
  procs.push(proxy);
  const port = Number((await proxy.waitFor(/listener_0=127\.0\.0\.1:(\d+)/, 30_000))[1]);
  const admin = (await proxy.waitFor(/admin\s+(http:\/\/\S+)\//))[1]!;
  assert.match(proxy.stdout, /workers 2/);

  // One connection per request: the primary hands connections to the workers in turn.
  for (let i = 0; i < 20; i++) {
    const r = await get(port, `/r${i}`, false);
    assert.deepEqual([r.status, r.body], [200, `service /r${i}`]);
  }
  const info = await serverInfo(admin);
  assert.equal(info.state, 'LIVE');
  assert.equal(info.concurrency, 2);
  const pids = info.workers.map((w) => w.pid);
  assert.equal(new Set(pids).size, 2, 'two worker processes');
  assert.ok(!pids.includes(proxy.child.pid!), 'the workers are not the primary');
  for (const w of info.workers) assert.ok(w.downstream_rq_total > 0, `worker ${w.id} served requests: ${JSON.stringify(info.workers)}`);
  assert.equal(info.workers.reduce((n, w) => n + w.downstream_rq_total, 0), 20);
  const stats = await (await fetch(`${admin}/stats`)).text();
  assert.match(stats, /^http\.ingress_http\.downstream_rq_total: 20$/m, 'the admin API sums the workers');
  assert.match(stats, /^cluster\.service\.upstream_rq_2xx: 20$/m);
  // Histograms are summed too: the request times of both workers, 20 in all.
  assert.match(stats, /^http\.ingress_http\.downstream_rq_time: P0\(/m);
  const prom = await (await fetch(`${admin}/stats/prometheus`)).text();
  assert.match(prom, /^envoy_http_downstream_rq_time_count\{[^}]*ingress_http[^}]*\} 20$/m, prom.split('\n').filter((l) => l.includes('downstream_rq_time')).join('\n'));
  assert.match(prom, /^envoy_cluster_upstream_rq_time_count\{[^}]*service[^}]*\} 20$/m);
  // /clusters counts the upstream connections of both workers (each keeps one to the backend).
  const clusters = await (await fetch(`${admin}/clusters`)).text();
  const cx = Number(/^service::127\.0\.0\.1:\d+::cx_active::(\d+)$/m.exec(clusters)?.[1]);
  assert.ok(cx >= 2, `cx_active summed over the workers: ${clusters}`);

  // A worker that dies is restarted with the config; the other one serves meanwhile.
  process.kill(pids[0]!, 'SIGKILL');
  const replaced = await until(async () => {
    const i = await serverInfo(admin);
    const w = i.workers.find((x) => x.id === info.workers[0]!.id);
    return w && w.pid !== pids[0] && w.restarts === 1 && w.responding ? i : undefined;
  }, 'the dead worker to be replaced');
  assert.equal(replaced.workers.length, 2);
  for (let i = 0; i < 6; i++) assert.equal((await get(port, '/after', false)).status, 200);
  const after = await serverInfo(admin);
  const newcomer = after.workers.find((x) => x.id === info.workers[0]!.id)!;
  assert.ok(newcomer.downstream_rq_total > 0, 'the new worker serves the shared listener');

  // SIGTERM: the workers stop accepting but finish what is in flight, then everything exits.
  const inFlight = get(port, '/slow', false);
  await new Promise((r) => setTimeout(r, 200));
  const stopped = proxy.stop();
  assert.deepEqual(await inFlight.then((r) => [r.status, r.body]), [200, 'service /slow']);
  assert.equal(await stopped, 0);
  await until(async () => (after.workers.every((w) => !alive(w.pid)) ? true : undefined), 'every worker to exit', 5000);
});

test('--concurrency must be a positive whole number', async () => {
  const r = await rig(['proxy', '--config', join(dir, 'gateway.yaml'), '--concurrency', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--concurrency must be a whole number from 1 to 256, got 0/);
});

function cluster(name: string): NamedResource {
  return { name, resource: pack(ClusterSchema, { name, clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS }, edsClusterConfig: { edsConfig: adsConfigSource() } }) };
}

function cla(name: string, port: number): NamedResource {
  return {
    name,
    resource: pack(ClusterLoadAssignmentSchema, { clusterName: name, endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socketAddress('127.0.0.1', port) } } }] }] }),
  };
}

function route(name: string, cluster: string): NamedResource {
  return {
    name,
    resource: pack(RouteConfigurationSchema, {
      name,
      virtualHosts: [{ name: 'all', domains: ['*'], routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster } } } }] }],
    }),
  };
}

test('over xDS: one ADS connection for all workers, and a pushed route change reaches every open connection', { timeout: 60_000 }, async () => {
  const source = new MemorySource();
  source.set(TypeUrl.Cluster, [cluster('a'), cluster('b')]);
  source.set(TypeUrl.ClusterLoadAssignment, [cla('a', await backend('a')), cla('b', await backend('b'))]);
  source.set(TypeUrl.Listener, [
    {
      name: 'gw',
      resource: pack(ListenerSchema, {
        name: 'gw',
        address: socketAddress('127.0.0.1', 0),
        filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'gw', rds: 'gw-routes' }) } }] }],
      }),
    },
  ]);
  source.set(TypeUrl.RouteConfiguration, [route('gw-routes', 'a')]);
  const ads = new AdsServer({ source, debounceQuietMs: 5, debounceMaxMs: 50 });
  const adsPort = await ads.listen(0);
  cleanup.push(() => ads.close());

  const nodeId = 'router~127.0.0.1~gw-1.rig-system~rig-system.svc.cluster.local';
  const proxy = startRig(['proxy', '--xds', `127.0.0.1:${adsPort}`, '--node-id', nodeId, '--admin-port', '0', '--concurrency', '2']);
  procs.push(proxy);
  const admin = (await proxy.waitFor(/admin\s+(http:\/\/\S+)\//, 30_000))[1]!;
  await until(async () => ((await fetch(`${admin}/ready`)).status === 200 ? true : undefined), 'the proxy to be ready');
  const listeners = (await (await fetch(`${admin}/listeners`)).json()) as { name: string; port: number }[];
  const port = listeners.find((l) => l.name === 'gw')!.port;
  assert.ok(port > 0);

  // Four keep-alive connections, opened together: round robin puts two on each worker.
  const agents = Array.from({ length: 4 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  cleanup.push(() => agents.forEach((a) => a.destroy()));
  const first = await Promise.all(agents.map((a) => get(port, '/x', a)));
  for (const r of first) assert.equal(r.body, 'a /x');
  const info = await serverInfo(admin);
  for (const w of info.workers) assert.ok(w.downstream_rq_total > 0, `worker ${w.id} holds connections: ${JSON.stringify(info.workers)}`);

  const conns = ads.status().filter((s) => s.nodeId === nodeId);
  assert.equal(conns.length, 1, 'the control plane sees one proxy');

  source.set(TypeUrl.RouteConfiguration, [route('gw-routes', 'b')]);
  await Promise.all(
    agents.map((a, i) =>
      until(async () => {
        const r = await get(port, '/y', a);
        assert.ok(r.reused, `connection ${i} stays open`);
        return r.body === 'b /y' ? true : undefined;
      }, `connection ${i} to follow the new route`),
    ),
  );
  assert.equal(ads.status().filter((s) => s.nodeId === nodeId).length, 1);
  assert.equal(await proxy.stop(), 0);
});
