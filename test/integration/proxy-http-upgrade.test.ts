// WebSocket / Upgrade passthrough over real sockets: a hand-written upgrade server answers
// 101 (plus bytes of its own in the same write) and then echoes; the connection manager
// forwards the upgrade head, splices both sockets on 101, and closes them together. Where
// upgrade_configs do not allow the upgrade (connection manager or route), the answer is 403.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { Proxy } from '../../src/proxy/proxy.js';
import { HttpConnectionManager } from '../../src/proxy/http/connection-manager.js';
import { RouteTable } from '../../src/proxy/route/route-table.js';
import { statsText } from '../../src/proxy/stats/index.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { ok } from '../../src/shared/result.js';

const router: HttpFilterFactory = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', compile: () => ok(undefined), create: () => ({}) };
const lookup = (name: string) => (name === router.name ? router : undefined);

let upstream: Server;
let wsListener: Server;
let proxy: Proxy;
let plainPort = 0;
let wsPort = 0;
const upstreamHeads: string[] = [];
const upstreamClosed: Promise<void>[] = [];

/** 101 + "hello" in one write, then echo; `/refuse` gets a 400 with a body instead. */
function upgradeServer(): Server {
  return createServer((sock) => {
    let head = '';
    let upgraded = false;
    let closed!: () => void;
    upstreamClosed.push(new Promise<void>((r) => (closed = r)));
    sock.on('close', () => closed());
    sock.on('error', () => {});
    sock.on('data', (d: Buffer) => {
      if (upgraded) return void sock.write(d);
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      upstreamHeads.push(head.slice(0, end));
      if (head.startsWith('GET /refuse')) return void sock.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 3\r\n\r\nno!');
      upgraded = true;
      sock.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc\r\n\r\nhello');
      const early = head.slice(end + 4);
      if (early) sock.write(early);
    });
  });
}

before(async () => {
  upstream = upgradeServer();
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as { port: number }).port;
  const cluster = create(ClusterSchema, {
    name: 'ws',
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: duration(1000),
    loadAssignment: { clusterName: 'ws', endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress('127.0.0.1', upPort) } } }] }] },
  });
  const routes = create(RouteConfigurationSchema, {
    name: 'local',
    virtualHosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          { match: { pathSpecifier: { case: 'prefix', value: '/no-ws' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'ws' }, upgradeConfigs: [{ upgradeType: 'websocket', enabled: false }] } } },
          { match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'ws' } } } },
        ],
      },
    ],
  });
  proxy = new Proxy({ filters: lookup });
  // A listener through the real config path: its connection manager has no upgrade_configs.
  const listener = create(ListenerSchema, {
    name: 'plain',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'plain', routeConfig: routes }) } }] }],
  });
  const r = await proxy.apply({ listeners: new Map([['plain', listener]]), routes: new Map(), clusters: new Map([['ws', cluster]]), endpoints: new Map() });
  assert.ok(r.ok);
  plainPort = proxy.boundPort('plain')!;
  // A connection manager with upgrade_configs [websocket], over the proxy's clusters.
  const hcm = new HttpConnectionManager({ statPrefix: 'ws', inlineRoutes: new RouteTable(routes), filters: [], edge: false, generateRequestId: false, requestHeadersTimeoutMs: 10_000, idleTimeoutMs: 60_000, upgradeTypes: ['websocket'] }, proxy);
  wsListener = createServer((sock) => {
    sock.on('error', () => sock.destroy());
    hcm.handle(sock);
  });
  await new Promise<void>((r) => wsListener.listen(0, '127.0.0.1', r));
  wsPort = (wsListener.address() as { port: number }).port;
});

after(async () => {
  await proxy.close();
  await new Promise((r) => wsListener.close(r));
  await new Promise((r) => upstream.close(r));
});

/** A raw client: sends `text`, collects everything; `until` resolves once the collected bytes match. */
function client(port: number, text: string): { sock: Socket; until: (re: RegExp) => Promise<string>; closed: Promise<string> } {
  const sock = connect(port, '127.0.0.1');
  let out = '';
  let waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  const check = () => {
    waiters = waiters.filter((w) => (w.re.test(out) ? (w.resolve(out), false) : true));
  };
  sock.on('data', (d: Buffer) => {
    out += d.toString('latin1');
    check();
  });
  sock.on('error', () => {});
  const closed = new Promise<string>((r) => sock.on('close', () => r(out)));
  sock.write(text);
  return {
    sock,
    closed,
    until: (re) =>
      new Promise((resolve) => {
        waiters.push({ re, resolve });
        check();
      }),
  };
}

const upgradeHead = (path: string) => `GET ${path} HTTP/1.1\r\nHost: chat.local\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

test('an allowed WebSocket upgrade is forwarded, answered 101, and spliced both ways', async () => {
  const c = client(wsPort, upgradeHead('/chat') + 'early');
  const got = await c.until(/helloearly$/);
  assert.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(got, /\r\nupgrade: websocket\r\n/i);
  assert.match(got, /\r\nsec-websocket-accept: abc\r\n/i);
  const head = upstreamHeads.at(-1)!;
  assert.match(head, /^GET \/chat HTTP\/1\.1\r\n/);
  assert.match(head, /\r\nconnection: upgrade\r\n/i);
  assert.match(head, /\r\nupgrade: websocket(\r\n|$)/i);
  assert.match(head, /\r\nsec-websocket-key: dGhlIHNhbXBsZQ==\r\n/i);
  // Raw bytes both ways, including ones that look like HTTP.
  c.sock.write('GET / HTTP/1.1\r\n\r\nping');
  await c.until(/helloearlyGET \/ HTTP\/1\.1\r\n\r\nping$/);
  // Closing the client closes the upstream side too.
  const upClosed = upstreamClosed.at(-1)!;
  c.sock.end();
  await upClosed;
  await c.closed;
  const stats = statsText(proxy.stats);
  assert.match(stats, /^http\.ws\.downstream_cx_upgrades_total: 1$/m);
  assert.match(stats, /^cluster\.ws\.upstream_rq_101: 1$/m);
});

test('an upgrade the upstream refuses is an ordinary response, and the connection closes', async () => {
  const c = client(wsPort, upgradeHead('/refuse'));
  const out = await c.closed;
  assert.match(out, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(out, /\r\nconnection: close\r\n/i);
  assert.match(out, /no!$/);
});

test('without upgrade_configs (or with the route disabling it) the upgrade is rejected with 403', async () => {
  const plain = await client(plainPort, upgradeHead('/chat')).closed;
  assert.match(plain, /^HTTP\/1\.1 403 /);
  const routeOff = await client(wsPort, upgradeHead('/no-ws/x')).closed;
  assert.match(routeOff, /^HTTP\/1\.1 403 /);
  assert.match(statsText(proxy.stats), /^http\.plain\.downstream_rq_ws_on_non_ws_route: 1$/m);
});
