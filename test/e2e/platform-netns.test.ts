// Transparent capture on the local platform, driven as a user drives it: in a fresh
// RIG_HOME, install the minimal profile with values.global.isolation=netns, label the default
// namespace for injection, `rig run` an unmodified HTTP server (it knows nothing of proxies
// and listens on 0.0.0.0:8080; `--isolation netns`) and an unmodified client (netns by the
// install value) that does a plain `http.get('http://hello:8080/')` with no proxy
// environment. The name resolves through the pod DNS server to the Service's VIP, iptables
// hands the connection to the client's sidecar, and the server's sidecar receives it by
// inbound capture: both sidecars' stats count it and the server sees the x-request-id the
// client sidecar added. A killed supervisor's successor leaves no stale namespace; deleting
// the pods and uninstalling leave no network namespace, veth or bridge. Needs Linux, root,
// `ip netns`, iptables-restore and setpriv; skipped with the reason otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig } from '../helpers/process.js';
import { NetnsNetwork, netnsUnsupported } from '../../src/platform/local/netns.js';
import { processesOf, until as waitUntil } from '../helpers/wait.js';

const skip = netnsUnsupported() ?? false;
const home = mkdtempSync(join(tmpdir(), 'rig-netns-'));
chmodSync(home, 0o755);
const env = { RIG_HOME: home, RIG_LOG_LEVEL: 'warn' };
const run = (...args: string[]) => rig(args, env);
// This RIG_HOME's names (the bridge, the namespaces' prefix) as the supervisor derives them.
const net = new NetnsNetwork(home, { xdsAddress: () => undefined, startDns: () => Promise.resolve(() => Promise.resolve()) });
const nsPrefix = `rig-${net.hash}-`;
const vethPrefix = `rv${net.hash.slice(0, 4)}`;

const ourProcesses = (): number[] => processesOf(home);

function netnsList(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(nsPrefix));
}

function links(): string[] {
  const r = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => (/^\d+: ([^:@]+)/.exec(l)?.[1] ?? '').trim())
    .filter((n) => n === net.bridge || n.startsWith(vethPrefix));
}

