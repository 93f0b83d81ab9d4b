// HTTP/2 upstreams (clusters with http2_protocol_options) over real sockets: an HTTP/1.1
// client to an h2c upstream and back, HTTP/2 end to end with trailers, streams multiplexed
// on one upstream session, use_downstream_protocol_config following the client, gRPC
// through the proxy (grpc-js client and server) with retry on grpc-status and grpc-timeout
// as the deadline, upstream resets, REFUSED_STREAM retries, and HTTP/3 refused by validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createH1Server, request, type Server } from 'node:http';
import { connect as netConnect, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { connect as h2connect, constants, createServer as createH2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { HttpProtocolOptionsSchema } from '../../src/api/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { pack } from '../../src/api/envoy/types.js';
import { Proxy } from '../../src/proxy/proxy.js';
import { validateCluster } from '../../src/proxy/xds-client/cluster-resource.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { ok } from '../../src/shared/result.js';

const router: HttpFilterFactory = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', compile: () => ok(undefined), create: () => ({}) };
const lookup = (name: string) => (name === 'envoy.filters.http.router' ? router : undefined);

let proxy: Proxy;
let port = 0;
const servers: (Http2Server | Server | TcpServer)[] = [];
const grpcServers: grpc.Server[] = [];
/** Upstream sessions accepted per server name. */
const sessions: Record<string, number> = {};
/** gRPC calls seen per method. */
const grpcCalls: Record<string, number> = {};
let refusedOnce = true;

/** A counter's value, as /stats shows it. */
const counterValue = (name: string): number => (proxy.stats.get(name) as { value?: number } | undefined)?.value ?? 0;

type Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

async function h2Upstream(name: string, handler: Handler): Promise<number> {
  const s = createH2Server(handler);
  s.on('session', (sess: ServerHttp2Session) => {
    sessions[name] = (sessions[name] ?? 0) + 1;
    sess.on('error', () => {});
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

function echo(name: string): Handler {
  return (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name, version: req.httpVersion, method: req.method, path: req.url, authority: req.headers[':authority'] ?? req.headers.host, te: req.headers.te ?? null, body }));
    });
  };
}

/**
 * One port for both protocols (cleartext): the first bytes decide whether the connection is
 * piped to an h2c server or to an HTTP/1.1 server; both answer with the version they saw.
 */
async function eitherUpstream(): Promise<number> {
  const h2 = await h2Upstream('either', echo('either'));
  const h1srv = createH1Server((req, res) => res.end(JSON.stringify({ name: 'either', version: req.httpVersion })));
  await new Promise<void>((r) => h1srv.listen(0, '127.0.0.1', r));
  servers.push(h1srv);
  const h1 = (h1srv.address() as { port: number }).port;
  const demux = createTcpServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', (first: Buffer) => {
      const up = netConnect(first.subarray(0, 3).toString() === 'PRI' ? h2 : h1, '127.0.0.1', () => {
        up.write(first);
        sock.pipe(up).pipe(sock);
      });
      up.on('error', () => sock.destroy());
      sock.on('close', () => up.destroy());
    });
  });
  await new Promise<void>((r) => demux.listen(0, '127.0.0.1', r));
  servers.push(demux);
  return (demux.address() as { port: number }).port;
}

/** A generic (proto-less) unary service: the request and response are raw bytes. */
const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const SERVICE: grpc.ServiceDefinition = {
  Echo: { path: '/test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize },
  Flaky: { path: '/test.Echo/Flaky', requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize },
  Slow: { path: '/test.Echo/Slow', requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize },
};

async function grpcUpstream(): Promise<number> {
  const server = new grpc.Server();
  let flaky = 0;
  server.addService(SERVICE, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      grpcCalls.Echo = (grpcCalls.Echo ?? 0) + 1;
      cb(null, Buffer.concat([Buffer.from('echo:'), call.request]));
    },
    Flaky: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      grpcCalls.Flaky = (grpcCalls.Flaky ?? 0) + 1;
      if (flaky++ % 2 === 0) return cb({ code: grpc.status.UNAVAILABLE, details: 'try again' });
      cb(null, call.request);
    },
    Slow: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      grpcCalls.Slow = (grpcCalls.Slow ?? 0) + 1;
      const t = setTimeout(() => cb(null, call.request), 2000);
      call.on('cancelled', () => clearTimeout(t));
    },
  });
  const p = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  grpcServers.push(server);
  return p;
}

