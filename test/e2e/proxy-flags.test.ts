// A real `rig proxy --config` process answering the failures users meet with Envoy's
// response flags and a body that says why — UC (upstream closed before the head), UPE
// (upstream spoke garbage), UO (circuit breaker), DPE (malformed request) — plus tcp_proxy
// spreading connections over weighted clusters, and POST /quitquitquit ending the process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRig, type Proc } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-flags-'));
const servers: (Server | TcpServer)[] = [];
let proxy: Proc | undefined;
let http = 0;
let tcp = 0;
let admin = '';
/** The peer address the `whoami` upstream saw on its last request. */
let whoamiPeer = '';

async function listen<T extends Server | TcpServer>(s: T): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

/** A TCP server that writes its name and closes, or closes at once, or answers garbage. */
const raw = (onConn: (s: import('node:net').Socket) => void) => listen(createTcpServer((s) => (s.on('error', () => {}), onConn(s))));

const cluster = (name: string, port: number, extra = '') => `
  - name: ${name}
    type: STATIC
    connect_timeout: 1s
${extra}    load_assignment:
      cluster_name: ${name}
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${port}}}}`;

before(async () => {
  const closer = await raw((s) => s.once('data', () => s.destroy()));
  const garbage = await raw((s) => s.once('data', () => s.end('NOT HTTP AT ALL\r\n\r\n')));
  const slow = await listen(createServer((_req, res) => setTimeout(() => res.end('slow'), 400)));
  const tcpA = await raw((s) => s.end('A'));
  const tcpB = await raw((s) => s.end('B'));
  const whoami = await listen(
    createServer((req, res) => {
      whoamiPeer = req.socket.remoteAddress ?? '';
      res.end(whoamiPeer);
    }),
  );
  const file = join(dir, 'flags.yaml');
  writeFileSync(
    file,
    `
node: {id: flags-proxy, cluster: flags}
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: 0}}
static_resources:
  listeners:
  - name: http
    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: flags
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/closer"}
                route: {cluster: closer}
              - match: {prefix: "/garbage"}
                route: {cluster: garbage}
              - match: {prefix: "/slow"}
                route: {cluster: slow}
              - match: {prefix: "/whoami"}
                route: {cluster: whoami}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  - name: tcp
    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: tcp
          weighted_clusters:
            clusters:
            - {name: tcp_a, weight: 50}
            - {name: tcp_b, weight: 50}
  clusters:${cluster('closer', closer)}${cluster('garbage', garbage)}${cluster(
      'slow',
      slow,
      `    circuit_breakers:
      thresholds:
      - {max_requests: 1}
`,
    )}${cluster('tcp_a', tcpA)}${cluster('tcp_b', tcpB)}${cluster(
      'whoami',
      whoami,
      `    upstream_bind_config:
      source_address: {address: 127.0.0.9, port_value: 0}
`,
    )}
`,
  );
  proxy = startRig(['proxy', '--config', file]);
  http = Number((await proxy.waitFor(/http=127\.0\.0\.1:(\d+)/))[1]);
  tcp = Number((await proxy.waitFor(/tcp=127\.0\.0\.1:(\d+)/))[1]);
  admin = (await proxy.waitFor(/admin\s+(http:\/\/\S+)\//))[1]!;
});

after(async () => {
  await proxy?.stop();
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    s.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; flags: string | null; body: string }> {
  const r = await fetch(`http://127.0.0.1:${http}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, flags: r.headers.get('x-rig-response-flags'), body: await r.text() };
}

test('an upstream that closes before answering: 503 UC, and the body names the host and cluster', async () => {
  const r = await get('/closer');
  assert.equal(r.status, 503);
  assert.equal(r.flags, 'UC');
  assert.match(r.body, /connection to 127\.0\.0\.1:\d+ in closer terminated/);
});

test('an upstream that does not speak HTTP: 502 UPE with the parse error', async () => {
  const r = await get('/garbage');
  assert.equal(r.status, 502);
  assert.equal(r.flags, 'UPE');
  assert.match(r.body, /upstream protocol error from 127\.0\.0\.1:\d+ in garbage/);
});

test('over the circuit breaker (max_requests 1): the second concurrent request gets 503 UO', async () => {
  const [a, b] = await Promise.all([get('/slow'), new Promise((r) => setTimeout(r, 100)).then(() => get('/slow'))]);
  assert.equal(a.status, 200);
  assert.equal(b.status, 503);
  assert.equal(b.flags, 'UO');
  assert.match(b.body, /max_requests limit of slow reached/);
  assert.match(await (await fetch(`${admin}/stats`)).text(), /cluster\.slow\.upstream_rq_pending_overflow: 1/);
});

test('upstream_bind_config: the upstream sees connections from the configured source address', async () => {
  const r = await get('/whoami');
  assert.equal(r.status, 200);
  assert.equal(r.body, '127.0.0.9');
  assert.equal(whoamiPeer, '127.0.0.9');
});

test('a malformed request: 400 with DPE, the connection closed', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect(http, '127.0.0.1', () => s.write('GET /x HTTP/1.1\r\nhost: a\r\nbad header\r\n\r\n'));
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 400 /);
  assert.match(reply, /x-rig-response-flags: DPE/i);
});

test('tcp_proxy weighted_clusters spreads connections over both clusters', async () => {
  const seen: Record<string, number> = {};
  for (let i = 0; i < 40; i++) {
    const name = await new Promise<string>((resolve, reject) => {
      const s = connect(tcp, '127.0.0.1');
      let out = '';
      s.on('data', (d: Buffer) => (out += d.toString()));
      s.on('close', () => resolve(out));
      s.on('error', reject);
    });
    seen[name] = (seen[name] ?? 0) + 1;
  }
  assert.deepEqual(Object.keys(seen).sort(), ['A', 'B'], JSON.stringify(seen));
  assert.ok(seen.A! >= 5 && seen.B! >= 5, JSON.stringify(seen));
});

test('POST /quitquitquit ends the proxy process', async () => {
  const r = await fetch(`${admin}/quitquitquit`, { method: 'POST' });
  assert.equal(r.status, 200);
  assert.equal(await proxy!.exited, 0);
  proxy = undefined;
});
