// The ADS server's protocol behaviour over real gRPC, driven by a hand-written stream:
// nonces, ACK/NACK, stale requests, subscriptions, push order, unchanged resources.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { AdsServer } from '../../src/control/xds/server.js';
import { MemorySource, type NamedResource } from '../../src/control/xds/source.js';
import { TypeUrl, pack, unpack } from '../../src/api/envoy/types.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { RawAdsStream } from '../helpers/ads-stream.js';

const node = { id: 'sidecar~127.0.0.2~a.default~default.svc.cluster.local', cluster: 'a.default', locality: { zone: 'z1' } };

function cluster(name: string, connectTimeoutSeconds = 1n): NamedResource {
  return {
    name,
    resource: pack(ClusterSchema, {
      name,
      clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
      connectTimeout: { seconds: connectTimeoutSeconds },
      edsClusterConfig: { edsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } },
    }),
  };
}

function cla(name: string, port: number): NamedResource {
  return {
    name,
    resource: pack(ClusterLoadAssignmentSchema, {
      clusterName: name,
      endpoints: [
        {
          lbEndpoints: [
            {
              hostIdentifier: {
                case: 'endpoint',
                value: { address: { address: { case: 'socketAddress', value: { address: '127.0.0.9', portSpecifier: { case: 'portValue', value: port } } } } },
              },
            },
          ],
        },
      ],
    }),
  };
}

function listener(name: string): NamedResource {
  return { name, resource: pack(ListenerSchema, { name }) };
}

function route(name: string): NamedResource {
  return { name, resource: pack(RouteConfigurationSchema, { name, virtualHosts: [{ name: 'vh', domains: ['*'] }] }) };
}

let source: MemorySource;
let server: AdsServer;
let address: string;
const streams: RawAdsStream[] = [];

function open(): RawAdsStream {
  const s = new RawAdsStream(address);
  streams.push(s);
  return s;
}

beforeEach(async () => {
  source = new MemorySource();
  source.set(TypeUrl.Cluster, [cluster('c1'), cluster('c2')]);
  source.set(TypeUrl.ClusterLoadAssignment, [cla('c1', 1001), cla('c2', 1002)]);
  source.set(TypeUrl.Listener, [listener('l1')]);
  source.set(TypeUrl.RouteConfiguration, [route('r1'), route('r2')]);
  server = new AdsServer({ source, debounceQuietMs: 5, debounceMaxMs: 50 });
  address = `127.0.0.1:${await server.listen(0)}`;
});

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await server.close();
});

test('first request must carry a node', async () => {
  const s = open();
  s.send({ typeUrl: TypeUrl.Cluster });
  await assert.rejects(s.next(500));
  await new Promise((r) => setTimeout(r, 50));
  assert.match(String(s.ended?.message), /node\.id/);
});

test('wildcard CDS gets every cluster; ACK makes it SYNCED', async () => {
  const s = open();
  s.send({ node, typeUrl: TypeUrl.Cluster });
  const r = await s.next();
  assert.equal(r.typeUrl, TypeUrl.Cluster);
  assert.deepEqual(
    r.resources.map((a) => unpack(a, ClusterSchema)?.name),
    ['c1', 'c2'],
  );
  assert.ok(r.nonce && r.versionInfo);
  let st = server.status()[0]!;
  assert.equal(st.nodeId, node.id);
  assert.equal(st.types.CDS!.state, 'STALE');
  assert.equal(st.types.LDS!.state, 'NOT SENT');
  s.send({ typeUrl: TypeUrl.Cluster, versionInfo: r.versionInfo, responseNonce: r.nonce });
  await s.quiet(100);
  st = server.status()[0]!;
  assert.equal(st.types.CDS!.state, 'SYNCED');
  assert.equal(st.types.CDS!.ackedVersion, r.versionInfo);
  assert.deepEqual(st.locality, { region: '', zone: 'z1', subZone: '' });
});

test('named EDS subscription gets only subscribed resources; a subscription change is answered at once', async () => {
  const s = open();
  s.send({ node, typeUrl: TypeUrl.ClusterLoadAssignment, resourceNames: ['c1'] });
  const r1 = await s.next();
  assert.deepEqual(r1.resources.map((a) => unpack(a, ClusterLoadAssignmentSchema)?.clusterName), ['c1']);
  // ACK that also adds c2: answered at once even though nothing changed on the server.
  s.send({ typeUrl: TypeUrl.ClusterLoadAssignment, versionInfo: r1.versionInfo, responseNonce: r1.nonce, resourceNames: ['c1', 'c2'] });
  const r2 = await s.next();
  assert.notEqual(r2.nonce, r1.nonce);
  assert.deepEqual(r2.resources.map((a) => unpack(a, ClusterLoadAssignmentSchema)?.clusterName), ['c2'], 'only the new name is sent; c1 is unchanged');
  s.send({ typeUrl: TypeUrl.ClusterLoadAssignment, versionInfo: r2.versionInfo, responseNonce: r2.nonce, resourceNames: ['c1', 'c2'] });
  assert.equal(await s.quiet(150), undefined, 'a plain ACK is not answered');
});

test('a NACK is recorded with its message and not answered; a later change is pushed', async () => {
  const s = open();
  s.send({ node, typeUrl: TypeUrl.Cluster });
  const r1 = await s.next();
  s.send({
    typeUrl: TypeUrl.Cluster,
    versionInfo: '',
    responseNonce: r1.nonce,
    errorDetail: { code: 3, message: 'Cluster "c1": lb_policy: unsupported' },
  });
  assert.equal(await s.quiet(150), undefined);
  const st = server.status()[0]!.types.CDS!;
  assert.equal(st.state, 'NACKED');
  assert.equal(st.nack?.message, 'Cluster "c1": lb_policy: unsupported');
  assert.equal(server.metrics.expose().match(/pilot_total_xds_rejects\{type="cds"\} (\d+)/)?.[1], '1');
  source.set(TypeUrl.Cluster, [cluster('c1', 2n), cluster('c2')]);
  const r2 = await s.next();
  assert.notEqual(r2.versionInfo, r1.versionInfo);
  s.send({ typeUrl: TypeUrl.Cluster, versionInfo: r2.versionInfo, responseNonce: r2.nonce });
  await s.quiet(100);
  assert.equal(server.status()[0]!.types.CDS!.state, 'SYNCED');
});

