// The proxy's xDS client against a scripted ADS server over real gRPC: the exact requests
// it sends (node, versions, nonces, subscriptions), ACK and NACK, partial acceptance,
// state-of-the-world removal, reconnects with backoff, and what its snapshots hold.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { TypeUrl, pack } from '../../src/api/envoy/types.js';
import { adsConfigSource, httpConnectionManager, socketAddress, HCM_FILTER } from '../../src/api/envoy/build.js';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { TransportSocketSchema } from '../../src/api/gen/envoy/config/core/v3/base_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { SecretSchema } from '../../src/api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { UpstreamTlsContextSchema } from '../../src/api/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { ManualClock, type Random } from '../../src/shared/clock.js';
import { VERSION } from '../../src/shared/version.js';
import { XdsClient, type XdsClientOptions, type XdsSnapshot } from '../../src/proxy/xds-client/index.js';
import { ScriptedAds } from '../helpers/scripted-ads.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.RouteConfiguration;
const SDS = TypeUrl.Secret;

interface ClusterOpts {
  serviceName?: string;
  lbPolicy?: Cluster_LbPolicy;
  transportSocket?: MessageInitShape<typeof TransportSocketSchema>;
}

function edsCluster(name: string, opts: ClusterOpts = {}) {
  return pack(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { serviceName: opts.serviceName ?? '', edsConfig: adsConfigSource() },
    lbPolicy: opts.lbPolicy,
    transportSocket: opts.transportSocket,
  });
}

function cla(name: string, port: number) {
  return pack(ClusterLoadAssignmentSchema, {
    clusterName: name,
    endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socketAddress('127.0.0.9', port) } } }] }],
  });
}

function httpListener(name: string, port: number, rds: string) {
  return pack(ListenerSchema, {
    name,
    address: socketAddress('0.0.0.0', port),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: name, rds }) } }] }],
  });
}

function apiListener(name: string, rds: string) {
  return pack(ListenerSchema, { name, apiListener: { apiListener: httpConnectionManager({ statPrefix: name, rds }) } });
}

function routeConfig(name: string, domain = '*', cluster = 'c1') {
  return pack(RouteConfigurationSchema, {
    name,
    virtualHosts: [
      { name: 'vh', domains: [domain], routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster } } } }] },
    ],
  });
}

const bootstrapNode = {
  id: 'sidecar~127.0.0.2~a-1.default~default.svc.cluster.local',
  cluster: 'a.default',
  metadata: { NAMESPACE: 'default', LABELS: { app: 'a', version: 'v1' }, ISTIO_VERSION: '1.22.0' },
  locality: { region: 'r1', zone: 'z1' },
};

const servers: ScriptedAds[] = [];
const clients: XdsClient[] = [];

async function server(port = 0): Promise<ScriptedAds> {
  const s = await ScriptedAds.start(port);
  servers.push(s);
  return s;
}

function client(ads: ScriptedAds, opts: Partial<XdsClientOptions> = {}): XdsClient {
  const c = new XdsClient({ bootstrap: { node: bootstrapNode, xdsServer: ads.address }, backoff: { baseMs: 20, maxMs: 100 }, ...opts });
  clients.push(c);
  c.start();
  return c;
}

afterEach(() => {
  for (const c of clients.splice(0)) c.stop();
  for (const s of servers.splice(0)) s.close();
});

async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function settled(p: Promise<void>): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]);
}

