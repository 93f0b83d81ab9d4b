// The `remote` installation profile end to end, as a user drives it with `node bin/rig …`:
// mesh A (profile minimal) runs a control plane; mesh B (profile remote, another RIG_HOME)
// runs none and points its sidecars and its workload registrations at A's. In B, a client
// reaches a server by its Service name through both sidecars; A's `rig proxy-status` lists
// B's sidecars SYNCED; B's `rig version` counts them. A remote install against an address
// where nothing answers fails with exit 1 and leaves nothing running. Uninstalling B, then
// A, leaves no process behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig } from '../helpers/process.js';
import { defaultPodBlock } from '../../src/platform/local/ipam.js';
import { processesOf, until as waitUntil } from '../helpers/wait.js';

const homeA = mkdtempSync(join(tmpdir(), 'rig-primary-'));
const homeB = mkdtempSync(join(tmpdir(), 'rig-remote-'));
const homeDead = mkdtempSync(join(tmpdir(), 'rig-remote-dead-'));
const envA = { RIG_HOME: homeA, RIG_LOG_LEVEL: 'warn' };
const envB = { RIG_HOME: homeB, RIG_LOG_LEVEL: 'warn' };
const envDead = { RIG_HOME: homeDead, RIG_LOG_LEVEL: 'warn' };

/** The command lines of a RIG_HOME's processes, once those exiting (a CLI's esbuild helper) are gone: [] when nothing runs. */
async function leftOver(home: string): Promise<string[]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const cmds = processesOf(home).map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      } catch {
        return '';
      }
    }).filter(Boolean);
    if (cmds.length === 0 || Date.now() > deadline) return cmds;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const until = <T>(fn: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> => waitUntil(fn, what, ms, 150);

let blockSet: string[] = [];
let a: { monitoringAddress: string; xdsAddress: string } = { monitoringAddress: '', xdsAddress: '' };

before(() => {
  writeFileSync(
    join(homeB, 'server.mjs'),
    `import { createServer } from 'node:http';
createServer((req, res) => res.end('hello from ' + process.env.POD_NAME + ' ' + req.url + '\\n')).listen(Number(process.env.PORT), process.env.HOST);
`,
  );
  writeFileSync(
    join(homeB, 'client.mjs'),
    `import { request } from 'node:http';
const target = new URL(process.argv[2]);
const proxy = new URL(process.env.HTTP_PROXY);
const req = request({ host: proxy.hostname, port: proxy.port, path: target.href, headers: { host: target.host } }, (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => { process.stdout.write(res.statusCode + ' ' + body); process.exit(res.statusCode === 200 ? 0 : 1); });
});
req.on('error', (e) => { console.error(e.message); process.exit(2); });
req.end();
`,
  );
});

after(async () => {
  for (const [home, env] of [
    [homeB, envB],
    [homeA, envA],
    [homeDead, envDead],
  ] as const) {
    if (processesOf(home).length > 0) await rig(['uninstall', '-y'], env);
    for (const pid of processesOf(home)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(home, { recursive: true, force: true });
  }
});

test('a remote install against an address where no control plane answers exits 1 and leaves nothing running', async () => {
  const r = await rig(['install', '--set', 'profile=remote', '--set', 'values.global.remotePilotAddress=127.0.0.1:1', '--set', 'values.global.remoteMonitoringAddress=127.0.0.1:1', '-y'], envDead);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /the remote control plane at 127\.0\.0\.1:1 does not answer/);
  assert.match(r.stderr, /values\.global\.remotePilotAddress=IP/);
  assert.deepEqual(await leftOver(homeDead), []);
  assert.equal(existsSync(join(homeDead, 'state.json')), false, 'no mesh recorded');
  const missing = await rig(['install', '--set', 'profile=remote', '-y'], envDead);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /remotePilotAddress/);
});

