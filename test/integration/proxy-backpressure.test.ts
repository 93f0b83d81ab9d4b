// Back-pressure: a client that stops reading makes the proxy stop reading the upstream's
// response (TCP flow control for HTTP/1.1, stream windows for HTTP/2), instead of buffering
// the whole body in memory; when the client reads again, every byte arrives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { connect as h2connect, createServer as createH2Server, type Http2Server, type Http2ServerResponse } from 'node:http2';
import { connect } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { HttpProtocolOptionsSchema } from '../../src/api/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { pack } from '../../src/api/envoy/types.js';
import { Proxy } from '../../src/proxy/proxy.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { ok } from '../../src/shared/result.js';

const router: HttpFilterFactory = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', compile: () => ok(undefined), create: () => ({}) };

const TOTAL = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');
let proxy: Proxy;
let port = 0;
let h1: Server;
let h2: Http2Server;
let rand: Server;
/** 6 MiB of random bytes the `rand` upstream sends in uneven writes. */
const RANDOM = randomBytes(6 * 1024 * 1024);
/** Bytes the upstreams handed to their sockets, per upstream. */
const written = { h1: 0, h2: 0 };

/** Writes TOTAL bytes as fast as the connection takes them. */
function pump(res: ServerResponse | Http2ServerResponse, key: 'h1' | 'h2'): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const more = () => {
    while (written[key] < TOTAL) {
      written[key] += CHUNK.length;
      if (!(res as ServerResponse).write(CHUNK)) return void res.once('drain', more);
    }
    res.end();
  };
  more();
}

function cluster(name: string, p: number, http2: boolean) {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: duration(1000),
    ...(http2
      ? { typedExtensionProtocolOptions: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': pack(HttpProtocolOptionsSchema, { upstreamProtocolOptions: { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'http2ProtocolOptions', value: {} } } } }) } }
      : {}),
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress('127.0.0.1', p) } } }] }] },
  });
}

before(async () => {
  h1 = createServer((_req, res) => pump(res, 'h1'));
  await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
  rand = createServer((req, res) => {
    // Content-Length, or chunked when asked; writes of 1 B to 96 KiB.
    res.writeHead(200, req.url?.includes('chunked') ? {} : { 'content-length': RANDOM.length });
    let at = 0;
    let n = 1;
    const more = () => {
      while (at < RANDOM.length) {
        n = (n * 7919 + 13) % (96 * 1024);
        const piece = RANDOM.subarray(at, Math.min(at + n + 1, RANDOM.length));
        at += piece.length;
        if (!res.write(piece)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  });
  await new Promise<void>((r) => rand.listen(0, '127.0.0.1', r));
  h2 = createH2Server((_req, res) => pump(res, 'h2'));
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
  const to = (c: string) => ({ case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: c }, timeout: duration(0) } });
  const routes = create(RouteConfigurationSchema, {
    name: 'r',
    virtualHosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          { match: { pathSpecifier: { case: 'prefix', value: '/h2' } }, action: to('h2') },
          { match: { pathSpecifier: { case: 'prefix', value: '/random' } }, action: to('rand') },
          { match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: to('h1') },
        ],
      },
    ],
  });
  proxy = new Proxy({ filters: (n) => (n === router.name ? router : undefined) });
  const listener = create(ListenerSchema, {
    name: 'http',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'bp', routeConfig: routes }) } }] }],
  });
  const clusters = [cluster('h1', (h1.address() as { port: number }).port, false), cluster('h2', (h2.address() as { port: number }).port, true), cluster('rand', (rand.address() as { port: number }).port, false)];
  const r = await proxy.apply({ listeners: new Map([['http', listener]]), routes: new Map(), clusters: new Map(clusters.map((c) => [c.name, c])), endpoints: new Map() });
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  port = proxy.boundPort('http')!;
});

after(async () => {
  await proxy.close();
  h1.closeAllConnections();
  h1.close();
  rand.closeAllConnections();
  rand.close();
  h2.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('HTTP/1.1: a client that stops reading stalls the upstream; reading again gets every byte', async () => {
  const sock = connect(port, '127.0.0.1');
  sock.on('error', () => {});
  sock.write('GET /big HTTP/1.1\r\nhost: x\r\n\r\n');
  sock.pause();
  await sleep(700);
  const stalled = written.h1;
  assert.ok(stalled < TOTAL / 2, `the upstream wrote ${stalled} bytes while the client read nothing`);
  let received = 0;
  const done = new Promise<void>((resolve) =>
    sock.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= TOTAL) resolve();
    }),
  );
  sock.resume();
  await done;
  assert.ok(received >= TOTAL, 'the whole body (plus the head) arrived');
  assert.equal(written.h1, TOTAL);
  sock.destroy();
});

test('HTTP/2 to an HTTP/2 upstream: a stream the client does not read stalls the upstream stream', async () => {
  const s = h2connect(`http://127.0.0.1:${port}`);
  s.on('error', () => {});
  const req = s.request({ ':path': '/h2/big', ':authority': 'x' });
  req.pause();
  await sleep(700);
  const stalled = written.h2;
  assert.ok(stalled < TOTAL / 2, `the upstream wrote ${stalled} bytes while the client read nothing`);
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    req.on('data', (d: Buffer) => (received += d.length));
    req.on('end', resolve);
    req.on('error', reject);
  });
  req.resume();
  await done;
  assert.equal(received, TOTAL);
  s.close();
});

/** Hashes a body read in fits and starts: a pause every 16 reads, so the proxy's writes back up and its reads pause. */
function digestSlowly(body: import('node:stream').Readable): Promise<{ hash: string; length: number }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let length = 0;
    let reads = 0;
    body.on('data', (d: Buffer) => {
      h.update(d);
      length += d.length;
      if (++reads % 16 === 0) {
        body.pause();
        setTimeout(() => body.resume(), 5);
      }
    });
    body.on('end', () => resolve({ hash: h.digest('hex'), length }));
    body.on('error', reject);
  });
}

const RANDOM_PATHS = ['/random', '/random?chunked', '/random', '/random?chunked'];

function assertIntact(got: { hash: string; length: number }[], who: string): void {
  const want = createHash('sha256').update(RANDOM).digest('hex');
  got.forEach((g, i) => {
    assert.equal(g.length, RANDOM.length, RANDOM_PATHS[i]);
    assert.equal(g.hash, want, `${RANDOM_PATHS[i]} (${who} ${i}): the body arrived changed`);
  });
}

test('HTTP/1.1: bodies read in fits and starts by concurrent clients arrive byte for byte (Content-Length and chunked)', async () => {
  const fetchOne = (path: string) =>
    new Promise<{ hash: string; length: number }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => digestSlowly(res).then(resolve, reject));
      req.on('error', reject);
      req.end();
    });
  assertIntact(await Promise.all(RANDOM_PATHS.map(fetchOne)), 'client');
});

test('HTTP/2 clients of an HTTP/1.1 upstream get random bodies byte for byte while other reads reuse the buffers', async () => {
  const sessions = [h2connect(`http://127.0.0.1:${port}`), h2connect(`http://127.0.0.1:${port}`)];
  for (const s of sessions) s.on('error', () => {});
  const got = await Promise.all(RANDOM_PATHS.map((path, i) => digestSlowly(sessions[i % 2]!.request({ ':path': path, ':authority': 'x' }))));
  assertIntact(got, 'stream');
  for (const s of sessions) s.close();
});
