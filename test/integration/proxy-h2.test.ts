// HTTP/2 downstream (h2c, prior knowledge) through the proxy to HTTP/1.1 upstreams over
// real sockets: GET and POST, concurrent streams on one session, routing by :authority and
// :path, local replies with response flags, client resets aborting the upstream request,
// upstream resets resetting the stream, and HTTP/1.1 still served on the same listener.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as h2connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { Proxy } from '../../src/proxy/proxy.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { ok } from '../../src/shared/result.js';

const router: HttpFilterFactory = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', compile: () => ok(undefined), create: () => ({}) };
const lookup = (name: string) => (name === 'envoy.filters.http.router' ? router : undefined);

const upstreams: Server[] = [];
let proxy: Proxy;
let port = 0;
/** Resolved when the `hang` upstream's request is closed before it answered. */
let hangAborted: Promise<void>;
let hangArrived: Promise<void>;

async function upstream(name: string, handler?: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const s = createServer((req, res) => {
    if (handler) return handler(req, res);
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.setHeader('x-upstream', name);
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(JSON.stringify({ name, method: req.method, url: req.url, host: req.headers.host, body, cookie: req.headers.cookie ?? null, rid: req.headers['x-request-id'] ?? null }));
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  upstreams.push(s);
  return (s.address() as { port: number }).port;
}

function staticCluster(name: string, port: number) {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: duration(1000),
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress('127.0.0.1', port) } } }] }] },
  });
}

const toCluster = (cluster: string) => ({ case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: cluster } } });
const prefix = (p: string) => ({ pathSpecifier: { case: 'prefix' as const, value: p } });