test('a request with a stale nonce is ignored', async () => {
  const s = open();
  s.send({ node, typeUrl: TypeUrl.Cluster });
  const r1 = await s.next();
  source.set(TypeUrl.Cluster, [cluster('c1', 3n)]);
  const r2 = await s.next();
  // An ACK for the superseded response, arriving late, must not mark the new one ACKed.
  s.send({ typeUrl: TypeUrl.Cluster, versionInfo: r1.versionInfo, responseNonce: r1.nonce });
  await s.quiet(100);
  assert.equal(server.status()[0]!.types.CDS!.state, 'STALE');
  s.send({ typeUrl: TypeUrl.Cluster, versionInfo: r2.versionInfo, responseNonce: r2.nonce });
  await s.quiet(100);
  assert.equal(server.status()[0]!.types.CDS!.state, 'SYNCED');
  assert.match(server.metrics.expose(), /pilot_xds_expired_nonce\{type="cds"\} 1/);
});

test('pushes go in order CDS, EDS, LDS, RDS and skip unchanged and unsubscribed types', async () => {
  const s = open();
  const acks = new Map<string, { v: string; n: string; names: string[] }>();
  const subscribe = [
    { typeUrl: TypeUrl.RouteConfiguration, resourceNames: ['r1'] },
    { typeUrl: TypeUrl.Listener, resourceNames: [] },
    { typeUrl: TypeUrl.ClusterLoadAssignment, resourceNames: ['c1'] },
    { typeUrl: TypeUrl.Cluster, resourceNames: [] },
  ];
  s.send({ node, ...subscribe[0]! });
  for (const sub of subscribe.slice(1)) s.send(sub);
  for (let i = 0; i < 4; i++) {
    const r = await s.next();
    const sub = subscribe.find((x) => x.typeUrl === r.typeUrl)!;
    acks.set(r.typeUrl, { v: r.versionInfo, n: r.nonce, names: sub.resourceNames });
    s.send({ typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames: sub.resourceNames });
  }
  await s.quiet(100);
  assert.ok(server.status()[0]!.types.RDS!.state === 'SYNCED');

  // Change everything at once: one debounced push, in push order; r2 is not subscribed.
  source.set(TypeUrl.RouteConfiguration, [
    { name: 'r1', resource: pack(RouteConfigurationSchema, { name: 'r1', virtualHosts: [{ name: 'vh2', domains: ['x'] }] }) },
    route('r2'),
  ]);
  source.set(TypeUrl.Listener, [listener('l1'), listener('l2')]);
  source.set(TypeUrl.Cluster, [cluster('c1'), cluster('c2'), cluster('c3')]);
  source.set(TypeUrl.ClusterLoadAssignment, [cla('c1', 2001), cla('c2', 1002)]);
  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await s.next();
    order.push(r.typeUrl.split('.').pop()!);
    if (r.typeUrl === TypeUrl.RouteConfiguration) {
      assert.deepEqual(r.resources.map((a) => unpack(a, RouteConfigurationSchema)?.name), ['r1']);
    }
    const sub = acks.get(r.typeUrl)!;
    s.send({ typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames: sub.names });
  }
  assert.deepEqual(order, ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration']);

  // Only r2 changes: the proxy does not subscribe to it, so nothing is sent.
  source.set(TypeUrl.RouteConfiguration, [
    { name: 'r1', resource: pack(RouteConfigurationSchema, { name: 'r1', virtualHosts: [{ name: 'vh2', domains: ['x'] }] }) },
    { name: 'r2', resource: pack(RouteConfigurationSchema, { name: 'r2' }) },
  ]);
  assert.equal(await s.quiet(200), undefined);
  // Same content re-announced: nothing is sent.
  source.set(TypeUrl.Cluster, [cluster('c1'), cluster('c2'), cluster('c3')]);
  assert.equal(await s.quiet(200), undefined);
  const metrics = server.metrics.expose();
  assert.match(metrics, /pilot_proxy_convergence_time_count [1-9]/);
  assert.match(metrics, /pilot_xds 1/);
});

test('versions derive from content: a restarted server gives the same version', async () => {
  const s = open();
  s.send({ node, typeUrl: TypeUrl.Cluster });
  const r1 = await s.next();
  const other = new AdsServer({ source, debounceQuietMs: 5 });
  const port = await other.listen(0);
  const s2 = new RawAdsStream(`127.0.0.1:${port}`);
  try {
    s2.send({ node, typeUrl: TypeUrl.Cluster });
    const r2 = await s2.next();
    assert.equal(r2.versionInfo, r1.versionInfo);
  } finally {
    s2.close();
    await other.close();
  }
});

test('DiscoveryResponse resources are real encoded bytes that decode back', async () => {
  const s = open();
  s.send({ node, typeUrl: TypeUrl.Cluster, resourceNames: ['c2'] });
  const r = await s.next();
  assert.equal(r.resources.length, 1);
  const c = unpack(r.resources[0]!, ClusterSchema)!;
  assert.ok(r.resources[0]!.value.length > 10);
  assert.deepEqual(c, create(ClusterSchema, unpack(cluster('c2').resource, ClusterSchema)));
});
