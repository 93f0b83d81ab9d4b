// `rig pilot` as a user runs it: a real process serving a resource file over ADS, its
// status API and metrics, `rig version` reading it, hot reload, and a clean SIGTERM.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig, startRig, type Proc } from '../helpers/process.js';
import { RawAdsStream } from '../helpers/ads-stream.js';
import { TypeUrl, unpack } from '../../src/api/envoy/types.js';
import { ClusterSchema } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-pilot-'));
const file = join(dir, 'resources.yaml');
const clusterYaml = (name: string) => `- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster\n  name: ${name}\n  type: STATIC\n  connect_timeout: 1s\n`;
let pilot: Proc | undefined;
let stream: RawAdsStream | undefined;

after(async () => {
  stream?.close();
  await pilot?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('rig pilot serves, reports status and metrics, reloads, and stops on SIGTERM', { timeout: 60_000 }, async () => {
  writeFileSync(file, clusterYaml('one'));
  pilot = startRig(['pilot', '--xds-port', '0', '--monitoring-port', '0', '--resources', file]);
  const xds = (await pilot.waitFor(/xDS \(ADS, plaintext\)\s+(\S+)/))[1]!;
  const status = (await pilot.waitFor(/status and metrics\s+http:\/\/(\S+?)\/debug/))[1]!;

  stream = new RawAdsStream(xds);
  stream.send({ node: { id: 'test~127.0.0.5~t.default~default.svc.cluster.local', locality: { zone: 'z' } }, typeUrl: TypeUrl.Cluster });
  const r1 = await stream.next(5000);
  assert.deepEqual(r1.resources.map((a) => unpack(a, ClusterSchema)?.name), ['one']);
  stream.send({ typeUrl: TypeUrl.Cluster, versionInfo: r1.versionInfo, responseNonce: r1.nonce });

  // /debug/syncz shows the proxy SYNCED once it ACKs.
  let syncz: { nodeId: string; types: Record<string, { state: string }> }[] = [];
  for (let i = 0; i < 50; i++) {
    syncz = (await (await fetch(`http://${status}/debug/syncz`)).json()) as typeof syncz;
    if (syncz[0]?.types.CDS?.state === 'SYNCED') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(syncz.length, 1);
  assert.equal(syncz[0]!.nodeId, 'test~127.0.0.5~t.default~default.svc.cluster.local');
  assert.equal(syncz[0]!.types.CDS!.state, 'SYNCED');
  assert.equal(syncz[0]!.types.LDS!.state, 'NOT SENT');

  const metrics = await (await fetch(`http://${status}/metrics`)).text();
  assert.match(metrics, /^pilot_xds 1$/m);
  assert.match(metrics, /^pilot_xds_pushes\{type="cds"\} 1$/m);

  const v = await rig(['version', '--monitoring-address', status]);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^client version: \d+\.\d+\.\d+$/m);
  assert.match(v.stdout, /^control plane version: \d+\.\d+\.\d+$/m);
  assert.match(v.stdout, /^data plane version: \d+\.\d+\.\d+ \(1 proxies\)$/m);

  // Editing the file pushes the change to the connected proxy.
  writeFileSync(file, clusterYaml('one') + clusterYaml('two'));
  const r2 = await stream.next(5000);
  assert.deepEqual(r2.resources.map((a) => unpack(a, ClusterSchema)?.name), ['one', 'two']);
  stream.send({ typeUrl: TypeUrl.Cluster, versionInfo: r2.versionInfo, responseNonce: r2.nonce });

  // A broken file is reported and nothing is pushed: the last good resources stay.
  writeFileSync(file, '- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster\n  name: three\n  lb_policy: BOGUS\n');
  await pilot.waitFor(/keeping the last good resources.*BOGUS/, 5000);
  assert.equal(await stream.quiet(300), undefined);

  assert.equal(await pilot.stop(), 0, 'exits 0 on SIGTERM');
});

test('rig pilot refuses a port that is taken, with a hint', { timeout: 30_000 }, async () => {
  const first = startRig(['pilot', '--xds-port', '0', '--monitoring-port', '0']);
  try {
    const port = (await first.waitFor(/status and metrics\s+http:\/\/127\.0\.0\.1:(\d+)/))[1]!;
    const second = await rig(['pilot', '--xds-port', '0', '--monitoring-port', port]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /cannot listen on 127\.0\.0\.1:\d+/);
    assert.match(second.stderr, /--monitoring-port/);
  } finally {
    await first.stop();
  }
});

test('rig with an unknown command or flag says so and exits non-zero', async () => {
  const a = await rig(['frobnicate']);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /unknown command "frobnicate"/);
  const b = await rig(['pilot', '--nope']);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /unknown flag --nope/);
  const c = await rig(['pilot', '--help']);
  assert.equal(c.code, 0);
  assert.match(c.stdout, /Examples:/);
});
