// Transparent capture, as an Istio sidecar in iptables mode runs: two network namespaces
// joined by a veth pair (a client pod and a server pod), each with a real `rig proxy`
// running as its own UID/GID and the nat rules Istio's init container writes (outbound →
// 15001, inbound → 15006, the proxy's UID and GID excluded). Unmodified clients (curl, a
// plain TCP client) dial the server's address and reach it through the proxies:
// virtualOutbound (use_original_dst) hands HTTP to the bind_to_port: false 0.0.0.0_9080
// listener, whose ORIGINAL_DST cluster dials the connection's original destination (not
// the Host header); other ports go through PassthroughCluster; virtualInbound matches its
// filter chains by the original destination port. Needs Linux, root, `ip netns`,
// iptables-restore, setpriv and curl; skipped with the reason otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { Proc, RIG } from '../helpers/process.js';
import { PROXY_GID, PROXY_UID, istioRules } from '../../src/platform/local/netns.js';

// The proxy runs as PROXY_UID/PROXY_GID (Istio's istio-proxy user, 1337); the nat rules are
// the local platform's (istioRules). Random names keep parallel runs apart.
const sfx = randomBytes(3).toString('hex');
const NS_CLIENT = `rigt-c-${sfx}`;
const NS_SERVER = `rigt-s-${sfx}`;
const VETH_CLIENT = `rigc${sfx}`;
const VETH_SERVER = `rigs${sfx}`;
const NET = `10.250.${randomInt(1, 255)}`;
const CLIENT_IP = `${NET}.1`;
const SERVER_IP = `${NET}.2`;

function missing(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error !== undefined || r.status !== 0;
}

function skipReason(): string | false {
  if (process.platform !== 'linux') return 'transparent capture (SO_ORIGINAL_DST, iptables) is Linux only';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and iptables)';
  if (missing('ip', ['netns', 'list'])) return '`ip netns` is unavailable (install iproute2)';
  if (missing('iptables-restore', ['--version'])) return 'iptables-restore is unavailable (apt-get install iptables)';
  if (missing('setpriv', ['--version'])) return 'setpriv is unavailable (util-linux)';
  if (missing('curl', ['--version'])) return 'curl is unavailable';
  return false;
}

const skip = skipReason();
const dir = mkdtempSync(join(tmpdir(), 'rig-transparent-'));
chmodSync(dir, 0o755); // the proxies run as PROXY_UID and read their bootstrap here
const procs: Proc[] = [];
let envSkip: string | false = false;

function run(cmd: string, args: string[], input?: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
}

/** Runs a command inside a namespace and returns its stdout. */
function inNs(ns: string, cmd: string[], timeoutMs = 8_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, ...cmd], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd.join(' ')} in ${ns}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const ROUTER = `[{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]`;
const ORIGINAL_DST_FILTER = `[{name: envoy.filters.listener.original_dst, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst}}]`;

function hcmChain(statPrefix: string, route: string, match = ''): string {
  return `
    - ${match ? `filter_chain_match: ${match}\n      ` : ''}filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": ${HCM}
          stat_prefix: "${statPrefix}"
          route_config:
            name: "${statPrefix}"
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: /}
                ${route}
          http_filters: ${ROUTER}`;
}

function tcpChain(name: string, cluster: string): string {
  return `
    - name: ${name}
      filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config: {"@type": ${TCP}, stat_prefix: ${cluster}, cluster: ${cluster}}`;
}

const originalDstCluster = (name: string) => `
  - name: "${name}"
    type: ORIGINAL_DST
    lb_policy: CLUSTER_PROVIDED
    connect_timeout: 1s`;

const staticCluster = (name: string, port: number) => `
  - name: "${name}"
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: "${name}"
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${port}}}}}]}]`;

/**
 * The client pod's sidecar: Istio's virtualOutbound, an outbound HTTP listener on
 * 0.0.0.0:9080 and a TCP listener on the server's exact address and port 7071 (to a
 * STATIC cluster that is the echo on 7070), both reached by original destination.
 */
