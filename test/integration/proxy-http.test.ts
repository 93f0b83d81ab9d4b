// The proxy's HTTP/1.1 data path over real sockets: a listener with an HTTP connection
// manager, routes, STATIC clusters and real upstream servers. Covers routing, local
// replies with response flags, retries, timeouts, keep-alive and bodies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, Agent, type Server } from 'node:http';
import { connect } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { Proxy } from '../../src/proxy/proxy.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { ok } from '../../src/shared/result.js';

const router: HttpFilterFactory = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', compile: () => ok(undefined), create: () => ({}) };
const lookup = (name: string) => (name === 'envoy.filters.http.router' ? router : undefined);

const upstreams: Server[] = [];
const ports: number[] = [];
let proxy: Proxy;
let port = 0;
const hits: string[] = [];
/** An upstream reached through an ORIGINAL_DST cluster, and its open connections. */
let odst = 0;
let odstOpen = 0;

async function upstream(name: string, handler?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<number> {
  const s = createServer((req, res) => {
    hits.push(`${name} ${req.method} ${req.url}`);
    if (handler) return handler(req, res);
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.setHeader('x-upstream', name);
      res.end(JSON.stringify({ name, method: req.method, url: req.url, host: req.headers.host, body, xff: req.headers['x-forwarded-for'] ?? null, rid: req.headers['x-request-id'] ?? null }));
    });
  });
  s.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  upstreams.push(s);
  return (s.address() as { port: number }).port;
}

function staticCluster(name: string, endpoints: number[]) {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: duration(1000),
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: endpoints.map((p) => ({ hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress('127.0.0.1', p) } } })) }] },
  });
}

const toCluster = (cluster: string, extra: object = {}) => ({ case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: cluster }, ...extra } });

before(async () => {
  const a = await upstream('a');
  const b = await upstream('b');
  const slow = await upstream('slow', (_req, res) => setTimeout(() => res.end('late'), 1500));
  let flaky = 0;
  const flakyPort = await upstream('flaky', (_req, res) => {
    res.statusCode = flaky++ % 2 === 0 ? 503 : 200;
    res.end(res.statusCode === 200 ? 'recovered' : 'unavailable');
  });
  const chunked = await upstream('chunked', (_req, res) => {
    res.write('part1-');
    setTimeout(() => res.end('part2'), 20);
  });
  const hop = await upstream('hop', (req, res) => {
    res.setHeader('Connection', 'keep-alive, X-Resp-Secret');
    res.setHeader('X-Resp-Secret', 'hidden');
    res.setHeader('Proxy-Connection', 'keep-alive');
    res.setHeader('X-Resp-Kept', 'kept');
    res.end(JSON.stringify(req.rawHeaders));
  });
  odst = await upstream('odst');
  upstreams.at(-1)!.on('connection', (c: import('node:net').Socket) => {
    odstOpen++;
    c.on('close', () => odstOpen--);
  });
  const dead = await upstream('dead');
  upstreams.pop()!.close(); // nothing listens on `dead` now
  ports.push(a, b, slow, flakyPort, chunked, dead, hop);
  const routes = create(RouteConfigurationSchema, {
    name: 'local',
    virtualHosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          { name: 'direct', match: { pathSpecifier: { case: 'path', value: '/healthz' } }, action: { case: 'directResponse', value: { status: 200, body: { specifier: { case: 'inlineString', value: 'ok' } } } } },
          { name: 'slow', match: { pathSpecifier: { case: 'prefix', value: '/slow' } }, action: toCluster('slow', { timeout: duration(300) }) },
          { name: 'flaky', match: { pathSpecifier: { case: 'prefix', value: '/flaky' } }, action: toCluster('flaky', { retryPolicy: { retryOn: '5xx', numRetries: 2 } }) },
          { name: 'flaky-no-retry', match: { pathSpecifier: { case: 'prefix', value: '/unretried' } }, action: toCluster('flaky') },
          { name: 'chunked', match: { pathSpecifier: { case: 'prefix', value: '/chunked' } }, action: toCluster('chunked') },
          { name: 'hop', match: { pathSpecifier: { case: 'prefix', value: '/hop' } }, action: toCluster('hop') },
          { name: 'odst', match: { pathSpecifier: { case: 'prefix', value: '/odst' } }, action: toCluster('passthrough') },
          { name: 'dead', match: { pathSpecifier: { case: 'prefix', value: '/dead' } }, action: toCluster('dead') },
          { name: 'empty', match: { pathSpecifier: { case: 'prefix', value: '/empty' } }, action: toCluster('empty') },
          { name: 'missing', match: { pathSpecifier: { case: 'prefix', value: '/missing' } }, action: toCluster('no-such-cluster') },
          { name: 'rewrite', match: { pathSpecifier: { case: 'prefix', value: '/v1/' } }, action: toCluster('a', { prefixRewrite: '/api/' }) },
          { name: 'ab', match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: toCluster('ab') },
        ],
      },
    ],
  });
  proxy = new Proxy({ filters: lookup });
  const listener = create(ListenerSchema, {
    name: 'http',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'ingress', routeConfig: routes }) } }] }],
  });
  const r = await proxy.apply({
    listeners: new Map([['http', listener]]),
    routes: new Map(),
    clusters: new Map(
      [
        staticCluster('ab', [a, b]),
        staticCluster('a', [a]),
        staticCluster('slow', [slow]),
        staticCluster('flaky', [flakyPort]),
        staticCluster('chunked', [chunked]),
        staticCluster('hop', [hop]),
        create(ClusterSchema, { name: 'passthrough', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST }, lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED, connectTimeout: duration(1000), cleanupInterval: duration(200) }),
        staticCluster('dead', [dead]),
        staticCluster('empty', []),
      ].map((c) => [c.name, c]),
    ),
    endpoints: new Map(),
  });
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  port = proxy.boundPort('http')!;
});