test('subscribes CDS and LDS with the node, ACKs by nonce, and subscribes EDS and RDS names from accepted clusters and listeners', async () => {
  const ads = await server();
  const c = client(ads);
  const snapshots: XdsSnapshot[] = [];
  c.onUpdate((s) => snapshots.push(s));

  const first = (await ads.next()).request;
  assert.equal(first.typeUrl, CDS, 'CDS first, in push order');
  assert.equal(first.node?.id, bootstrapNode.id);
  assert.equal(first.node?.cluster, 'a.default');
  assert.deepEqual(first.node?.metadata, bootstrapNode.metadata);
  assert.deepEqual({ ...first.node?.locality }, { $typeName: 'envoy.config.core.v3.Locality', region: 'r1', zone: 'z1', subZone: '' });
  assert.equal(first.node?.userAgentName, 'rigging');
  assert.deepEqual(first.node?.userAgentVersionType, { case: 'userAgentVersion', value: VERSION });
  assert.deepEqual([first.versionInfo, first.responseNonce, first.resourceNames], ['', '', []]);
  const lds0 = (await ads.next()).request;
  assert.equal(lds0.typeUrl, LDS);
  assert.equal(lds0.node, undefined, 'node only on the first request of a stream');
  assert.equal(await ads.quiet(), undefined, 'no EDS/RDS/SDS request before anything refers to a name');

  const n1 = ads.respond({
    typeUrl: CDS,
    versionInfo: 'cds-1',
    resources: [
      edsCluster('outbound|80||a.default', { serviceName: 'a.default.svc' }),
      edsCluster('outbound|80||b.default'),
      pack(ClusterSchema, { name: 'static', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC } }),
    ],
  });
  const ack = (await ads.next(CDS)).request;
  assert.deepEqual([ack.versionInfo, ack.responseNonce, ack.resourceNames, ack.errorDetail], ['cds-1', n1, [], undefined]);
  const eds = (await ads.next(EDS)).request;
  assert.deepEqual(eds.resourceNames, ['a.default.svc', 'outbound|80||b.default'], 'service_name, else the cluster name; sorted');
  assert.deepEqual([eds.versionInfo, eds.responseNonce], ['', '']);

  ads.respond({ typeUrl: LDS, versionInfo: 'lds-1', resources: [httpListener('0.0.0.0_80', 80, 'r80'), apiListener('api', 'r-api'), httpListener('0.0.0.0_81', 81, 'r80')] });
  assert.equal((await ads.next(LDS)).request.versionInfo, 'lds-1');
  const rds = (await ads.next(RDS)).request;
  assert.deepEqual(rds.resourceNames, ['r-api', 'r80'], 'from filter chains and the api_listener, deduplicated');

  assert.equal(await settled(c.ready()), false, 'not ready while RDS and EDS are warming');
  const e1 = ads.respond({ typeUrl: EDS, versionInfo: 'eds-1', resources: [cla('a.default.svc', 8080), cla('outbound|80||b.default', 8081)] });
  assert.equal((await ads.next(EDS)).request.responseNonce, e1);
  const r1 = ads.respond({ typeUrl: RDS, versionInfo: 'rds-1', resources: [routeConfig('r80'), routeConfig('r-api', 'api')] });
  const rack = (await ads.next(RDS)).request;
  assert.deepEqual([rack.versionInfo, rack.responseNonce, rack.resourceNames], ['rds-1', r1, ['r-api', 'r80']]);
  await c.ready();

  const s = c.snapshot();
  assert.deepEqual(s.versions, { CDS: 'cds-1', EDS: 'eds-1', LDS: 'lds-1', RDS: 'rds-1', SDS: '' });
  assert.deepEqual([...s.clusters.keys()], ['outbound|80||a.default', 'outbound|80||b.default', 'static']);
  assert.deepEqual([...s.listeners.keys()], ['0.0.0.0_80', '0.0.0.0_81', 'api']);
  assert.deepEqual([...s.routes.keys()], ['r-api', 'r80']);
  assert.deepEqual([...s.endpoints.keys()], ['a.default.svc', 'outbound|80||b.default']);
  assert.equal(snapshots.at(-1), s);
  assert.equal(snapshots.length, 4, 'one snapshot per accepted response');
  assert.ok(Object.isFrozen(s));

  // A listener goes away: LDS removes it (state of the world), RDS drops its route config.
  ads.respond({ typeUrl: LDS, versionInfo: 'lds-2', resources: [httpListener('0.0.0.0_80', 80, 'r80')] });
  await ads.next(LDS);
  const rds2 = (await ads.next(RDS)).request;
  assert.deepEqual([rds2.resourceNames, rds2.versionInfo, rds2.responseNonce], [['r80'], 'rds-1', r1], 'last accepted version and last nonce');
  const s2 = c.snapshot();
  assert.notEqual(s2, s);
  assert.deepEqual([...s2.listeners.keys()], ['0.0.0.0_80']);
  assert.deepEqual([...s2.routes.keys()], ['r80'], 'an unsubscribed route config leaves the snapshot');
  assert.equal(s2.clusters, s.clusters, 'unchanged types share their map');
  assert.deepEqual([...s.listeners.keys()], ['0.0.0.0_80', '0.0.0.0_81', 'api'], 'the old snapshot is untouched');

  const st = c.status();
  assert.equal(st.state, 'connected');
  assert.equal(st.ready, true);
  assert.deepEqual(st.types.RDS.subscribed, ['r80']);
  assert.equal(st.types.CDS.subscribed, '*');
  assert.equal(st.types.CDS.nonce, n1);
  assert.equal(st.types.CDS.version, 'cds-1');
  assert.equal(typeof st.types.CDS.lastAckAt, 'number');
  assert.equal(st.types.CDS.lastNack, undefined);
});

