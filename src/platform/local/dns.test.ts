// The pod DNS server answered by an independent client (Node's c-ares Resolver) over real UDP
// on loopback: Service names in their three forms resolve to the VIP, other names are NXDOMAIN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { buildResponse, parseQuery, serviceKeyOf, startPodDns } from './dns.js';

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test('Service names map to namespace/name keys, in the asking pod namespace for a bare name', () => {
  assert.equal(serviceKeyOf('hello.default.svc.cluster.local', 'x'), 'default/hello');
  assert.equal(serviceKeyOf('hello.default.svc.cluster.local.', 'x'), 'default/hello');
  assert.equal(serviceKeyOf('hello.prod', 'x'), 'prod/hello');
  assert.equal(serviceKeyOf('hello', 'default'), 'default/hello');
  assert.equal(serviceKeyOf('hello', undefined), undefined);
  assert.equal(serviceKeyOf('example.com.cluster.local', 'default'), undefined);
});

test('a response echoes the question and points its answers at it', () => {
  // id 0x1234, RD, one question: a.b A IN
  const query = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 1, 0x62, 0, 0, 1, 0, 1]);
  const q = parseQuery(query)!;
  assert.deepEqual({ id: q.id, name: q.name, type: q.type, cls: q.cls }, { id: 0x1234, name: 'a.b', type: 1, cls: 1 });
  const res = buildResponse(q, 0, ['10.96.0.7']);
  assert.equal(res.readUInt16BE(0), 0x1234);
  assert.equal(res.readUInt16BE(2) & 0x8000, 0x8000, 'QR');
  assert.equal(res.readUInt16BE(2) & 0x0100, 0x0100, 'RD copied');
  assert.equal(res.readUInt16BE(6), 1, 'one answer');
  assert.deepEqual([...res.subarray(res.length - 4)], [10, 96, 0, 7]);
  assert.equal(parseQuery(Buffer.from([1, 2, 3])), undefined);
});

test('resolves Service names over UDP and answers NXDOMAIN for the rest', async () => {
  const port = await freeUdpPort();
  const services = new Map([
    ['default/hello', ['10.96.1.2']],
    ['prod/db', ['10.100.0.9']],
  ]);
  const stop = await startPodDns({ address: '127.0.0.1', port, services: () => Promise.resolve(services), namespaceOf: () => 'default' });
  try {
    const r = new Resolver({ timeout: 1000, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    assert.deepEqual(await r.resolve4('hello.default.svc.cluster.local'), ['10.96.1.2']);
    assert.deepEqual(await r.resolve4('db.prod'), ['10.100.0.9']);
    assert.deepEqual(await r.resolve4('hello'), ['10.96.1.2'], 'a bare name, in the asking pod namespace');
    await assert.rejects(r.resolve4('example.com'), { code: 'ENOTFOUND' });
    await assert.rejects(r.resolve6('hello.default.svc.cluster.local'), { code: 'ENODATA' }, 'a known name has no AAAA record');
  } finally {
    await stop();
  }
});