const clientBootstrap = `
node: {id: "sidecar~${CLIENT_IP}~client.default~default.svc.cluster.local", cluster: client.default}
admin: {address: {socket_address: {address: 127.0.0.1, port_value: 15000}}}
static_resources:
  listeners:
  - name: virtualOutbound
    address: {socket_address: {address: 0.0.0.0, port_value: 15001}}
    use_original_dst: true
    traffic_direction: OUTBOUND
    listener_filters: ${ORIGINAL_DST_FILTER}
    filter_chains:${tcpChain('PassthroughFilterChain', 'PassthroughCluster')}
  - name: 0.0.0.0_9080
    address: {socket_address: {address: 0.0.0.0, port_value: 9080}}
    bind_to_port: false
    traffic_direction: OUTBOUND
    filter_chains:${hcmChain('outbound_0.0.0.0_9080', `route: {cluster: "outbound|9080||app.default.svc.cluster.local"}
                response_headers_to_add: [{header: {key: x-rig-capture, value: outbound}}]`)}
  - name: ${SERVER_IP}_7071
    address: {socket_address: {address: ${SERVER_IP}, port_value: 7071}}
    bind_to_port: false
    traffic_direction: OUTBOUND
    filter_chains:${tcpChain('echo', 'outbound|7071||echo.default.svc.cluster.local')}
  clusters:${originalDstCluster('PassthroughCluster')}${originalDstCluster('outbound|9080||app.default.svc.cluster.local')}
  - name: "outbound|7071||echo.default.svc.cluster.local"
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: echo
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: ${SERVER_IP}, port_value: 7070}}}}]}]
`;

/**
 * The server pod's sidecar: virtualInbound with destination_port chains (the passthrough
 * chain and 9081's first, so order alone cannot pick 9080's), and an outbound 0.0.0.0_9080 listener as every sidecar
 * in a mesh with a 9080 service has: inbound connections must never be handed to it.
 */
const serverBootstrap = `
node: {id: "sidecar~${SERVER_IP}~app.default~default.svc.cluster.local", cluster: app.default}
admin: {address: {socket_address: {address: 127.0.0.1, port_value: 15000}}}
static_resources:
  listeners:
  - name: virtualInbound
    address: {socket_address: {address: 0.0.0.0, port_value: 15006}}
    use_original_dst: true
    traffic_direction: INBOUND
    listener_filters: ${ORIGINAL_DST_FILTER}
    filter_chains:${tcpChain('InboundPassthroughFilterChain', 'InboundPassthroughClusterIpv4')}${hcmChain('inbound|9081||', `route: {cluster: "inbound|9081||"}
                request_headers_to_add: [{header: {key: x-rig-inbound-port, value: "9081"}}]`, '{destination_port: 9081}')}${hcmChain(
  'inbound|9080||',
  `route: {cluster: "inbound|9080||"}
                request_headers_to_add: [{header: {key: x-rig-inbound-port, value: "9080"}}]`,
  '{destination_port: 9080}',
)}
  - name: 0.0.0.0_9080
    address: {socket_address: {address: 0.0.0.0, port_value: 9080}}
    bind_to_port: false
    traffic_direction: OUTBOUND
    filter_chains:${hcmChain('outbound_0.0.0.0_9080', 'direct_response: {status: 418, body: {inline_string: "outbound listener"}}')}
  clusters:${staticCluster('inbound|9080||', 9080)}${staticCluster('inbound|9081||', 9081)}${originalDstCluster('InboundPassthroughClusterIpv4')}
`;

/** The server pod's app: HTTP on 0.0.0.0:9080 answering with what it received; a TCP echo on SERVER_IP:7070. */
const APP = `
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
const http = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ path: req.url, headers: req.headers, peer: req.socket.remoteAddress }));
});
http.listen(9080, '0.0.0.0', () => console.log('http ready'));
const tcp = createTcpServer((s) => {
  s.on('error', () => s.destroy());
  s.once('data', (d) => s.end('echo from ' + s.remoteAddress + ' on ' + s.localPort + ': ' + d));
});
tcp.listen(7070, '${SERVER_IP}', () => console.log('tcp ready'));
`;