test('NACKs an invalid response with every error, applies its valid resources, and keeps the last good ones', async () => {
  const ads = await server();
  const c = client(ads);
  await ads.next(CDS);
  ads.respond({ typeUrl: CDS, versionInfo: 'v1', resources: [edsCluster('c1'), edsCluster('c2')] });
  await ads.next(CDS);
  await ads.next(EDS);
  const good = c.snapshot().clusters.get('c1');
  assert.ok(good);

  const nonce = ads.respond({
    typeUrl: CDS,
    versionInfo: 'v2',
    resources: [
      edsCluster('c1', { lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED }),
      edsCluster('c3'),
      pack(ClusterSchema, { name: 'c4', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS } }),
      pack(ListenerSchema, { name: 'not-a-cluster' }),
    ],
  });
  const nack = (await ads.next(CDS)).request;
  assert.equal(nack.versionInfo, 'v1', 'a NACK carries the last accepted version');
  assert.equal(nack.responseNonce, nonce);
  assert.equal(nack.errorDetail?.code, 3);
  assert.equal(
    nack.errorDetail?.message,
    [
      'Cluster "c1": lb_policy: unsupported value CLUSTER_PROVIDED',
      'Cluster "c4": eds_cluster_config: required for an EDS cluster',
      `Cluster resources[3]: type_url "${LDS}" does not match the response type_url "${CDS}"`,
    ].join('; '),
  );

  const s = c.snapshot();
  assert.equal(s.versions.CDS, 'v1');
  assert.equal(s.clusters.get('c1'), good, 'the invalid c1 keeps its last good value');
  assert.ok(s.clusters.has('c3'), 'the valid c3 is applied (partial acceptance)');
  assert.equal(s.clusters.has('c4'), false, 'an invalid new cluster stays absent');
  assert.ok(s.clusters.has('c2'), 'a response with an undecodable resource removes nothing');
  const eds = (await ads.next(EDS)).request;
  assert.deepEqual(eds.resourceNames, ['c1', 'c2', 'c3']);

  const st = c.status().types.CDS;
  assert.deepEqual({ nonce: st.lastNack?.nonce, version: st.lastNack?.version }, { nonce, version: 'v2' });
  assert.match(st.lastNack!.message, /^Cluster "c1": lb_policy/);

  // The control plane fixes it: ACKed, c2 (absent now) removed, c4 still absent.
  const fixed = ads.respond({ typeUrl: CDS, versionInfo: 'v3', resources: [edsCluster('c1'), edsCluster('c3')] });
  const ack = (await ads.next(CDS)).request;
  assert.deepEqual([ack.versionInfo, ack.responseNonce, ack.errorDetail], ['v3', fixed, undefined]);
  assert.deepEqual([...c.snapshot().clusters.keys()], ['c1', 'c3']);
  assert.equal(c.snapshot().versions.CDS, 'v3');
});