test('mesh A (minimal) and mesh B (remote, using A\'s control plane) install', async () => {
  const ra = await rig(['install', '--set', 'profile=minimal', '-y'], envA);
  assert.equal(ra.code, 0, ra.stdout + ra.stderr);
  a = JSON.parse(readFileSync(join(homeA, 'run', 'control-plane.json'), 'utf8')) as typeof a;
  assert.match(a.xdsAddress, /^127\.\d+\.\d+\.\d+:15010$/);

  // Two RIG_HOMEs' pod blocks come from hashes of their paths; should this pair's coincide, B takes the next one.
  const blockA = (JSON.parse(readFileSync(join(homeA, 'state.json'), 'utf8')) as { podBlock: string }).podBlock;
  const n = Number(blockA.split('.')[1]);
  blockSet = defaultPodBlock(homeB) === blockA ? ['--set', `values.global.podBlock=127.${n === 254 ? 1 : n + 1}`] : [];
  const wrongXds = await rig(['install', '--set', 'profile=remote', ...blockSet, '--set', `values.global.remotePilotAddress=${a.xdsAddress.replace(/:\d+$/, ':1')}`, '--set', `values.global.remoteMonitoringAddress=${a.monitoringAddress}`, '-y'], envB);
  assert.equal(wrongXds.code, 1, wrongXds.stdout + wrongXds.stderr);
  assert.match(wrongXds.stderr, /xDS address \S+:1 does not answer \(connection refused\)/);
  assert.deepEqual(await leftOver(homeB), []);

  const rb = await rig(['install', '--set', 'profile=remote', ...blockSet, '--set', `values.global.remotePilotAddress=${a.xdsAddress}`, '--set', `values.global.remoteMonitoringAddress=${a.monitoringAddress}`, '-y'], envB);
  assert.equal(rb.code, 0, rb.stdout + rb.stderr);
  assert.match(rb.stdout, /✔ Remote control plane at /);
  assert.doesNotMatch(rb.stdout, /✔ Control plane installed|gateways installed/);
  assert.match(rb.stdout, /✔ Installation complete/);
  const b = JSON.parse(readFileSync(join(homeB, 'run', 'control-plane.json'), 'utf8')) as typeof a;
  assert.deepEqual(b, a, "B's CLI talks to A's control plane");
  const sys = await rig(['get', 'pods', '-n', 'rig-system'], envB);
  assert.equal(sys.code, 0, sys.stderr);
  assert.doesNotMatch(sys.stdout, /rigd-/, 'no control plane in B');
});

test("in B, a client reaches a server by Service name through both sidecars; A's proxy-status and B's version see them", async () => {
  const l = await rig(['label', 'namespace', 'default', 'istio-injection=enabled'], envB);
  assert.equal(l.code, 0, l.stderr);
  assert.match((await rig(['get', 'ns', '--show-labels'], envA)).stdout, /^default\s+Active\s+\S+\s+istio-injection=enabled$/m, "the label is in A's store");
  const server = await rig(['run', 'hello', '--port', 'http:8080', '--expose', '--', process.execPath, join(homeB, 'server.mjs')], envB);
  assert.equal(server.code, 0, server.stdout + server.stderr);
  assert.match(server.stdout, /pod\/hello 2\/2 Running/);
  const client = await rig(['run', 'sleep', '--', process.execPath, '-e', 'setInterval(() => {}, 1 << 30)'], envB);
  assert.equal(client.code, 0, client.stdout + client.stderr);

  let last = '';
  const r = await until(async () => {
    const x = await rig(['exec', 'sleep', '--', process.execPath, join(homeB, 'client.mjs'), 'http://hello:8080/greet'], envB);
    last = `exit ${x.code}: ${x.stdout}${x.stderr}`;
    return x.code === 0 ? x : undefined;
  }, 'the server to answer through the sidecars').catch((err: Error) => Promise.reject(new Error(`${err.message} (last: ${last})`)));
  assert.equal(r.stdout, '200 hello from hello /greet\n');

  const status = await until(async () => {
    const x = await rig(['proxy-status'], envA);
    assert.equal(x.code, 0, x.stderr);
    return /^hello\.default\s+\S+\s+SYNCED/m.test(x.stdout) && /^sleep\.default\s+\S+\s+SYNCED/m.test(x.stdout) ? x.stdout : undefined;
  }, "B's sidecars SYNCED in A's proxy-status");
  assert.equal(status.trimEnd().split('\n').length, 3, status);

  const v = await rig(['version'], envB);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /^data plane version: \d+\.\d+\.\d+ \(2 proxies\)$/m);
  const vs = await rig(['get', 'svc'], envB);
  assert.match(vs.stdout, /^hello\s+ClusterIP\s/m, "B's Service is in A's store");
});

test('uninstalling B, then A, leaves no process; B\'s workloads leave A\'s registry', async () => {
  const ub = await rig(['uninstall', '-y'], envB);
  assert.equal(ub.code, 0, ub.stderr);
  assert.deepEqual(await leftOver(homeB), []);
  const items = ((await (await fetch(`http://${a.monitoringAddress}/rig/v1/workloads?namespace=default`)).json()) as { items: unknown[] }).items;
  assert.deepEqual(items, [], 'no workload of B left registered');
  const ua = await rig(['uninstall', '-y'], envA);
  assert.equal(ua.code, 0, ua.stderr);
  assert.deepEqual(await leftOver(homeA), []);
});
