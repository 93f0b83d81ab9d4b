// The local platform end to end, driven exactly as a user drives it: every step is a real
// `node bin/rig …` process in a fresh RIG_HOME. Install the demo profile, see the control
// plane and gateways Running, `rig version` counting both gateways, label the default
// namespace for injection, run an HTTP server and a client (both 2/2 with sidecars), send a
// request from the client pod's environment through both sidecars (visible in both proxies'
// stats), reach the server through the ingress gateway with a Gateway and VirtualService,
// and uninstall leaving no process and no listening port behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { rig } from '../helpers/process.js';
import { processesOf, until as waitUntil } from '../helpers/wait.js';

const home = mkdtempSync(join(tmpdir(), 'rig-platform-'));
const env = { RIG_HOME: home, RIG_LOG_LEVEL: 'warn' };
// A loopback address of its own for the ingress gateway, so port 8080 is free whatever else runs here.
const ingressIP = `127.${200 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}.1`;

const run = (...args: string[]) => rig(args, env);

/** Processes whose environment carries this test's RIG_HOME (the supervisor and every container). */
const ourProcesses = (): number[] => processesOf(home);

/** Listening TCP sockets on this mesh's addresses (its pod block and the ingress address). */
function ourListeners(block: string): string[] {
  const lines: string[] = [];
  for (const f of ['/proc/net/tcp']) {
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== '0A') continue; // LISTEN
      const [hex, portHex] = cols[1]!.split(':') as [string, string];
      const ip = [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
      if (ip.startsWith(`${block}.`) || ip === ingressIP) lines.push(`${ip}:${parseInt(portHex, 16)}`);
    }
  }
  return lines;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(1000, () => s.destroy(new Error('timeout')));
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

