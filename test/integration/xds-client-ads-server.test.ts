// The proxy's xDS client against Rigging's real ADS server (src/control/xds/server.ts)
// over real gRPC: warming to ready, pushes becoming snapshots, a NACK the server records
// with the client's message, and a control plane restarted on the same port.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { AdsServer } from '../../src/control/xds/server.js';
import { MemorySource, type NamedResource } from '../../src/control/xds/source.js';
import { TypeUrl, pack } from '../../src/api/envoy/types.js';
import { adsConfigSource, httpConnectionManager, socketAddress, HCM_FILTER } from '../../src/api/envoy/build.js';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { VERSION } from '../../src/shared/version.js';
import { XdsClient, type XdsSnapshot } from '../../src/proxy/xds-client/index.js';

const nodeId = 'sidecar~127.0.0.2~a-1.default~default.svc.cluster.local';

function cluster(name: string, lbPolicy = Cluster_LbPolicy.ROUND_ROBIN): NamedResource {
  return {
    name,
    resource: pack(ClusterSchema, {
      name,
      lbPolicy,
      clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
      edsClusterConfig: { edsConfig: adsConfigSource() },
    }),
  };
}

function cla(name: string, port: number): NamedResource {
  return {
    name,
    resource: pack(ClusterLoadAssignmentSchema, {
      clusterName: name,
      endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socketAddress('127.0.0.9', port) } } }] }],
    }),
  };
}

function listener(name: string, port: number, rds: string): NamedResource {
  return {
    name,
    resource: pack(ListenerSchema, {
      name,
      address: socketAddress('0.0.0.0', port),
      filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: name, rds }) } }] }],
    }),
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