before(async () => {
  const a = await upstream('a');
  const b = await upstream('b');
  let arrived!: () => void;
  let aborted!: () => void;
  hangArrived = new Promise((r) => (arrived = r));
  hangAborted = new Promise((r) => (aborted = r));
  const hang = await upstream('hang', (_req, res) => {
    arrived();
    res.on('close', () => {
      if (!res.writableEnded) aborted();
    });
  });
  const trailers = await upstream('trailers', (_req, res) => {
    res.setHeader('trailer', 'x-checksum');
    res.write('chunk1-');
    setTimeout(() => {
      res.addTrailers({ 'x-checksum': 'abc' });
      res.end('chunk2');
    }, 10);
  });
  const broken = await upstream('broken', (req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
    setTimeout(() => req.socket.destroy(), 20);
  });
  const routes = create(RouteConfigurationSchema, {
    name: 'local',
    virtualHosts: [
      { name: 'b', domains: ['b.local', 'b.local:*'], routes: [{ match: prefix('/'), action: toCluster('b') }] },
      {
        name: 'a',
        domains: ['a.local'],
        routes: [
          { match: prefix('/hang'), action: toCluster('hang') },
          { match: prefix('/trailers'), action: toCluster('trailers') },
          { match: prefix('/broken'), action: toCluster('broken') },
          { match: prefix('/missing'), action: toCluster('no-such-cluster') },
          { match: prefix('/api'), action: toCluster('a') },
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
    clusters: new Map([staticCluster('a', a), staticCluster('b', b), staticCluster('hang', hang), staticCluster('trailers', trailers), staticCluster('broken', broken)].map((c) => [c.name, c])),
    endpoints: new Map(),
  });
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  port = proxy.boundPort('http')!;
});

after(async () => {
  await proxy.close();
  for (const s of upstreams) s.closeAllConnections();
  await Promise.all(upstreams.map((s) => new Promise((r) => s.close(r))));
});

interface H2Response {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: string;
}

function h2(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const req = session.request(headers, { endStream: body === undefined });
    let res: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    let out = '';
    req.on('response', (h) => (res = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (d: Buffer) => (out += d.toString()));
    req.on('end', () => resolve({ headers: res, trailers, body: out }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

function session(): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = h2connect(`http://127.0.0.1:${port}`);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

const closeSession = (s: ClientHttp2Session) => new Promise<void>((r) => s.close(r));

test('GET and POST over h2c reach HTTP/1.1 upstreams; headers and cookies are translated', async () => {
  const s = await session();
  try {
    const g = await h2(s, { ':method': 'GET', ':path': '/api/items?x=1', ':authority': 'a.local', cookie: ['c1=1', 'c2=2'] });
    assert.equal(g.headers[':status'], 200);
    assert.equal(g.headers['x-upstream'], 'a');
    assert.deepEqual(g.headers['set-cookie'], ['a=1', 'b=2']);
    const j = JSON.parse(g.body) as { method: string; url: string; host: string; cookie: string; rid: string | null };
    assert.deepEqual([j.method, j.url, j.host, j.cookie], ['GET', '/api/items?x=1', 'a.local', 'c1=1; c2=2']);
    assert.ok(j.rid, 'x-request-id generated');
    const p = await h2(s, { ':method': 'POST', ':path': '/api/post', ':authority': 'a.local', 'content-type': 'text/plain' }, 'hello h2');
    assert.equal(p.headers[':status'], 200);
    assert.deepEqual((JSON.parse(p.body) as { method: string; body: string }).body, 'hello h2');
  } finally {
    await closeSession(s);
  }
});

test('concurrent streams on one session are routed by :authority and :path', async () => {
  const s = await session();
  try {
    const rs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => h2(s, { ':method': 'GET', ':path': `/api/${i}`, ':authority': i % 2 ? 'b.local' : 'a.local' })),
    );
    rs.forEach((r, i) => {
      const j = JSON.parse(r.body) as { name: string; url: string };
      assert.deepEqual([j.name, j.url], [i % 2 ? 'b' : 'a', `/api/${i}`]);
    });
  } finally {
    await closeSession(s);
  }
});

test('no route and no cluster answer locally with the response flag; gRPC gets grpc-status', async () => {
  const s = await session();
  try {
    const nr = await h2(s, { ':method': 'GET', ':path': '/nowhere', ':authority': 'a.local' });
    assert.equal(nr.headers[':status'], 404);
    assert.equal(nr.headers['x-rig-response-flags'], 'NR');
    assert.match(nr.body, /no route for a\.local\/nowhere/);
    const nc = await h2(s, { ':method': 'GET', ':path': '/missing', ':authority': 'a.local' });
    assert.equal(nc.headers[':status'], 503);
    assert.equal(nc.headers['x-rig-response-flags'], 'NC');
    const g = await h2(s, { ':method': 'POST', ':path': '/pkg.Svc/Method', ':authority': 'c.local', 'content-type': 'application/grpc', te: 'trailers' }, '');
    assert.equal(g.headers[':status'], 200);
    assert.equal(g.headers['grpc-status'], '12'); // UNIMPLEMENTED, trailers-only
    assert.equal(g.headers['x-rig-response-flags'], 'NR');
  } finally {
    await closeSession(s);
  }
});

test('upstream trailers are forwarded as HTTP/2 trailers', async () => {
  const s = await session();
  try {
    const r = await h2(s, { ':method': 'GET', ':path': '/trailers', ':authority': 'a.local' });
    assert.equal(r.body, 'chunk1-chunk2');
    assert.equal(r.trailers['x-checksum'], 'abc');
  } finally {
    await closeSession(s);
  }
});

test('a client stream reset aborts the upstream request; the session keeps serving', async () => {
  const s = await session();
  try {
    const req = s.request({ ':method': 'GET', ':path': '/hang', ':authority': 'a.local' });
    req.on('error', () => {});
    await hangArrived;
    req.close(constants.NGHTTP2_CANCEL);
    await hangAborted;
    const r = await h2(s, { ':method': 'GET', ':path': '/api/after', ':authority': 'a.local' });
    assert.equal(r.headers[':status'], 200);
  } finally {
    await closeSession(s);
  }
});

test('an upstream reset mid-response resets the stream with INTERNAL_ERROR', async () => {
  const s = await session();
  try {
    const code = await new Promise<number>((resolve) => {
      const req = s.request({ ':method': 'GET', ':path': '/broken', ':authority': 'a.local' });
      req.on('data', () => {});
      req.on('error', () => {});
      req.on('close', () => resolve(req.rstCode ?? -1));
    });
    assert.equal(code, constants.NGHTTP2_INTERNAL_ERROR);
  } finally {
    await closeSession(s);
  }
});

test('the listener keeps serving HTTP/1.1', async () => {
  const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/h1', headers: { host: 'a.local' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as { name: string }).name, 'a');
});
