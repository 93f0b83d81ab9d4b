// Rigging's ADS server drives an independent xDS client: a proxyless gRPC client
// (@grpc/grpc-js-xds, in its own process, no Rigging code) resolves `xds:///echo` through
// LDS → RDS → CDS → EDS served by AdsServer, and its RPCs reach real gRPC backends.
// It follows endpoint changes, splits traffic by route weight, NACKs what it cannot use
// (and Rigging's status shows it), and keeps serving from its cache across an ADS restart.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdsServer } from '../../src/control/xds/server.js';
import { MemorySource } from '../../src/control/xds/source.js';
import { TypeUrl } from '../../src/api/envoy/types.js';
import { startEchoBackend, type EchoBackend } from '../helpers/echo-backend.js';
import { GrpcXdsClient, tally, type RpcResult } from '../helpers/grpc-xds-client.js';
import { apiListener, routeConfig, edsCluster, loadAssignment, Cluster_LbPolicy } from '../helpers/xds-resources.js';

const SERVICE = 'echo';
const ROUTES = 'echo-routes';
const MAIN = 'echo-main';
const CANARY = 'echo-canary';
const NODE_ID = 'grpc-xds-interop~127.0.0.1~echo-client.default~default.svc.cluster.local';
const XDS_TYPES = ['CDS', 'EDS', 'LDS', 'RDS'] as const;
const DEBOUNCE = { debounceQuietMs: 10, debounceMaxMs: 100 };

type ProxyStatus = ReturnType<AdsServer['status']>[number];

let a: EchoBackend | undefined;
let b: EchoBackend | undefined;
let source: MemorySource;
let server: AdsServer | undefined;
let adsPort = 0;
let client: GrpcXdsClient | undefined;

function backends(): { a: EchoBackend; b: EchoBackend } {
  assert.ok(a && b, 'backends are running');
  return { a, b };
}

function xds(): { server: AdsServer; client: GrpcXdsClient } {
  assert.ok(server && client, 'ADS server and xDS client are running');
  return { server, client };
}