const until = <T>(fn: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> => waitUntil(fn, what, ms, 100);

/** Pod name → { ready, status, ip } from `rig get pods -o wide`. */
async function pods(ns: string): Promise<Map<string, { ready: string; status: string; ip: string }>> {
  const r = await run('get', 'pods', '-n', ns, '-o', 'wide');
  assert.equal(r.code, 0, r.stderr);
  const m = new Map<string, { ready: string; status: string; ip: string }>();
  for (const line of r.stdout.trim().split('\n').slice(1)) {
    const [name, ready, status, , , ip] = line.split(/\s+/) as [string, string, string, string, string, string];
    m.set(name, { ready, status, ip });
  }
  return m;
}

let block = '';
let sleepIP = '';

before(() => {
  writeFileSync(
    join(home, 'server.mjs'),
    `import { createServer } from 'node:http';
createServer((req, res) => res.end('hello from ' + process.env.POD_NAME + ' ' + req.url + '\\n')).listen(Number(process.env.PORT), process.env.HOST);
`,
  );
  // A client app as users write them: it honours HTTP_PROXY.
  writeFileSync(
    join(home, 'client.mjs'),
    `import { request } from 'node:http';
const target = new URL(process.argv[2]);
const proxy = process.env.HTTP_PROXY ? new URL(process.env.HTTP_PROXY) : undefined;
const req = request({ host: proxy ? proxy.hostname : target.hostname, port: proxy ? proxy.port : target.port, path: proxy ? target.href : target.pathname, headers: { host: target.host } }, (res) => {
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
  if (ourProcesses().length > 0) await run('uninstall', '-y');
  for (const pid of ourProcesses()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(home, { recursive: true, force: true });
});

test('install the demo profile: control plane and both gateways Running, two proxies connected', async () => {
  const r = await run(
    'install',
    '--set',
    'profile=demo',
    '--set',
    `values.gateways.istio-ingressgateway.bindAddress=${ingressIP}`,
    '--set',
    'values.gateways.istio-ingressgateway.httpPort=8080',
    '--set',
    'values.gateways.istio-ingressgateway.httpsPort=8443',
    '-y',
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const steps = ['✔ Rigging core installed', '✔ Control plane installed', '✔ Ingress gateways installed', '✔ Egress gateways installed', '✔ Installation complete'];
  let at = -1;
  for (const s of steps) {
    const i = r.stdout.indexOf(s);
    assert.ok(i > at, `"${s}" in order in:\n${r.stdout}`);
    at = i;
  }
  block = (JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')) as { podBlock: string }).podBlock;

  const system = await pods('rig-system');
  const names = [...system.keys()];
  assert.equal(names.length, 3, names.join(' '));
  for (const prefix of ['rigd-', 'rig-ingressgateway-', 'rig-egressgateway-']) {
    const name = names.find((n) => n.startsWith(prefix));
    assert.ok(name, `a ${prefix}… pod in ${names.join(' ')}`);
    assert.deepEqual({ ready: system.get(name)!.ready, status: system.get(name)!.status }, { ready: '1/1', status: 'Running' });
  }
  const rigd = system.get(names.find((n) => n.startsWith('rigd-'))!)!;
  assert.ok(await canConnect(rigd.ip, 15010), 'xDS on the rigd pod IP');

  const v = await until(async () => {
    const x = await run('version');
    return /\(2 proxies\)/.test(x.stdout) ? x : undefined;
  }, 'both gateways to connect');
  assert.match(v.stdout, /^client version: \d+\.\d+\.\d+$/m);
  assert.match(v.stdout, /^control plane version: \d+\.\d+\.\d+$/m);
  assert.match(v.stdout, /^data plane version: \d+\.\d+\.\d+ \(2 proxies\)$/m);

  const svc = await run('get', 'svc', '-n', 'rig-system');
  assert.equal(svc.code, 0, svc.stderr);
  assert.match(svc.stdout, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
  assert.match(svc.stdout, new RegExp(`^rig-ingressgateway\\s+LoadBalancer\\s+10\\.\\S+\\s+${ingressIP.replace(/\./g, '\\.')}\\s+15021/TCP,80/TCP,443/TCP(,8080/TCP,8443/TCP)?\\s`, 'm'));
  assert.match(svc.stdout, /^rigd\s+ClusterIP\s+10\.\S+\s+<none>\s+15010\/TCP,15014\/TCP\s/m);
  const json = JSON.parse((await run('get', 'svc', 'rig-ingressgateway', '-n', 'rig-system', '-o', 'json')).stdout) as {
    spec: { clusterIP: string; ports: { name: string; port: number; targetPort: number }[] };
    status: { loadBalancer: { ingress: { ip: string }[] } };
  };
  assert.equal(json.status.loadBalancer.ingress[0]!.ip, ingressIP);
  assert.deepEqual(json.spec.ports.find((p) => p.name === 'http2'), { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' });

  const again = await run('install', '--set', 'profile=demo', '--set', `values.gateways.istio-ingressgateway.bindAddress=${ingressIP}`, '--set', 'values.gateways.istio-ingressgateway.httpPort=8080', '--set', 'values.gateways.istio-ingressgateway.httpsPort=8443', '-y');
  assert.equal(again.code, 0, `install is idempotent: ${again.stderr}`);
  assert.deepEqual([...(await pods('rig-system')).keys()], names, 'the same pods keep running');
});

test('pods in a namespace labelled for injection get a sidecar: 2/2 Running', async () => {
  const l = await run('label', 'namespace', 'default', 'istio-injection=enabled');
  assert.equal(l.code, 0, l.stderr);
  assert.match((await run('get', 'ns', '--show-labels')).stdout, /^default\s+Active\s+\S+\s+istio-injection=enabled$/m);
  const server = await run('run', 'hello', '--port', '8080', '--expose', '--', process.execPath, join(home, 'server.mjs'));
  assert.equal(server.code, 0, server.stdout + server.stderr);
  assert.match(server.stdout, /service\/hello created/);
  const client = await run('run', 'sleep', '--', process.execPath, '-e', 'setInterval(() => {}, 1 << 30)');
  assert.equal(client.code, 0, client.stdout + client.stderr);
  const p = await pods('default');
  assert.deepEqual(p.get('hello') && { ready: p.get('hello')!.ready, status: p.get('hello')!.status }, { ready: '2/2', status: 'Running' });
  assert.deepEqual(p.get('sleep') && { ready: p.get('sleep')!.ready, status: p.get('sleep')!.status }, { ready: '2/2', status: 'Running' });
});

test("a request from the client pod's environment goes through both sidecars to the server", async () => {
  const p = await pods('default');
  sleepIP = p.get('sleep')!.ip;
  const r = await until(async () => {
    const x = await run('exec', 'sleep', '--', process.execPath, join(home, 'client.mjs'), 'http://hello:8080/greet');
    return x.code === 0 ? x : undefined;
  }, 'the service to answer through the sidecars');
  assert.equal(r.stdout, '200 hello from hello /greet\n');
  const clientStats = await (await fetch(`http://${p.get('sleep')!.ip}:15000/stats`)).text();
  assert.match(clientStats, /^cluster\.outbound\|8080\|\|hello\.default\.svc\.cluster\.local\.upstream_rq_2xx: [1-9]/m);
  const serverStats = await (await fetch(`http://${p.get('hello')!.ip}:15000/stats`)).text();
  assert.match(serverStats, /^cluster\.inbound\|8080\|\|\.upstream_rq_2xx: [1-9]/m);
});

test('a Gateway and VirtualService make the server reachable through the ingress gateway', async () => {
  const file = join(home, 'gateway.yaml');
  writeFileSync(
    file,
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: hello-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: hello}
spec:
  hosts: ["*"]
  gateways: [hello-gateway]
  http:
  - route:
    - destination: {host: hello, port: {number: 8080}}
`,
  );
  const a = await run('apply', '-f', file);
  assert.equal(a.code, 0, a.stderr);
  const body = await until(async () => {
    const res = await fetch(`http://${ingressIP}:8080/from-outside`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? res.text() : undefined;
  }, 'the ingress gateway to route');
  assert.equal(body, 'hello from hello /from-outside\n');
  assert.match((await run('get', 'vs')).stdout, /^hello\s+\[hello-gateway\]\s+\[\*\]\s+\S+$/m);
});

test('rig delete pod stops its processes', async () => {
  const ip = sleepIP;
  const d = await run('delete', 'pod', 'sleep');
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /pod "sleep" deleted/);
  assert.equal(await canConnect(ip, 15000), false, "the sidecar's admin port is closed");
  const missing = await run('get', 'pod', 'sleep');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /pods "sleep" not found/);
});

test('uninstall leaves no process and no listening port behind', async () => {
  assert.ok(ourProcesses().length > 0);
  const u = await run('uninstall', '-y');
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stdout, /✔ Uninstall complete/);
  assert.deepEqual(ourProcesses(), []);
  assert.deepEqual(ourListeners(block), []);
});