/** A plain TCP client: sends a line, prints what comes back until the server closes. */
const TCP_CLIENT = `
import { connect } from 'node:net';
const [host, port] = process.argv.slice(2);
const s = connect(Number(port), host);
let out = '';
s.setEncoding('utf8');
s.on('data', (d) => (out += d));
s.on('error', (e) => (out += 'error: ' + e.code));
s.on('close', () => process.stdout.write(out));
s.write('PING rig\\n');
setTimeout(() => s.destroy(), 5000).unref();
`;

function startInNs(ns: string, cmd: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const p = new Proc('ip', ['netns', 'exec', ns, ...cmd], { env: { ...process.env, ...env } });
  procs.push(p);
  return p;
}

function startProxy(ns: string, bootstrap: string, name: string): Proc {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, bootstrap, { mode: 0o644 });
  return startInNs(ns, ['setpriv', `--reuid=${PROXY_UID}`, `--regid=${PROXY_GID}`, '--clear-groups', process.execPath, RIG, 'proxy', '--config', file], { HOME: dir });
}

async function admin(ns: string, path: string): Promise<string> {
  return inNs(ns, ['curl', '-s', '--max-time', '3', `http://127.0.0.1:15000${path}`]);
}

async function ready(ns: string, proxy: Proc): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proxy.child.exitCode !== null) throw new Error(`the proxy in ${ns} exited (${proxy.child.exitCode}):\n${proxy.stdout}\n${proxy.stderr}`);
    const code = await inNs(ns, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', 'http://127.0.0.1:15000/ready']).catch(() => '');
    if (code === '200') return;
    if (Date.now() > deadline) throw new Error(`the proxy in ${ns} is not ready:\n${proxy.stdout}\n${proxy.stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The value of one stat from /stats (text form), 0 when absent. */
function stat(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.slice(name.length + 2)) : 0;
}

before(async () => {
  if (skip) return;
  // Network: two namespaces joined by a veth pair, created inside them (nothing in the host's namespace).
  run('ip', ['netns', 'add', NS_CLIENT]);
  run('ip', ['netns', 'add', NS_SERVER]);
  run('ip', ['link', 'add', VETH_CLIENT, 'netns', NS_CLIENT, 'type', 'veth', 'peer', 'name', VETH_SERVER, 'netns', NS_SERVER]);
  for (const [ns, dev, ip] of [
    [NS_CLIENT, VETH_CLIENT, CLIENT_IP],
    [NS_SERVER, VETH_SERVER, SERVER_IP],
  ] as const) {
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', dev]);
    run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  // Capture: the client pod's outbound; the server pod's outbound and its inbound port 9080.
  try {
    run('ip', ['netns', 'exec', NS_CLIENT, 'iptables-restore'], istioRules([]));
    run('ip', ['netns', 'exec', NS_SERVER, 'iptables-restore'], istioRules([9080]));
  } catch (err) {
    envSkip = `the kernel refused Istio's nat rules (nat REDIRECT and owner matches are needed): ${(err as Error).message}`;
    return;
  }
  writeFileSync(join(dir, 'app.mjs'), APP, { mode: 0o644 });
  writeFileSync(join(dir, 'tcp-client.mjs'), TCP_CLIENT, { mode: 0o644 });
  const app = startInNs(NS_SERVER, [process.execPath, join(dir, 'app.mjs')]);
  const client = startProxy(NS_CLIENT, clientBootstrap, 'client');
  const server = startProxy(NS_SERVER, serverBootstrap, 'server');
  await app.waitFor(/tcp ready/);
  await app.waitFor(/http ready/);
  await Promise.all([ready(NS_CLIENT, client), ready(NS_SERVER, server)]);
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop(3_000)));
  // Deleting a namespace deletes the veth end inside it, and so the pair.
  for (const ns of [NS_CLIENT, NS_SERVER]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

const opts = { skip, timeout: 20_000 };

test('an unmodified HTTP client reaches the server through both sidecars by original destination', opts, async (t) => {
  if (envSkip) return t.skip(envSkip);
  // The Host names nothing reachable: the request can only arrive through the original destination.
  const out = await inNs(NS_CLIENT, ['curl', '-s', '-i', '--max-time', '5', '-H', 'Host: nowhere.invalid:1234', `http://${SERVER_IP}:9080/hello`]);
  const [head, body] = out.split('\r\n\r\n');
  assert.match(head!, /^HTTP\/1\.1 200/);
  assert.match(head!, /^x-rig-capture: outbound\r?$/im, 'the client sidecar routed it (response header from its route)');
  const got = JSON.parse(body!) as { path: string; headers: Record<string, string>; peer: string };
  assert.equal(got.path, '/hello');
  assert.equal(got.headers.host, 'nowhere.invalid:1234');
  assert.match(got.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/, 'x-request-id generated by the client sidecar');
  assert.equal(got.headers['x-rig-inbound-port'], '9080', 'virtualInbound matched the destination_port 9080 chain');
  assert.equal(got.peer, '127.0.0.1', 'the app was called by its sidecar');

  const clientStats = await admin(NS_CLIENT, '/stats');
  assert.equal(stat(clientStats, 'http.outbound_0.0.0.0_9080.downstream_rq_total'), 1);
  assert.equal(stat(clientStats, 'cluster.outbound|9080||app.default.svc.cluster.local.upstream_rq_2xx'), 1);
  assert.equal(stat(clientStats, 'cluster.PassthroughCluster.upstream_cx_total'), 0, 'HTTP on 9080 was not passed through');
  const serverStats = await admin(NS_SERVER, '/stats');
  assert.equal(stat(serverStats, 'http.inbound|9080||.downstream_rq_total'), 1);
  assert.equal(stat(serverStats, 'http.outbound_0.0.0.0_9080.downstream_rq_total'), 0, 'inbound never reaches an outbound listener');
});

test('a non-HTTP TCP connection to another port goes through PassthroughCluster to its original destination', opts, async (t) => {
  if (envSkip) return t.skip(envSkip);
  const out = await inNs(NS_CLIENT, [process.execPath, join(dir, 'tcp-client.mjs'), SERVER_IP, '7070']);
  assert.equal(out, `echo from ${CLIENT_IP} on 7070: PING rig\n`);
  const stats = await admin(NS_CLIENT, '/stats');
  assert.equal(stat(stats, 'cluster.PassthroughCluster.upstream_cx_total'), 1);
});

test('a connection to an address with a listener of its own (exact IP:port) is handed to that listener', opts, async (t) => {
  if (envSkip) return t.skip(envSkip);
  // Nothing listens on 7071: the listener for SERVER_IP:7071 sends it to its STATIC cluster, the echo on 7070.
  const out = await inNs(NS_CLIENT, [process.execPath, join(dir, 'tcp-client.mjs'), SERVER_IP, '7071']);
  assert.equal(out, `echo from ${CLIENT_IP} on 7070: PING rig\n`);
  const stats = await admin(NS_CLIENT, '/stats');
  assert.equal(stat(stats, 'cluster.outbound|7071||echo.default.svc.cluster.local.upstream_cx_total'), 1);
  assert.equal(stat(stats, 'cluster.PassthroughCluster.upstream_cx_total'), 1, 'only the earlier passthrough connection');
});

test('a connection made to 15001 directly is closed, never proxied back to the proxy itself', opts, async (t) => {
  if (envSkip) return t.skip(envSkip);
  const out = await inNs(NS_CLIENT, [process.execPath, join(dir, 'tcp-client.mjs'), '127.0.0.1', '15001']);
  assert.match(out, /^(|error: ECONNRESET)$/, 'closed (or reset: the request was unread) with no answer');
  const stats = await admin(NS_CLIENT, '/stats');
  assert.equal(stat(stats, 'cluster.PassthroughCluster.upstream_cx_none_healthy'), 1);
  assert.equal(stat(stats, 'cluster.PassthroughCluster.upstream_cx_total'), 1, 'only the earlier passthrough connection');
});