/** Polls server.status() until this client's connection satisfies pred; bounded. */
async function waitForStatus(pred: (s: ProxyStatus) => boolean, timeoutMs: number, what: string): Promise<ProxyStatus> {
  const deadline = performance.now() + timeoutMs;
  let last: ProxyStatus[] = [];
  for (;;) {
    last = server?.status().filter((s) => s.nodeId === NODE_ID) ?? [];
    const hit = last.find(pred);
    if (hit) return hit;
    if (performance.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}\nstatus: ${JSON.stringify(last, null, 2)}\n` +
          `xDS client stderr (tail):\n${client?.stderr.slice(-4000) || '(empty)'}`,
      );
    }
    await sleep(20);
  }
}

const allSynced = (s: ProxyStatus) => XDS_TYPES.every((t) => s.types[t]?.state === 'SYNCED');

function assertAllOk(results: readonly RpcResult[], what: string): void {
  const failed = results.filter((r) => !r.ok);
  assert.equal(failed.length, 0, `${what}: ${failed.length}/${results.length} RPCs failed, e.g. ${JSON.stringify(failed.slice(0, 3))}`);
}

function describeCounts(results: readonly RpcResult[]): string {
  return JSON.stringify(Object.fromEntries(tally(results)));
}

/** Starts an AdsServer on `port`, retrying while the previous one still holds it. */
async function startAds(port: number): Promise<{ server: AdsServer; port: number }> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const s = new AdsServer({ source, ...DEBOUNCE });
    try {
      return { server: s, port: await s.listen(port, '127.0.0.1') };
    } catch (e) {
      await s.close();
      if (port === 0 || performance.now() > deadline) throw e;
      await sleep(50);
    }
  }
}

describe('grpc-js-xds, an independent xDS client, driven by the ADS server', { timeout: 120_000 }, () => {
  before(async () => {
    a = await startEchoBackend('backend-a');
    b = await startEchoBackend('backend-b');
    source = new MemorySource();
    source.set(TypeUrl.Listener, [apiListener(SERVICE, ROUTES)]);
    source.set(TypeUrl.RouteConfiguration, [routeConfig(ROUTES, { cluster: MAIN }, [SERVICE])]);
    source.set(TypeUrl.Cluster, [edsCluster(MAIN)]);
    source.set(TypeUrl.ClusterLoadAssignment, [loadAssignment(MAIN, [{ port: a.port }])]);
    ({ server, port: adsPort } = await startAds(0));
    client = await GrpcXdsClient.start({
      serviceName: SERVICE,
      xdsServer: `127.0.0.1:${adsPort}`,
      nodeId: NODE_ID,
      locality: { region: 'local', zone: 'local-a', sub_zone: '' },
    });
  });

  after(async () => {
    // Each step on its own: one failing must not leave a process or a port behind.
    await client?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await a?.stop().catch(() => undefined);
    await b?.stop().catch(() => undefined);
  });

  test('LDS (api_listener HCM) → RDS → CDS (EDS) → EDS: RPCs reach backend A', { timeout: 30_000 }, async (t) => {
    const { client, server } = xds();
    const { a } = backends();
    // The first RPCs wait for the client to resolve the whole chain.
    const warmup = client.startRun({ intervalMs: 20, deadlineMs: 2000 });
    await warmup.waitFor((r) => r.ok, 15_000, 'a first successful RPC');
    await warmup.stop();

    const results = await client.run(20);
    assertAllOk(results, 'steady state');
    assert.deepEqual(Object.fromEntries(tally(results)), { [a.name]: 20 });

    const st = await waitForStatus(allSynced, 5000, 'CDS, EDS, LDS and RDS SYNCED');
    assert.deepEqual(
      XDS_TYPES.map((ty) => st.types[ty]?.subscribed),
      [[MAIN], [MAIN], [SERVICE], [ROUTES]],
      'the client subscribed by name to exactly the chain it resolved',
    );
    t.diagnostic(`client ${st.userAgent} (${st.peer}) synced: ${XDS_TYPES.map((ty) => `${ty} v${st.types[ty]?.version}`).join(', ')}`);
    assert.equal(server.status().length, 1, 'one ADS stream');
  });

  test('an EDS change moves traffic to backend B without restarting the client', { timeout: 30_000 }, async (t) => {
    const { client } = xds();
    const { a, b } = backends();
    const pid = client.pid;
    const live = client.startRun({ intervalMs: 20, deadlineMs: 2000 });
    try {
      await live.waitFor((r) => r.ok && r.backend === a.name, 5000, 'traffic on backend A');
      const changedAt = performance.now();
      source.set(TypeUrl.ClusterLoadAssignment, [loadAssignment(MAIN, [{ port: b.port }])]);
      const first = await live.waitFor((r) => r.ok && r.backend === b.name, 10_000, 'the first RPC answered by backend B');
      const lag = first.at - changedAt;
      // RPCs go out every 20 ms, so the switch happened after the last A answer before `first`.
      const lastA = live.results.filter((r) => r.at >= changedAt && r.at < first.at && r.ok && r.backend === a.name).pop();
      const bound = lastA ? `, last answer from A at ${(lastA.at - changedAt).toFixed(1)} ms` : '';
      t.diagnostic(`EDS lag: ${lag.toFixed(1)} ms from source.set to the first RPC answered by backend B${bound} (RPC every 20 ms, debounce quiet 10 ms)`);
      const at = live.results.indexOf(first);
      await live.waitFor(() => live.results.length >= at + 10, 5000, '10 more RPCs');
    } finally {
      await live.stop();
    }
    assertAllOk(live.results, 'during the EDS change');
    const tail = live.results.slice(-5);
    assert.ok(tail.every((r) => r.ok && r.backend === b.name), `traffic stays on B: ${describeCounts(tail)}`);

    const after = await client.run(20);
    assertAllOk(after, 'after the EDS change');
    assert.deepEqual(Object.fromEntries(tally(after)), { [b.name]: 20 });
    assert.equal(client.pid, pid, 'the same client process');
  });

  test('a weighted route splits 80/20 over two clusters', { timeout: 60_000 }, async (t) => {
    const { client } = xds();
    const { a, b } = backends();
    // MAIN (weight 80) now on B; CANARY (weight 20) on A.
    source.set(TypeUrl.Cluster, [edsCluster(MAIN), edsCluster(CANARY)]);
    source.set(TypeUrl.ClusterLoadAssignment, [loadAssignment(MAIN, [{ port: b.port }]), loadAssignment(CANARY, [{ port: a.port }])]);
    source.set(TypeUrl.RouteConfiguration, [
      routeConfig(ROUTES, { weightedClusters: [{ name: MAIN, weight: 80 }, { name: CANARY, weight: 20 }] }, [SERVICE]),
    ]);
    // In force once the canary answers and every type is ACKed.
    const warmup = client.startRun({ intervalMs: 10, deadlineMs: 2000 });
    try {
      await warmup.waitFor((r) => r.ok && r.backend === a.name, 10_000, 'traffic on the canary (backend A)');
    } finally {
      await warmup.stop();
    }
    const st = await waitForStatus(
      (s) => allSynced(s) && Array.isArray(s.types.CDS?.subscribed) && s.types.CDS.subscribed.length === 2,
      5000,
      'both clusters SYNCED',
    );
    assert.deepEqual(st.types.CDS?.subscribed, [CANARY, MAIN]);

    const n = 400;
    const results = await client.run(n, { timeoutMs: 30_000 });
    assertAllOk(results, 'weighted route');
    const counts = tally(results);
    const mainShare = (100 * (counts.get(b.name) ?? 0)) / n;
    const canaryShare = (100 * (counts.get(a.name) ?? 0)) / n;
    t.diagnostic(`weighted 80/20 over ${n} RPCs: ${MAIN} ${mainShare.toFixed(1)}%, ${CANARY} ${canaryShare.toFixed(1)}%`);
    assert.equal(mainShare + canaryShare, 100);
    assert.ok(Math.abs(mainShare - 80) <= 10, `main share ${mainShare}% is within 80 ± 10`);
  });

  test('an invalid Cluster (lb_policy MAGLEV) is NACKed; traffic stays on the last good config; a fix re-syncs', { timeout: 30_000 }, async (t) => {
    const { client } = xds();
    const { a, b } = backends();
    const before = await waitForStatus(allSynced, 5000, 'all SYNCED before the bad push');
    const goodVersion = before.types.CDS?.version;
    assert.ok(goodVersion);

    source.set(TypeUrl.Cluster, [edsCluster(MAIN, Cluster_LbPolicy.MAGLEV), edsCluster(CANARY)]);
    const nacked = await waitForStatus((s) => s.types.CDS?.state === 'NACKED', 10_000, 'CDS NACKED');
    const cds = nacked.types.CDS!;
    t.diagnostic(`CDS NACK from grpc-js-xds: ${cds.nack?.message}`);
    assert.ok(cds.nack, 'status carries the NACK');
    assert.match(cds.nack.message, /MAGLEV/, 'the client says what it rejected');
    assert.notEqual(cds.version, goodVersion, 'the rejected push had a new version');
    assert.equal(cds.ackedVersion, goodVersion, 'the last ACKed version is the good one');
    for (const ty of ['EDS', 'LDS', 'RDS'] as const) assert.equal(nacked.types[ty]?.state, 'SYNCED', `${ty} unaffected`);

    const during = await client.run(100);
    assertAllOk(during, 'while CDS is NACKed');
    const counts = tally(during);
    assert.ok((counts.get(a.name) ?? 0) > 0 && (counts.get(b.name) ?? 0) > 0, `still the weighted split: ${describeCounts(during)}`);

    source.set(TypeUrl.Cluster, [edsCluster(MAIN), edsCluster(CANARY)]);
    const fixed = await waitForStatus(allSynced, 10_000, 'CDS SYNCED after the fix');
    assert.equal(fixed.types.CDS?.version, goodVersion, 'the fixed content has the good version again');
    assert.equal(fixed.types.CDS?.ackedVersion, goodVersion);
    assertAllOk(await client.run(20), 'after the fix');
  });

  test('the ADS server restarts on the same port: RPCs keep succeeding, the client resyncs', { timeout: 60_000 }, async (t) => {
    const { client, server: old } = xds();
    const live = client.startRun({ intervalMs: 20, deadlineMs: 2000 });
    try {
      await live.waitFor((r) => r.ok, 5000, 'traffic before the restart');
      await old.close();
      server = undefined;
      const downAt = performance.now();
      const fromDown = live.results.length;
      await sleep(500); // the control plane is gone; the data plane must not notice
      const servedWhileDown = live.results.length - fromDown;

      const restarted = await startAds(adsPort);
      server = restarted.server;
      assert.equal(restarted.port, adsPort);
      const upAt = performance.now();
      await waitForStatus(allSynced, 20_000, 'the client to resync with the new ADS server (all four types SYNCED)');
      const resync = performance.now() - upAt;
      t.diagnostic(
        `ADS down ${(upAt - downAt).toFixed(0)} ms (${servedWhileDown} RPCs served meanwhile); resynced ${resync.toFixed(0)} ms after the new server listened`,
      );
      assert.ok(servedWhileDown > 0, 'RPCs were issued while the ADS server was down');
      const n = live.results.length;
      await live.waitFor(() => live.results.length >= n + 5, 5000, 'RPCs after the resync');
    } finally {
      await live.stop();
    }
    assertAllOk(live.results, 'across the ADS restart');
    const st = xds().server.status().filter((s) => s.nodeId === NODE_ID);
    assert.equal(st.length, 1, 'one stream on the new server');
    for (const ty of XDS_TYPES) assert.equal(st[0]?.types[ty]?.state, 'SYNCED', `${ty} SYNCED on the new server`);
  });
});
