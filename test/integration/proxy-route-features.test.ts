// Route features and admin endpoints the proxy documents (docs/proxy-config.md), each
// checked over real sockets: redirects, cluster_header, regex and host rewrites, header
// operations, x-forwarded-for at the edge, max_requests_per_connection, the access log,
// and the admin /listeners, /logging and /drain_listeners endpoints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { RouteActionSchema, RouteSchema, type Route } from '../../src/api/gen/envoy/config/route/v3/route_components_pb.js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { FileAccessLogSchema } from '../../src/api/gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { pack } from '../../src/api/envoy/types.js';
import { Proxy } from '../../src/proxy/proxy.js';
import { AdminServer } from '../../src/proxy/admin/server.js';
import { builtinFilters } from '../../src/proxy/filter-lookup.js';
import { logger, setLogLevel, setLogSink } from '../../src/shared/log.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-route-'));
const accessLog = join(dir, 'access.log');
let upstream: Server;
let proxy: Proxy;
let admin: AdminServer;
let port = 0;
let adminPort = 0;
const connections = new Set<string>();

type RouteInit = Exclude<MessageInitShape<typeof RouteSchema>, Route>;
const route = (prefix: string, action: RouteInit['action'], extra: Omit<RouteInit, 'match' | 'action'> = {}): RouteInit => ({ match: { pathSpecifier: { case: 'prefix', value: prefix } }, action, ...extra });
const toCluster = (value: MessageInitShape<typeof RouteActionSchema>): RouteInit['action'] => ({ case: 'route', value });

before(async () => {
  upstream = createServer((req, res) => {
    connections.add(`${req.socket.remotePort}`);
    res.setHeader('x-upstream-secret', 'drop-me');
    res.end(JSON.stringify({ url: req.url, host: req.headers.host, xff: req.headers['x-forwarded-for'] ?? null, added: req.headers['x-added'] ?? null, removed: req.headers['x-remove-me'] ?? null }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const up = (upstream.address() as { port: number }).port;
  const cluster = (name: string, extra: object = {}) =>
    create(ClusterSchema, {
      name,
      clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
      connectTimeout: duration(1000),
      loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socketAddress('127.0.0.1', up) } } }] }] },
      ...extra,
    });
  const routes = create(RouteConfigurationSchema, {
    name: 'r',
    virtualHosts: [
      {
        name: 'all',
        domains: ['*'],
        requestHeadersToAdd: [{ header: { key: 'x-added', value: 'by-vhost' } }],
        routes: [
          route('/old', { case: 'redirect', value: { pathRewriteSpecifier: { case: 'prefixRewrite', value: '/new' }, hostRedirect: 'example.com', responseCode: 2 } }),
          route('/by-header', toCluster({ clusterSpecifier: { case: 'clusterHeader', value: 'x-cluster' } })),
          route('/regex', toCluster({ clusterSpecifier: { case: 'cluster', value: 'up' }, regexRewrite: { pattern: { regex: '^/regex/([a-z]+)/(\\d+)$' }, substitution: '/\\2/\\1' } })),
          route('/host', toCluster({ clusterSpecifier: { case: 'cluster', value: 'up' }, hostRewriteSpecifier: { case: 'hostRewriteLiteral', value: 'rewritten.internal' } })),
          route('/once', toCluster({ clusterSpecifier: { case: 'cluster', value: 'once' } })),
          route('/', toCluster({ clusterSpecifier: { case: 'cluster', value: 'up' } }), {
            requestHeadersToRemove: ['x-remove-me'],
            responseHeadersToRemove: ['x-upstream-secret'],
            responseHeadersToAdd: [{ header: { key: 'x-served-by', value: 'rig' } }],
          }),
        ],
      },
    ],
  });
  const hcm = httpConnectionManager({
    statPrefix: 'edge',
    routeConfig: routes,
    extra: { useRemoteAddress: true, commonHttpProtocolOptions: { idleTimeout: duration(300) }, accessLog: [{ name: 'envoy.access_loggers.file', configType: { case: 'typedConfig', value: pack(FileAccessLogSchema, { path: accessLog }) } }] },
  });
  proxy = new Proxy({ filters: builtinFilters });
  const r = await proxy.apply({
    listeners: new Map([['edge', create(ListenerSchema, { name: 'edge', address: socketAddress('127.0.0.1', 0), filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: hcm } }] }] })]]),
    routes: new Map(),
    clusters: new Map([
      ['up', cluster('up')],
      ['other', cluster('other')],
      ['once', cluster('once', { maxRequestsPerConnection: 1 })],
    ]),
    endpoints: new Map(),
  });
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  port = proxy.boundPort('edge')!;
  admin = new AdminServer({ proxy, nodeId: 'test', ready: () => true, versions: () => ({}), quit: () => {}, startedAt: Date.now() });
  adminPort = await admin.listen(0, '127.0.0.1');
});

