// Units for the SO_ORIGINAL_DST reader: sockaddr decoding, and a real getsockopt on a
// plain loopback connection (no REDIRECT: Linux reports the socket's own local address).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { endianness } from 'node:os';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ListenerSchema } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { FilterChainSchema } from '../../api/gen/envoy/config/listener/v3/listener_components_pb.js';
import { TcpProxySchema } from '../../api/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { Proxy } from '../proxy.js';
import { ListenerChains } from './filter-chain.js';
import { loadOriginalDstReader, originalDstReader, parseSockaddr, socketFd } from './original-dst.js';

function sockaddr(family: number, port: number, addr: number[]): Buffer {
  const b = Buffer.alloc(family === 2 ? 16 : 28);
  if (endianness() === 'LE') b.writeUInt16LE(family, 0);
  else b.writeUInt16BE(family, 0);
  b.writeUInt16BE(port, 2);
  if (family === 2) Buffer.from(addr).copy(b, 4);
  else Buffer.from(addr).copy(b, 8);
  return b;
}

test('parseSockaddr decodes sockaddr_in and sockaddr_in6', () => {
  assert.deepEqual(parseSockaddr(sockaddr(2, 9080, [10, 250, 7, 2])), { address: '10.250.7.2', port: 9080 });
  const v6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
  assert.deepEqual(parseSockaddr(sockaddr(10, 443, v6)), { address: 'fd00::2', port: 443 });
  const full = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6];
  assert.deepEqual(parseSockaddr(sockaddr(10, 1, full)), { address: '2001:db8:1:2:3:4:5:6', port: 1 });
  assert.equal(parseSockaddr(Buffer.alloc(4)), undefined);
  assert.equal(parseSockaddr(sockaddr(1, 80, [])), undefined); // AF_UNIX: not an address
});

test('a connection that was not redirected reports its own local address', { skip: process.platform !== 'linux' && 'SO_ORIGINAL_DST is Linux only' }, async () => {
  const reader = originalDstReader();
  assert.ok(reader.ok, reader.ok ? '' : reader.errors.join('; '));
  const accepted: Socket[] = [];
  const server = createServer((s) => {
    s.on('error', () => s.destroy());
    accepted.push(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  client.on('error', () => client.destroy());
  try {
    await once(client, 'connect');
    while (!accepted.length) await new Promise((r) => setImmediate(r));
    const s = accepted[0]!;
    assert.equal(typeof socketFd(s), 'number');
    assert.deepEqual(reader.value.read(s), { address: '127.0.0.1', port });
  } finally {
    client.destroy();
    for (const s of accepted) s.destroy();
    server.close();
  }
});

test('a socket without a descriptor has no original destination', { skip: process.platform !== 'linux' && 'SO_ORIGINAL_DST is Linux only' }, () => {
  const reader = originalDstReader();
  assert.ok(reader.ok);
  const s = connect({ port: 1, host: '127.0.0.1' });
  s.on('error', () => {});
  s.destroy();
  assert.equal(reader.value.read(s), undefined);
});

test('off Linux the reader does not load, and says why', () => {
  const r = loadOriginalDstReader('darwin');
  assert.deepEqual(r, { ok: false, errors: ['the platform is darwin, not linux'] });
});

test('only a listener with use_original_dst reads original destinations', { skip: process.platform !== 'linux' && 'SO_ORIGINAL_DST is Linux only' }, () => {
  const proxy = new Proxy({ filters: () => undefined });
  const tcp = (name: string) =>
    create(FilterChainSchema, {
      filters: [{ name: 'envoy.filters.network.tcp_proxy', configType: { case: 'typedConfig', value: anyPack(TcpProxySchema, create(TcpProxySchema, { statPrefix: name, clusterSpecifier: { case: 'cluster', value: name } })) } }],
    });
  const listener = (useOriginalDst: boolean | undefined) =>
    create(ListenerSchema, {
      name: 'virtualOutbound',
      ...(useOriginalDst !== undefined ? { useOriginalDst } : {}),
      address: { address: { case: 'socketAddress', value: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: 15001 } } } },
      filterChains: [tcp('PassthroughCluster')],
    });
  const transparent = ListenerChains.compile(listener(true), proxy, () => undefined);
  assert.ok(transparent.ok && transparent.value.originalDst, 'use_original_dst: the reader is attached');
  for (const explicit of [false, undefined]) {
    const r = ListenerChains.compile(listener(explicit), proxy, () => undefined);
    assert.ok(r.ok && r.value.originalDst === undefined, `use_original_dst ${explicit}: nothing is read`);
  }
});