test('named types keep resources a response leaves out; unsubscribed resources are ignored; identical resends keep the object', async () => {
  const ads = await server();
  const c = client(ads);
  await ads.next(CDS);
  ads.respond({ typeUrl: CDS, versionInfo: 'v1', resources: [edsCluster('c1'), edsCluster('c2')] });
  await ads.next(CDS);
  await ads.next(EDS);
  ads.respond({ typeUrl: EDS, versionInfo: 'e1', resources: [cla('c1', 1), cla('c2', 2)] });
  await ads.next(EDS);
  const before = c.snapshot();
  ads.respond({ typeUrl: EDS, versionInfo: 'e2', resources: [cla('c1', 1), cla('c2', 3), cla('unrequested', 0)] });
  const ack = (await ads.next(EDS)).request;
  assert.equal(ack.errorDetail, undefined, 'an invalid resource nobody asked for is not validated');
  const after = c.snapshot();
  assert.equal(after.endpoints.get('c1'), before.endpoints.get('c1'), 'sent again unchanged: same object');
  assert.notEqual(after.endpoints.get('c2'), before.endpoints.get('c2'));
  assert.equal(after.endpoints.has('unrequested'), false);
  ads.respond({ typeUrl: EDS, versionInfo: 'e3', resources: [cla('c2', 4)] });
  await ads.next(EDS);
  assert.deepEqual([...c.snapshot().endpoints.keys()], ['c1', 'c2'], 'c1 was left out, not removed');
  assert.equal(c.snapshot().versions.EDS, 'e3');
});

test('subscribes SDS names referenced by cluster TLS', async () => {
  const ads = await server();
  const c = client(ads);
  await ads.next(CDS);
  const tls = pack(UpstreamTlsContextSchema, {
    commonTlsContext: {
      tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: adsConfigSource() }],
      validationContextType: { case: 'combinedValidationContext', value: { validationContextSdsSecretConfig: { name: 'ROOTCA', sdsConfig: adsConfigSource() } } },
    },
  });
  ads.respond({ typeUrl: CDS, versionInfo: 'v1', resources: [edsCluster('c1', { transportSocket: { name: 'tls', configType: { case: 'typedConfig', value: tls } } })] });
  const sds = (await ads.next(SDS)).request;
  assert.deepEqual(sds.resourceNames, ['ROOTCA', 'default']);
  ads.respond({ typeUrl: SDS, versionInfo: 's1', resources: [pack(SecretSchema, { name: 'ROOTCA', type: { case: 'validationContext', value: {} } })] });
  await ads.next(SDS);
  assert.deepEqual([...c.snapshot().secrets.keys()], ['ROOTCA']);
});

test('control plane restarted on the same port: the snapshot stays, the client reconnects and resubscribes with its versions', async () => {
  let ads = await server();
  const port = ads.port;
  const c = client(ads);
  await ads.next(CDS);
  ads.respond({ typeUrl: CDS, versionInfo: 'cds-1', resources: [edsCluster('c1')] });
  ads.respond({ typeUrl: LDS, versionInfo: 'lds-1', resources: [httpListener('l1', 80, 'r1')] });
  const en = ads.respond({ typeUrl: EDS, versionInfo: 'eds-1', resources: [cla('c1', 1)], nonce: 'eds-nonce' });
  ads.respond({ typeUrl: RDS, versionInfo: 'rds-1', resources: [routeConfig('r1')] });
  await c.ready();
  assert.equal(en, 'eds-nonce');
  const held = c.snapshot();

  ads.close();
  servers.splice(servers.indexOf(ads), 1);
  await waitFor(() => c.status().state === 'backoff', 'backoff');
  assert.equal(c.snapshot(), held, 'the last good snapshot stays in force');
  assert.match(c.status().lastError ?? '', /^[A-Z_]+: /, 'why the stream ended is reported');

  await new Promise((r) => setTimeout(r, 150)); // a few failed attempts against the closed port
  ads = await server(port);
  const got = [];
  for (let i = 0; i < 4; i++) got.push(await ads.next());
  assert.ok(got.every((r) => r.stream === 1));
  assert.deepEqual(
    got.map(({ request: r }) => [r.typeUrl, r.versionInfo, r.responseNonce, r.resourceNames, r.node?.id]),
    [
      [CDS, 'cds-1', '', [], bootstrapNode.id],
      [EDS, 'eds-1', '', ['c1'], undefined],
      [LDS, 'lds-1', '', [], undefined],
      [RDS, 'rds-1', '', ['r1'], undefined],
    ],
  );
  assert.equal(c.snapshot(), held);
  ads.respond({ typeUrl: CDS, versionInfo: 'cds-2', resources: [edsCluster('c1'), edsCluster('c2')] });
  await ads.next(CDS);
  assert.deepEqual((await ads.next(EDS)).request.resourceNames, ['c1', 'c2']);
  assert.equal(c.status().state, 'connected');
});