after(async () => {
  await admin.close();
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: 'front.local', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('redirect: prefix rewrite, host and 302', async () => {
  const r = await get('/old/page?x=1');
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, 'http://example.com/new/page?x=1');
});

test('cluster_header picks the cluster; a missing one is 503 NC', async () => {
  assert.equal((await get('/by-header', { 'x-cluster': 'other' })).status, 200);
  const nc = await get('/by-header', { 'x-cluster': 'nope' });
  assert.equal(nc.status, 503);
  assert.equal(nc.headers['x-rig-response-flags'], 'NC');
});

test('regex and host rewrites reach the upstream', async () => {
  assert.equal((JSON.parse((await get('/regex/abc/42')).body) as { url: string }).url, '/42/abc');
  assert.equal((JSON.parse((await get('/host/x')).body) as { host: string }).host, 'rewritten.internal');
});

test('header operations on request and response; x-forwarded-for at the edge', async () => {
  const r = await get('/plain', { 'x-remove-me': 'secret', 'x-forwarded-for': '10.0.0.1' });
  const j = JSON.parse(r.body) as { added: string; removed: string | null; xff: string };
  assert.equal(j.added, 'by-vhost');
  assert.equal(j.removed, null);
  assert.equal(j.xff, '10.0.0.1, 127.0.0.1');
  assert.equal(r.headers['x-served-by'], 'rig');
  assert.equal(r.headers['x-upstream-secret'], undefined);
});

test('max_requests_per_connection: each request gets a new upstream connection', async () => {
  connections.clear();
  for (let i = 0; i < 3; i++) await get('/once');
  assert.equal(connections.size, 3);
  connections.clear();
  for (let i = 0; i < 3; i++) await get('/plain');
  assert.equal(connections.size, 1, 'keep-alive reuse without the limit');
});

test('the access log has one line per request with status and flags', async () => {
  await get('/by-header', { 'x-cluster': 'nope' });
  const lines = readFileSync(accessLog, 'utf8').trim().split('\n');
  assert.ok(lines.some((l) => /"GET \/by-header HTTP\/1\.1" 503 NC /.test(l)), lines.slice(-3).join('\n'));
  assert.ok(lines.some((l) => /"GET \/plain HTTP\/1\.1" 200 - /.test(l)));
});

test('common_http_protocol_options.idle_timeout closes an idle keep-alive connection', async () => {
  const { connect } = await import('node:net');
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.resume(); // read the response, so the close is seen
  s.write('GET /plain HTTP/1.1\r\nHost: x\r\n\r\n');
  const t0 = Date.now();
  await new Promise<void>((resolve) => s.on('close', () => resolve()));
  const waited = Date.now() - t0;
  assert.ok(waited >= 250 && waited < 3000, `closed after ${waited} ms of idleness`);
});

test('admin: /listeners, /logging and /drain_listeners', async () => {
  const listeners = (await (await fetch(`http://127.0.0.1:${adminPort}/listeners`)).json()) as { name: string; port: number }[];
  assert.deepEqual(listeners.map((l) => [l.name, l.port]), [['edge', port]]);
  const lines: string[] = [];
  setLogSink((l) => lines.push(l));
  try {
    assert.equal((await fetch(`http://127.0.0.1:${adminPort}/logging?level=debug`)).status, 200);
    logger('probe').debug('visible at debug');
    await fetch(`http://127.0.0.1:${adminPort}/logging?level=warn`);
    logger('probe').debug('hidden at warn');
  } finally {
    setLogSink((l) => process.stderr.write(l + '\n'));
    setLogLevel('warn');
  }
  assert.ok(lines.some((l) => l.includes('visible at debug')));
  assert.ok(!lines.some((l) => l.includes('hidden at warn')));
  assert.equal((await fetch(`http://127.0.0.1:${adminPort}/drain_listeners`)).status, 405, 'drain needs POST');
  assert.equal((await fetch(`http://127.0.0.1:${adminPort}/drain_listeners`, { method: 'POST' })).status, 200);
  await assert.rejects(get('/plain'), 'the listener stopped accepting');
});