type Protocol = 'h1' | 'h2' | 'downstream' | 'h3';

function cluster(name: string, p: number, protocol: Protocol, extra: { maxConcurrentStreams?: number; maxRequestsPerConnection?: number; idleTimeoutMs?: number } = {}) {
  const opts =
    protocol === 'h1'
      ? undefined
      : pack(HttpProtocolOptionsSchema, {
          ...(extra.maxRequestsPerConnection || extra.idleTimeoutMs
            ? { commonHttpProtocolOptions: { ...(extra.maxRequestsPerConnection ? { maxRequestsPerConnection: extra.maxRequestsPerConnection } : {}), ...(extra.idleTimeoutMs ? { idleTimeout: duration(extra.idleTimeoutMs) } : {}) } }
            : {}),
          upstreamProtocolOptions:
            protocol === 'h2'
              ? { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'http2ProtocolOptions', value: { ...(extra.maxConcurrentStreams ? { maxConcurrentStreams: extra.maxConcurrentStreams } : {}) } } } }
              : protocol === 'h3'
                ? { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'http3ProtocolOptions', value: {} } } }
                : { case: 'useDownstreamProtocolConfig', value: { httpProtocolOptions: {}, http2ProtocolOptions: {} } },
        });
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: duration(1000),
    ...(opts ? { typedExtensionProtocolOptions: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': opts } } : {}),
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress('127.0.0.1', p) } } }] }] },
  });
}

const prefix = (p: string) => ({ pathSpecifier: { case: 'prefix' as const, value: p } });
const to = (c: string, more: Record<string, unknown> = {}) => ({ case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: c }, ...more } });