function mesh(): MemorySource {
  const source = new MemorySource();
  source.set(TypeUrl.Cluster, [cluster('outbound|80||a.default'), cluster('outbound|80||b.default')]);
  source.set(TypeUrl.ClusterLoadAssignment, [cla('outbound|80||a.default', 8080), cla('outbound|80||b.default', 8081), cla('outbound|80||unused', 1)]);
  source.set(TypeUrl.Listener, [listener('0.0.0.0_80', 80, '80')]);
  source.set(TypeUrl.RouteConfiguration, [route('80', 'outbound|80||a.default'), route('9090', 'outbound|80||b.default')]);
  return source;
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function startServer(source: MemorySource, port = 0): Promise<{ server: AdsServer; port: number }> {
  const server = new AdsServer({ source, debounceQuietMs: 5, debounceMaxMs: 50 });
  const bound = await server.listen(port);
  cleanup.push(() => server.close());
  return { server, port: bound };
}

function startClient(port: number): XdsClient {
  const client = new XdsClient({
    bootstrap: { node: { id: nodeId, cluster: 'a.default', metadata: { NAMESPACE: 'default' } }, xdsServer: `127.0.0.1:${port}` },
    backoff: { baseMs: 20, maxMs: 200 },
  });
  cleanup.push(() => client.stop());
  client.start();
  return client;
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function proxyTypes(server: AdsServer) {
  return server.status().find((s) => s.nodeId === nodeId)?.types;
}

function allSynced(server: AdsServer): boolean {
  const t = proxyTypes(server);
  return !!t && ['CDS', 'EDS', 'LDS', 'RDS'].every((k) => t[k]?.state === 'SYNCED');
}

test('warms from the real ADS server: ready once CDS, LDS and the EDS and RDS they need arrived; the server sees every type ACKed', async () => {
  const { server, port } = await startServer(mesh());
  const client = startClient(port);
  await client.ready();
  const s = client.snapshot();
  assert.deepEqual([...s.clusters.keys()], ['outbound|80||a.default', 'outbound|80||b.default']);
  assert.deepEqual([...s.endpoints.keys()], ['outbound|80||a.default', 'outbound|80||b.default'], 'only subscribed endpoints');
  assert.deepEqual([...s.routes.keys()], ['80'], 'only the route config a listener refers to');
  assert.deepEqual([...s.listeners.keys()], ['0.0.0.0_80']);
  for (const v of [s.versions.CDS, s.versions.EDS, s.versions.LDS, s.versions.RDS]) assert.notEqual(v, '');

  await until(() => allSynced(server), 'every type SYNCED on the server');
  const st = server.status().find((x) => x.nodeId === nodeId)!;
  assert.equal(st.userAgent, `rigging/${VERSION}`);
  assert.deepEqual(st.metadata, { NAMESPACE: 'default' });
  assert.deepEqual(st.types.EDS!.subscribed, ['outbound|80||a.default', 'outbound|80||b.default']);
  assert.equal(st.types.SDS!.state, 'NOT SENT');
  assert.equal(client.status().types.CDS.version, st.types.CDS!.ackedVersion);
});

test('a push becomes one new snapshot; a config the proxy rejects is NACKed to the server and the last good one stays', async () => {
  const source = mesh();
  const { server, port } = await startServer(source);
  const client = startClient(port);
  await client.ready();
  await until(() => allSynced(server), 'synced');
  const updates: XdsSnapshot[] = [];
  client.onUpdate((s) => updates.push(s));

  source.set(TypeUrl.Cluster, [cluster('outbound|80||a.default'), cluster('outbound|80||b.default'), cluster('outbound|80||c.default')]);
  source.set(TypeUrl.ClusterLoadAssignment, [cla('outbound|80||a.default', 8080), cla('outbound|80||b.default', 8081), cla('outbound|80||c.default', 8082)]);
  await until(() => client.snapshot().endpoints.has('outbound|80||c.default'), 'the new cluster and its endpoints');
  assert.ok(client.snapshot().clusters.has('outbound|80||c.default'));
  const good = client.snapshot().clusters.get('outbound|80||a.default');

  source.set(TypeUrl.Cluster, [cluster('outbound|80||a.default', Cluster_LbPolicy.CLUSTER_PROVIDED), cluster('outbound|80||b.default')]);
  await until(() => proxyTypes(server)?.CDS?.state === 'NACKED', 'the NACK on the server');
  assert.equal(proxyTypes(server)!.CDS!.nack?.message, 'Cluster "outbound|80||a.default": lb_policy: unsupported value CLUSTER_PROVIDED');
  const s = client.snapshot();
  assert.equal(s.clusters.get('outbound|80||a.default'), good, 'the last good cluster stays');
  assert.equal(s.clusters.has('outbound|80||c.default'), false, 'the valid part of the response is applied: c is gone');
  assert.equal(s.endpoints.has('outbound|80||c.default'), false, 'and its endpoints are unsubscribed');
  assert.equal(client.status().types.CDS.lastNack?.message, proxyTypes(server)!.CDS!.nack?.message);
  assert.ok(updates.length >= 2);
  assert.equal(updates.at(-1), client.snapshot());
});

test('the control plane restarts on the same port: the snapshot stays while it is down, then the client resubscribes and is in sync again', async () => {
  const source = mesh();
  const first = await startServer(source);
  const client = startClient(first.port);
  await client.ready();
  await until(() => allSynced(first.server), 'synced');
  const held = client.snapshot();

  await first.server.close();
  await until(() => client.status().state === 'backoff', 'the client noticing');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(client.snapshot(), held);

  const second = await startServer(source, first.port);
  await until(() => allSynced(second.server), 'synced with the restarted server');
  assert.equal(client.status().state, 'connected');
  // Same content, same versions: nothing changed for the proxy.
  assert.deepEqual(client.snapshot().versions, held.versions);
  assert.equal(client.snapshot(), held, 'an identical resend does not produce a new snapshot');
});

test('an endpoint change reaches the snapshot without a restart (lag measured), and a weighted 80/20 route arrives intact', async (t) => {
  const source = mesh();
  const { port } = await startServer(source);
  const client = startClient(port);
  await client.ready();
  const endpointPort = (s: XdsSnapshot) => {
    const ep = s.endpoints.get('outbound|80||a.default')?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
    return ep?.case === 'endpoint' && ep.value.address?.address.case === 'socketAddress' && ep.value.address.address.value.portSpecifier.case === 'portValue'
      ? ep.value.address.address.value.portSpecifier.value
      : undefined;
  };
  assert.equal(endpointPort(client.snapshot()), 8080);
  const t0 = performance.now();
  const moved = new Promise<number>((resolve) => {
    const off = client.onUpdate((s) => {
      if (endpointPort(s) === 9999) {
        off();
        resolve(performance.now() - t0);
      }
    });
  });
  source.set(TypeUrl.ClusterLoadAssignment, [cla('outbound|80||a.default', 9999), cla('outbound|80||b.default', 8081)]);
  const lag = await moved;
  t.diagnostic(`EDS change → client snapshot: ${lag.toFixed(1)} ms (debounce quiet 5 ms)`);
  assert.ok(lag < 2000);

  source.set(TypeUrl.RouteConfiguration, [
    {
      name: '80',
      resource: pack(RouteConfigurationSchema, {
        name: '80',
        virtualHosts: [
          {
            name: 'all',
            domains: ['*'],
            routes: [
              {
                match: { pathSpecifier: { case: 'prefix', value: '/' } },
                action: {
                  case: 'route',
                  value: {
                    clusterSpecifier: {
                      case: 'weightedClusters',
                      value: { clusters: [{ name: 'outbound|80||a.default', weight: 80 }, { name: 'outbound|80||b.default', weight: 20 }] },
                    },
                  },
                },
              },
            ],
          },
        ],
      }),
    },
  ]);
  await until(() => {
    const a = client.snapshot().routes.get('80')?.virtualHosts[0]?.routes[0]?.action;
    return a?.case === 'route' && a.value.clusterSpecifier.case === 'weightedClusters';
  }, 'weighted route in the snapshot');
  const a = client.snapshot().routes.get('80')!.virtualHosts[0]!.routes[0]!.action;
  assert.ok(a.case === 'route' && a.value.clusterSpecifier.case === 'weightedClusters');
  assert.deepEqual(a.value.clusterSpecifier.value.clusters.map((c) => [c.name, c.weight]), [['outbound|80||a.default', 80], ['outbound|80||b.default', 20]]);
});

test('a referenced route config that never arrives stops holding ready() back after the initial fetch timeout', async () => {
  const source = mesh();
  source.set(TypeUrl.Listener, [listener('0.0.0.0_80', 80, 'missing-routes')]);
  const { port } = await startServer(source);
  const client = new XdsClient({
    bootstrap: { node: { id: nodeId, cluster: 'a.default' }, xdsServer: `127.0.0.1:${port}` },
    initialFetchTimeoutMs: 300,
  });
  cleanup.push(() => client.stop());
  const t0 = performance.now();
  client.start();
  await client.ready();
  const waited = performance.now() - t0;
  assert.ok(waited >= 290, `ready only after the timeout, waited ${waited.toFixed(0)} ms`);
  assert.equal(client.snapshot().routes.has('missing-routes'), false);
  assert.equal(client.snapshot().clusters.size, 2);
});