test('a stream ended by the server is reopened; a response sent on it is ACKed with the new nonce only', async () => {
  const ads = await server();
  const c = client(ads);
  await ads.next(CDS);
  await ads.next(LDS);
  ads.respond({ typeUrl: CDS, versionInfo: 'v1', resources: [edsCluster('c1')] });
  await ads.next(CDS);
  await ads.next(EDS);
  ads.endStreams();
  const again = await ads.next(CDS);
  assert.equal(again.stream, 2);
  assert.deepEqual([again.request.versionInfo, again.request.responseNonce], ['v1', '']);
  assert.ok(again.request.node);
  assert.equal(c.status().types.CDS.nonce, '');
});

test('reconnect backoff runs on the injected clock, grows while the server is down, and resets after a response', async () => {
  const probe = await ScriptedAds.start();
  const port = probe.port;
  probe.close(); // nothing listens on `port` now
  const clock = new ManualClock();
  const random: Random = { next: () => 0.99 }; // delay ≈ the ceiling: base·2^attempt
  const c = new XdsClient({ bootstrap: { node: bootstrapNode, xdsServer: `127.0.0.1:${port}` }, clock, random, backoff: { baseMs: 1000, maxMs: 60_000 }, initialFetchTimeoutMs: 1e9 });
  clients.push(c);
  c.start();
  // Two timers on the clock while backing off: the reconnect and the (far) initial fetch timeout.
  for (let attempt = 0; attempt < 4; attempt++) {
    await waitFor(() => c.status().state === 'backoff' && clock.pending === 2, `failed attempt ${attempt}`);
    const ceiling = 1000 * 2 ** attempt;
    clock.advance(ceiling * 0.99 - 10);
    assert.equal(c.status().state, 'backoff', `still waiting after attempt ${attempt}`);
    clock.advance(20);
    assert.equal(c.status().state, 'connecting');
  }
  await waitFor(() => c.status().state === 'backoff', 'fifth failure');
  const ads = await server(port);
  clock.advance(16_000);
  await ads.next(CDS);
  ads.respond({ typeUrl: CDS, versionInfo: 'v1', resources: [] });
  await ads.next(CDS);
  ads.endStreams();
  await waitFor(() => c.status().state === 'backoff', 'backoff after the stream ended');
  clock.advance(1000); // the first step again, not 32 s
  const r = await ads.next(CDS);
  assert.equal(r.stream, 2);
});

test('never crashes on a bad message: an unknown response type is ignored, a throwing listener is contained', async () => {
  const ads = await server();
  const c = client(ads);
  c.onUpdate(() => {
    throw new Error('listener bug');
  });
  await ads.next(CDS);
  await ads.next(LDS);
  ads.respond({ typeUrl: 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig', versionInfo: 'x', resources: [] });
  ads.respond({ typeUrl: CDS, versionInfo: 'v1', resources: [edsCluster('c1')] });
  const ack = (await ads.next(CDS)).request;
  assert.equal(ack.versionInfo, 'v1');
  assert.equal(c.snapshot().clusters.size, 1);
});

test('stop() before ready rejects ready() and ends the stream', async () => {
  const ads = await server();
  const c = client(ads);
  await ads.next(CDS);
  await ads.next(LDS);
  c.stop();
  await assert.rejects(c.ready(), /stopped before it was ready/);
  assert.equal(c.status().state, 'stopped');
  c.start();
  assert.equal(await ads.quiet(100), undefined, 'a stopped client stays stopped');
});