before(async () => {
  const plain = await h2Upstream('plain', echo('plain'));
  const capped = await h2Upstream('capped', echo('capped'));
  const idle = await h2Upstream('idle', echo('idle'));
  const many = await h2Upstream('many', (req, res) => setTimeout(echo('many'), 50, req, res));
  const either = await eitherUpstream();
  const trailers = await h2Upstream('trailers', (_req, res) => {
    res.setHeader('content-type', 'application/grpc');
    res.write(Buffer.from('frame'));
    setTimeout(() => {
      res.addTrailers({ 'grpc-status': '0', 'x-checksum': 'abc' });
      res.end();
    }, 10);
  });
  const reset = await h2Upstream('reset', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial');
    setTimeout(() => req.stream.close(constants.NGHTTP2_INTERNAL_ERROR), 20);
  });
  const refusing = await h2Upstream('refusing', (req, res) => {
    if (refusedOnce) {
      refusedOnce = false;
      req.stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    echo('refusing')(req, res);
  });
  const grpcPort = await grpcUpstream();
  const routes: RouteConfiguration = create(RouteConfigurationSchema, {
    name: 'local',
    virtualHosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          { match: prefix('/plain'), action: to('plain') },
          { match: prefix('/capped'), action: to('capped') },
          { match: prefix('/idle'), action: to('idle') },
          { match: prefix('/many'), action: to('many') },
          { match: prefix('/either'), action: to('either') },
          { match: prefix('/trailers'), action: to('trailers') },
          { match: prefix('/reset'), action: to('reset') },
          { match: prefix('/refusing'), action: to('refusing', { retryPolicy: { retryOn: 'refused-stream', numRetries: 2 } }) },
          { match: prefix('/test.Echo/Flaky'), action: to('grpc', { retryPolicy: { retryOn: 'unavailable', numRetries: 2 } }) },
          { match: prefix('/test.Echo/'), action: to('grpc', { timeout: duration(0), maxStreamDuration: { grpcTimeoutHeaderMax: duration(0) } }) },
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
  const clusters = [
    cluster('plain', plain, 'h2'),
    cluster('capped', capped, 'h2', { maxRequestsPerConnection: 2 }),
    cluster('idle', idle, 'h2', { idleTimeoutMs: 200 }),
    cluster('many', many, 'h2', { maxConcurrentStreams: 100 }),
    cluster('either', either, 'downstream'),
    cluster('trailers', trailers, 'h2'),
    cluster('reset', reset, 'h2'),
    cluster('refusing', refusing, 'h2'),
    cluster('grpc', grpcPort, 'h2'),
  ];
  const r = await proxy.apply({ listeners: new Map([['http', listener]]), routes: new Map(), clusters: new Map(clusters.map((c) => [c.name, c])), endpoints: new Map() });
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  port = proxy.boundPort('http')!;
});

after(async () => {
  await proxy.close();
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    s.close();
  }
  for (const g of grpcServers) g.forceShutdown();
});

interface H1Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function h1(path: string, method = 'GET', body?: string): Promise<H1Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: 'svc.local:8080', ...(body ? { 'content-type': 'text/plain' } : {}) } }, (res) => {
      let out = '';
      res.on('data', (d: Buffer) => (out += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: out }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function h2get(path: string): Promise<{ status: number; body: string; trailers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const s = h2connect(`http://127.0.0.1:${port}`);
    s.on('error', reject);
    const req = s.request({ ':path': path, ':authority': 'svc.local' });
    let status = 0;
    let body = '';
    let trailers: Record<string, unknown> = {};
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      s.close();
      resolve({ status, body, trailers });
    });
    req.on('error', (err) => {
      s.close();
      reject(err);
    });
  });
}

test('an HTTP/1.1 client reaches an h2c upstream: GET and POST, authority from Host, content-length framed back', async () => {
  const g = await h1('/plain/a?x=1');
  assert.equal(g.status, 200);
  const gb = JSON.parse(g.body) as { name: string; version: string; path: string; authority: string };
  assert.deepEqual([gb.name, gb.version, gb.path, gb.authority], ['plain', '2.0', '/plain/a?x=1', 'svc.local:8080']);
  const p = await h1('/plain/post', 'POST', 'hello over h2');
  const pb = JSON.parse(p.body) as { method: string; body: string };
  assert.deepEqual([pb.method, pb.body], ['POST', 'hello over h2']);
  assert.equal(p.headers['content-type'], 'application/json');
});

test('HTTP/2 end to end: upstream trailers reach the HTTP/2 client', async () => {
  const r = await h2get('/trailers');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'frame');
  assert.equal(r.trailers['grpc-status'], '0');
  assert.equal(r.trailers['x-checksum'], 'abc');
});

test('concurrent requests share one upstream session as streams', async () => {
  const before = sessions.many ?? 0;
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => h1(`/many/${i}`)));
  assert.ok(rs.every((r) => r.status === 200));
  assert.equal((sessions.many ?? 0) - before, 1, 'one HTTP/2 connection carried all 20 requests');
  assert.equal(counterValue('cluster.many.upstream_cx_http2_total'), 1);
});

test('max_requests_per_connection retires an HTTP/2 connection after that many streams', async () => {
  for (let i = 0; i < 4; i++) assert.equal((await h1(`/capped/${i}`)).status, 200);
  assert.equal(sessions.capped, 2, 'four requests, two streams per connection');
});

test('common_http_protocol_options.idle_timeout closes an idle HTTP/2 connection', async () => {
  assert.equal((await h1('/idle/a')).status, 200);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await h1('/idle/b')).status, 200);
  assert.equal(sessions.idle, 2, 'the first connection was closed while idle; the second request opened another');
  assert.equal(counterValue('cluster.idle.upstream_cx_http2_total'), 2);
});

