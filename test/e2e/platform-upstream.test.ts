// Upstream bindings end to end, as a user drives them: in a fresh RIG_HOME, install the
// minimal profile, label default for injection, run a raw TCP echo server (a `tcp` port) and
// an HTTP server as Services, then `rig run client --upstream echo:7000 --upstream
// hello:8080=18080` whose app uses no proxy at all: plain TCP to $ECHO_SERVICE_HOST:
// $ECHO_SERVICE_PORT gets its bytes echoed, a plain http.get to the hello binding gets 200,
// both counted in the client sidecar's /stats; a binding to a service not there yet answers
// 503 (HTTP) or closes (TCP) until the service appears; uninstall leaves nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { rig } from '../helpers/process.js';
import { processesOf, until as waitUntil } from '../helpers/wait.js';

const home = mkdtempSync(join(tmpdir(), 'rig-upstream-'));
const env = { RIG_HOME: home, RIG_LOG_LEVEL: 'warn' };
const run = (...args: string[]) => rig(args, env);

/** Processes whose environment carries this test's RIG_HOME (the supervisor and every container). */
const ourProcesses = (): number[] => processesOf(home);

const until = <T>(fn: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> => waitUntil(fn, what, ms, 250);

after(async () => {
  if (ourProcesses().length > 0) await run('uninstall', '-y');
  for (const pid of ourProcesses()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(home, { recursive: true, force: true });
});

const ECHO = `import net from 'node:net';
net.createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(Number(process.env.PORT), process.env.HOST);
`;
const HELLO = `import http from 'node:http';
http.createServer((req, res) => res.end('hello from ' + process.env.POD_NAME + '\\n')).listen(Number(process.env.PORT), process.env.HOST);
`;
// Retries until both bindings answer (the sidecar gets its listeners over xDS), prints what it
// saw, then stays up. No proxy: a raw socket and http.get to the addresses in the environment.
const CLIENT = `import net from 'node:net';
import http from 'node:http';
const echo = () => new Promise((resolve, reject) => {
  const s = net.connect(Number(process.env.ECHO_SERVICE_PORT), process.env.ECHO_SERVICE_HOST);
  let got = '';
  s.setTimeout(2000, () => s.destroy(new Error('timeout')));
  s.on('error', reject);
  s.on('connect', () => s.write('ping-7000'));
  s.on('data', (d) => { got += d; if (got.length >= 9) { s.end(); resolve(got); } });
  s.on('close', () => resolve(got));
});
const hello = () => new Promise((resolve, reject) => {
  const req = http.get({ host: process.env.HELLO_SERVICE_HOST, port: Number(process.env.HELLO_SERVICE_PORT), path: '/', agent: false }, (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => resolve(res.statusCode + ' ' + body.trim()));
    res.on('error', reject);
  });
  req.setTimeout(2000, () => req.destroy(new Error('timeout')));
  req.on('error', reject);
});
let e = '', h = '';
for (let i = 0; i < 80 && (e !== 'ping-7000' || !h.startsWith('200 ')); i++) {
  e = await echo().catch((err) => 'error ' + err.message);
  h = await hello().catch((err) => 'error ' + err.message);
  if (e !== 'ping-7000' || !h.startsWith('200 ')) await new Promise((r) => setTimeout(r, 250));
}
console.log('env ' + process.env.ECHO_SERVICE_HOST + ':' + process.env.ECHO_SERVICE_PORT + ' ' + process.env.HELLO_SERVICE_HOST + ':' + process.env.HELLO_SERVICE_PORT + ' no_proxy=' + process.env.NO_PROXY);
console.log('echo ' + e);
console.log('hello ' + h);
setInterval(() => {}, 60_000);
`;

test('upstream bindings: a non-HTTP client reaches a TCP and an HTTP service at local addresses through its sidecar', async () => {
  const dir = join(home, 'apps');
  rmSync(dir, { recursive: true, force: true });
  await import('node:fs').then((fs) => fs.mkdirSync(dir));
  for (const [f, text] of [['echo.mjs', ECHO], ['hello.mjs', HELLO], ['client.mjs', CLIENT]] as const) writeFileSync(join(dir, f), text);

  const i = await run('install', '--set', 'profile=minimal', '-y');
  assert.equal(i.code, 0, i.stdout + i.stderr);
  assert.equal((await run('label', 'namespace', 'default', 'istio-injection=enabled')).code, 0);

  const e = await run('run', 'echo', '--port', 'tcp:7000', '--expose', '--', 'node', join(dir, 'echo.mjs'));
  assert.equal(e.code, 0, e.stdout + e.stderr);
  const h = await run('run', 'hello', '--port', 'http:8080', '--expose', '--', 'node', join(dir, 'hello.mjs'));
  assert.equal(h.code, 0, h.stdout + h.stderr);

  const bad = await run('run', 'broken', '--upstream', 'echo', '--', 'node', join(dir, 'client.mjs'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--upstream .*"echo" is not SERVICE:PORT\[=LOCALPORT\]/);

  const c = await run('run', 'client', '--upstream', 'echo:7000', '--upstream', 'hello:8080=18080', '--upstream', 'later:9000', '--', 'node', join(dir, 'client.mjs'));
  assert.equal(c.code, 0, c.stdout + c.stderr);
  const ip = /pod\/client 2\/2 Running \(IP (127\.\d+\.\d+\.\d+), with sidecar\)/.exec(c.stdout)?.[1];
  assert.ok(ip, c.stdout);

  const logs = await until(async () => {
    const l = await run('logs', 'client');
    return /^hello /m.test(l.stdout) ? l.stdout : undefined;
  }, 'the client to report', 30_000);
  assert.match(logs, new RegExp(`^env ${ip.replace(/\./g, '\\.')}:7000 ${ip.replace(/\./g, '\\.')}:18080 no_proxy=localhost,127\\.0\\.0\\.1,${ip.replace(/\./g, '\\.')},127\\.\\d+\\.\\d+\\.\\d+$`, 'm'));
  assert.match(logs, /^echo ping-7000$/m);
  assert.match(logs, /^hello 200 hello from hello$/m);

  const stats = await (await fetch(`http://${ip}:15000/stats`)).text();
  const stat = (name: string) => Number(new RegExp(`^${name.replace(/[.|]/g, '\\$&')}: (\\d+)$`, 'm').exec(stats)?.[1] ?? 0);
  const about = stats.split('\n').filter((l) => /_7000|_18080|\|7000\||\|8080\|/.test(l) && /cx_total|rq_2xx/.test(l)).join('\n');
  // The client's sidecar reaches echo only through the binding (the app uses no proxy).
  assert.ok(stat('cluster.outbound|7000||echo.default.svc.cluster.local.upstream_cx_total') >= 1, `the echo binding forwarded to echo:\n${about}`);
  assert.ok(stat(`http.outbound_${ip}_18080.downstream_rq_2xx`) >= 1, `the hello binding answered 2xx:\n${about}`);
  assert.ok(stat('cluster.outbound|8080||hello.default.svc.cluster.local.upstream_rq_2xx') >= 1, `from hello:\n${about}`);

  // A binding to a service that does not exist yet listens anyway: HTTP gets 503, other
  // bytes a closed connection; once the service appears the same address reaches it.
  const missing = await fetch(`http://${ip}:9000/`);
  assert.equal(missing.status, 503);
  assert.equal(missing.headers.get('x-rig-response-flags'), 'NC');
  assert.match(await missing.text(), /no cluster outbound\|9000\|\|later\.default\.svc\.cluster\.local/);
  const closed = await new Promise<string>((resolve) => {
    const s = connect(9000, ip);
    let got = '';
    s.on('error', () => resolve(`error ${got}`));
    s.on('connect', () => s.write('\x00\x01raw'));
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => resolve(`closed ${got}`));
  });
  assert.equal(closed, 'closed ');
  const later = await run('run', 'later', '--port', 'http:9000', '--expose', '--', 'node', join(dir, 'hello.mjs'));
  assert.equal(later.code, 0, later.stdout + later.stderr);
  await until(async () => {
    const r = await fetch(`http://${ip}:9000/`);
    const body = await r.text();
    return r.status === 200 && body === 'hello from later\n' ? true : undefined;
  }, 'the later binding to reach the new service');

  const u = await run('uninstall', '-y');
  assert.equal(u.code, 0, u.stderr);
  assert.deepEqual(ourProcesses(), []);
});