const until = <T>(fn: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> => waitUntil(fn, what, ms, 100);

/** Pod name → { ready, status, ip } from `rig get pods -o wide`. */
async function pods(): Promise<Map<string, { ready: string; status: string; ip: string }>> {
  const r = await run('get', 'pods', '-o', 'wide');
  assert.equal(r.code, 0, r.stderr);
  const m = new Map<string, { ready: string; status: string; ip: string }>();
  for (const line of r.stdout.trim().split('\n').slice(1)) {
    const [name, ready, status, , , ip] = line.split(/\s+/) as [string, string, string, string, string, string];
    m.set(name, { ready, status, ip });
  }
  return m;
}

/**
 * A run of this test that was killed leaves its mesh running (supervisor, pods, namespaces,
 * bridge). Its RIG_HOME is a rig-netns-* directory untouched for minutes (a run takes
 * seconds, so a parallel run is never taken for one): uninstall it, remove what is left.
 */
async function removeCrashedRuns(): Promise<void> {
  for (const d of readdirSync(tmpdir())) {
    const dir = join(tmpdir(), d);
    if (!d.startsWith('rig-netns-') || dir === home) continue;
    if (Date.now() - statSync(dir).mtimeMs < 5 * 60_000) continue;
    await rig(['uninstall', '-y'], { RIG_HOME: dir, RIG_LOG_LEVEL: 'warn' });
    new NetnsNetwork(dir, { xdsAddress: () => undefined, startDns: () => Promise.resolve(() => Promise.resolve()) }).reconcile();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The value of one stat from a sidecar's /stats, 0 when absent. */
async function stat(ip: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${ip}:15000/stats`, { signal: AbortSignal.timeout(2000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.slice(name.length + 2)) : 0;
}

before(async () => {
  if (!skip) await removeCrashedRuns();
  writeFileSync(
    join(home, 'server.mjs'),
    `import { createServer } from 'node:http';
createServer((req, res) => res.end(JSON.stringify({ url: req.url, headers: req.headers }))).listen(8080, '0.0.0.0');
`,
  );
  writeFileSync(
    join(home, 'client.mjs'),
    `import { get } from 'node:http';
// Asks until it gets an answer (the sidecars may still be receiving their config), then idles.
console.log('PROXY ' + (process.env.HTTP_PROXY ?? process.env.http_proxy ?? 'none') + ' HOST ' + process.env.HOST);
const tick = () => get('http://hello:8080/plain', (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => {
    console.log('RESULT ' + res.statusCode + ' ' + body);
    if (res.statusCode !== 200) setTimeout(tick, 300);
  });
}).on('error', (e) => {
  console.log('ERROR ' + e.message);
  setTimeout(tick, 300);
});
tick();
setInterval(() => {}, 1 << 30);
`,
  );
  for (const f of ['server.mjs', 'client.mjs']) chmodSync(join(home, f), 0o644);
});

after(async () => {
  if (skip) {
    rmSync(home, { recursive: true, force: true });
    return;
  }
  if (ourProcesses().length > 0) await run('uninstall', '-y');
  for (const pid of ourProcesses()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  net.reconcile();
  rmSync(home, { recursive: true, force: true });
});

const opts = { skip, timeout: 60_000 };
let helloIP = '';
let clientIP = '';

test('netns pods: an unmodified client reaches an unmodified server through both sidecars by iptables capture', opts, async () => {
  // netns the default for new pods; the mesh's own pods stay on loopback.
  const i = await run('install', '--set', 'profile=minimal', '--set', 'values.global.isolation=netns', '-y');
  assert.equal(i.code, 0, i.stdout + i.stderr);
  const system = await run('get', 'pods', '-n', 'rig-system', '-o', 'wide');
  assert.match(system.stdout, /^rigd-\S+\s+1\/1\s+Running\s+\d+\s+\S+\s+127\./m, 'the control plane stays on loopback');
  assert.equal((await run('label', 'namespace', 'default', 'istio-injection=enabled')).code, 0);

  // A named port (http-…) tells the mesh its protocol, so the client sidecar routes it as HTTP.
  const server = await run('run', 'hello', '--isolation', 'netns', '--port', 'http:8080', '--expose', '--', process.execPath, join(home, 'server.mjs'));
  assert.equal(server.code, 0, server.stdout + server.stderr);
  assert.match(server.stdout, new RegExp(`pod/hello 2/2 Running \\(IP 10\\.\\d+\\.\\d+\\.\\d+, with sidecar, network namespace ${nsPrefix}\\w+\\)`));
  const client = await run('run', 'client', '--', process.execPath, join(home, 'client.mjs'));
  assert.equal(client.code, 0, client.stdout + client.stderr);

  const p = await pods();
  assert.deepEqual({ ready: p.get('hello')?.ready, status: p.get('hello')?.status }, { ready: '2/2', status: 'Running' });
  assert.deepEqual({ ready: p.get('client')?.ready, status: p.get('client')?.status }, { ready: '2/2', status: 'Running' });
  helloIP = p.get('hello')!.ip;
  clientIP = p.get('client')!.ip;
  assert.match(helloIP, /^10\.\d+\.\d+\.\d+$/);
  assert.equal(netnsList().length, 2, 'a network namespace per pod');

  // The client asks until it gets an answer: its log shows it.
  const body = await until(async () => {
    const r = await run('logs', 'client');
    return /^RESULT 200 (.*)$/m.exec(r.stdout)?.[1];
  }, 'the server to answer through both sidecars', 20_000);
  assert.match((await run('logs', 'client')).stdout, /^PROXY none HOST 0\.0\.0\.0$/m, 'no proxy environment; apps listen on every address of the namespace');
  const got = JSON.parse(body) as { url: string; headers: Record<string, string> };
  assert.equal(got.url, '/plain');
  assert.match(got.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/, 'x-request-id added by the client sidecar');

  assert.ok((await stat(clientIP, 'cluster.outbound|8080||hello.default.svc.cluster.local.upstream_rq_2xx')) >= 1, 'the client sidecar routed it');
  assert.ok((await stat(helloIP, 'cluster.inbound|8080||.upstream_rq_2xx')) >= 1, 'the server sidecar received it');

  // rig exec runs inside the pod's namespace: the service name resolves and the call is captured.
  const ex = await run('exec', 'client', '--', 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://hello:8080/from-exec');
  assert.equal(ex.stdout, '200', ex.stderr);
});

test('netns pods: a killed supervisor leaks nothing: its successor removes the old namespaces and sets the pods up again', opts, async () => {
  const before = netnsList();
  const info = JSON.parse(readFileSync(join(home, 'run', 'supervisor.json'), 'utf8')) as { pid: number };
  process.kill(info.pid, 'SIGKILL');
  await until(async () => {
    try {
      process.kill(info.pid, 0);
      return undefined;
    } catch {
      return true;
    }
  }, 'the supervisor to be gone', 5_000);
  const i = await run('install', '--set', 'profile=minimal', '--set', 'values.global.isolation=netns', '-y');
  assert.equal(i.code, 0, i.stdout + i.stderr);
  await until(async () => {
    const p = await pods();
    return p.get('hello')?.ready === '2/2' && p.get('client')?.ready === '2/2' ? p : undefined;
  }, 'both pods to be 2/2 again', 20_000);
  assert.deepEqual(netnsList().sort(), before.sort(), 'the same namespaces, set up again (no leftovers)');
  assert.equal(links().filter((l) => l.startsWith(vethPrefix)).length, 2, 'one veth per pod');
  await until(async () => {
    const r = await run('logs', 'client');
    return (r.stdout.match(/^RESULT 200 /gm) ?? []).length >= 2 ? true : undefined;
  }, 'the restarted client to be answered again', 20_000);
});

test('netns pods: deleting the pods and uninstalling remove every namespace, veth and the bridge', opts, async () => {
  assert.equal((await run('delete', 'pod', 'client')).code, 0);
  assert.equal(netnsList().length, 1);
  assert.ok(links().includes(net.bridge), 'the bridge stays while a netns pod runs');
  assert.equal((await run('delete', 'pod', 'hello')).code, 0);
  assert.deepEqual(netnsList(), []);
  assert.deepEqual(links(), [], 'no veth and no bridge once the last netns pod is gone');
  const u = await run('uninstall', '-y');
  assert.equal(u.code, 0, u.stderr);
  assert.deepEqual(ourProcesses(), []);
  assert.deepEqual(netnsList(), []);
  assert.deepEqual(links(), []);
  assert.deepEqual(readdirSync('/etc/netns', { withFileTypes: true }).filter((d) => d.name.startsWith(nsPrefix)), []);
});