test('use_downstream_protocol_config: HTTP/1.1 clients go upstream over HTTP/1.1, HTTP/2 clients over HTTP/2', async () => {
  const a = JSON.parse((await h1('/either')).body) as { version: string };
  assert.equal(a.version, '1.1');
  const b = JSON.parse((await h2get('/either')).body) as { version: string };
  assert.equal(b.version, '2.0');
});

test('an upstream stream reset after the head resets the downstream; the proxy keeps serving', async () => {
  await assert.rejects(h1('/reset'), /aborted|socket hang up|ECONNRESET/);
  assert.equal((await h1('/plain/after-reset')).status, 200);
});

test('REFUSED_STREAM is retried under retry_on: refused-stream', async () => {
  const r = await h1('/refusing/x');
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as { name: string }).name, 'refusing');
  assert.equal(counterValue('cluster.refusing.upstream_rq_retry'), 1);
});

function grpcClient(): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'echo.test:7070' });
}

function unary(c: grpc.Client, method: string, msg: string, deadlineMs?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    c.makeUnaryRequest(`/test.Echo/${method}`, bytes.serialize, bytes.deserialize, Buffer.from(msg), new grpc.Metadata(), deadlineMs ? { deadline: Date.now() + deadlineMs } : {}, (err, v) => (err ? reject(err) : resolve(v!)));
  });
}

test('gRPC through the proxy: a grpc-js client and server over HTTP/2 on both sides', async () => {
  const c = grpcClient();
  try {
    assert.equal((await unary(c, 'Echo', 'hi')).toString(), 'echo:hi');
    const many = await Promise.all(Array.from({ length: 10 }, (_, i) => unary(c, 'Echo', String(i))));
    assert.deepEqual(many.map((b) => b.toString()), Array.from({ length: 10 }, (_, i) => `echo:${i}`));
  } finally {
    c.close();
  }
});

test('gRPC retry_on: unavailable retries a trailers-only UNAVAILABLE answer', async () => {
  const c = grpcClient();
  try {
    const before = grpcCalls.Flaky ?? 0;
    assert.equal((await unary(c, 'Flaky', 'again')).toString(), 'again');
    assert.equal((grpcCalls.Flaky ?? 0) - before, 2, 'the first UNAVAILABLE was retried by the proxy');
  } finally {
    c.close();
  }
});

test('grpc-timeout is the deadline: the proxy ends the call with DEADLINE_EXCEEDED and cancels upstream', async () => {
  const c = grpcClient();
  try {
    const t0 = Date.now();
    const timeouts = counterValue('cluster.grpc.upstream_rq_timeout');
    // The client's own deadline is 300 ms; the proxy answers first (grpc-timeout is sent a little short of it).
    await assert.rejects(unary(c, 'Slow', 'late', 300), (err: grpc.ServiceError) => err.code === grpc.status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - t0 < 1500);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(counterValue('cluster.grpc.upstream_rq_timeout'), timeouts + 1, 'the proxy timed the request out');
  } finally {
    c.close();
  }
});

test('CDS validation refuses HTTP/3 upstreams and unknown protocol option extensions, naming the field', () => {
  const r = validateCluster(cluster('h3', 1, 'h3'));
  assert.ok(!r.ok);
  assert.match(r.errors.join('\n'), /http3_protocol_options: HTTP\/3 upstreams are not supported/);
  const c = cluster('other', 1, 'h1');
  c.typedExtensionProtocolOptions['envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions'] = pack(HttpProtocolOptionsSchema, {});
  const r2 = validateCluster(c);
  assert.ok(!r2.ok);
  assert.match(r2.errors.join('\n'), /typed_extension_protocol_options\["envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions"\]: unsupported extension/);
});