after(async () => {
  await proxy.close();
  for (const s of upstreams) s.closeAllConnections?.();
  await Promise.all(upstreams.map((s) => new Promise((r) => s.close(r))));
});

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function get(path: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent, headers: { host: 'test.local', ...opts.headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`client timeout on ${path}`)));
    req.end(opts.body);
  });
}

test('routes to a cluster and round-robins over its hosts, keeping connections alive', async () => {
  const names = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const r = await get('/x');
    assert.equal(r.status, 200);
    const j = JSON.parse(r.body) as { name: string; host: string; xff: string | null; rid: string | null };
    names.add(j.name);
    assert.equal(j.host, 'test.local');
    assert.ok(j.rid, 'x-request-id generated');
  }
  assert.deepEqual([...names].sort(), ['a', 'b']);
});

test('POST bodies and prefix rewrites reach the upstream', async () => {
  const r = await get('/v1/items?q=1', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
  const j = JSON.parse(r.body) as { url: string; body: string; method: string };
  assert.deepEqual([j.method, j.url, j.body], ['POST', '/api/items?q=1', 'hello']);
});

test('direct responses, no route, no cluster and no healthy upstream answer locally with flags', async () => {
  const d = await get('/healthz');
  assert.deepEqual([d.status, d.body], [200, 'ok'], 'a direct_response body is sent as configured');
  const nc = await get('/missing');
  assert.equal(nc.status, 503);
  assert.equal(nc.headers['x-rig-response-flags'], 'NC');
  assert.match(nc.body, /no cluster no-such-cluster/);
  const uh = await get('/empty');
  assert.equal(uh.status, 503);
  assert.equal(uh.headers['x-rig-response-flags'], 'UH');
  assert.match(uh.body, /no healthy upstream for empty/);
  const uf = await get('/dead');
  assert.equal(uf.status, 503);
  assert.equal(uf.headers['x-rig-response-flags'], 'UF');
  assert.match(uf.body, /upstream connect error/);
});

test('route timeout answers 504 UT; retries on 5xx recover', async () => {
  const t0 = Date.now();
  const slow = await get('/slow');
  assert.equal(slow.status, 504);
  assert.equal(slow.headers['x-rig-response-flags'], 'UT');
  assert.ok(Date.now() - t0 < 1200, 'answered at the route timeout, not the upstream');
  const flaky = await get('/flaky');
  assert.deepEqual([flaky.status, flaky.body], [200, 'recovered']);
  // Without a retry policy the 503 goes back to the client as is.
  const codes = [await get('/unretried'), await get('/unretried')].map((r) => r.status).sort();
  assert.deepEqual(codes, [200, 503]);
});

test('chunked upstream responses are forwarded chunked', async () => {
  const r = await get('/chunked');
  assert.equal(r.body, 'part1-part2');
  assert.equal(r.headers['transfer-encoding'], 'chunked');
});

test('hop-by-hop fields, and those Connection names, are not forwarded either way; the rest keep their order', async () => {
  const raw = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (/\r\n\r\n\[.*\]$/s.test(out)) s.end();
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.write(
      'GET /hop HTTP/1.1\r\nHost: test.local\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\n' +
        'Proxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: h2c\r\nX-Multi: 1\r\nX-Kept: yes\r\nX-Multi: 2\r\n\r\n',
    );
    setTimeout(() => s.destroy(), 3000);
  });
  const [head, body] = raw.split('\r\n\r\n');
  const seen = JSON.parse(body!) as string[];
  const names = seen.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  for (const n of ['x-secret', 'keep-alive', 'proxy-connection', 'te', 'upgrade']) assert.ok(!names.includes(n), `${n} reached the upstream: ${names.join(' ')}`);
  const multi = seen.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === 'x-multi' ? [seen[i + 1]] : []));
  assert.deepEqual(multi, ['1', '2']);
  assert.ok(names.indexOf('x-multi') < names.indexOf('x-kept'), 'arrival order kept');
  assert.equal(names.filter((n) => n === 'host').length, 1);
  assert.match(head!, /^HTTP\/1\.1 200 /);
  assert.match(head!, /\r\nx-resp-kept: kept(\r\n|$)/i);
  assert.doesNotMatch(head!, /x-resp-secret|proxy-connection|keep-alive: timeout/i);
});

test('ORIGINAL_DST: the Host names the destination; a destination unused for cleanup_interval has its connections closed', async () => {
  const r = await get('/odst', { headers: { host: `127.0.0.1:${odst}` } });
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as { name: string }).name, 'odst');
  assert.equal(odstOpen, 1, 'the pooled connection stays open right after the response');
  const t0 = Date.now();
  while (odstOpen > 0 && Date.now() - t0 < 3000) await new Promise((res) => setTimeout(res, 50));
  assert.equal(odstOpen, 0, 'the idle connection to the unused destination was closed');
  assert.ok(Date.now() - t0 >= 150, 'not before cleanup_interval');
  const again = await get('/odst', { headers: { host: `127.0.0.1:${odst}` } });
  assert.equal(again.status, 200, 'a later request opens a new pool');
});

test('request smuggling attempts get 400 and the connection is closed; the proxy keeps serving', async () => {
  const raw = (text: string) =>
    new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
      s.write(text);
      setTimeout(() => s.destroy(), 2000);
    });
  const clte = await raw('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(clte, /^HTTP\/1\.1 400 /);
  assert.ok(!hits.some((h) => h.includes('/smuggled')));
  const bareLf = await raw('GET / HTTP/1.1\nHost: x\n\n');
  assert.match(bareLf, /^HTTP\/1\.1 400 /);
  const r = await get('/x');
  assert.equal(r.status, 200);
});
