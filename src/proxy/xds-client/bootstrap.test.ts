// The bootstrap: checking an untrusted one, and the Node it puts on every stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VERSION } from '../../shared/version.js';
import { bootstrapNode, parseBootstrap, splitHostPort } from './bootstrap.js';

test('a good bootstrap parses; the node carries metadata as a Struct, locality and the user agent', () => {
  const r = parseBootstrap({
    node: { id: 'sidecar~10.0.0.1~a.default~default.svc.cluster.local', cluster: 'a.default', metadata: { LABELS: { app: 'a' }, n: 1, ok: true, x: null }, locality: { zone: 'z' } },
    xdsServer: '127.0.0.1:15010',
  });
  assert.ok(r.ok);
  const node = bootstrapNode(r.value);
  assert.equal(node.id, 'sidecar~10.0.0.1~a.default~default.svc.cluster.local');
  assert.deepEqual(node.metadata, { LABELS: { app: 'a' }, n: 1, ok: true, x: null });
  assert.deepEqual([node.locality?.region, node.locality?.zone, node.locality?.subZone], ['', 'z', '']);
  assert.equal(node.userAgentName, 'rigging');
  assert.deepEqual(node.userAgentVersionType, { case: 'userAgentVersion', value: VERSION });
  assert.equal(parseBootstrap({ node: { id: 'x' }, xdsServer: 'istiod.istio-system.svc:15010' }).ok, true);
});

test('every problem of a bad bootstrap is reported', () => {
  const r = parseBootstrap({ node: { id: '', cluster: 3, metadata: { a: 1n, b: [Number.NaN], c: () => 1 }, locality: { zone: 1 } }, xdsServer: 'nohostport' });
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.errors, [
    'node.id: must be a non-empty string',
    'node.cluster: must be a string',
    'node.metadata.a: bigint is not JSON',
    'node.metadata.b[0]: NaN is not a JSON number',
    'node.metadata.c: function is not JSON',
    'node.locality.zone: must be a string',
    'xdsServer: must be host:port with a port in 1..65535',
  ]);
  assert.deepEqual(parseBootstrap(null), { ok: false, errors: ['bootstrap: must be an object'] });
});

test('host:port targets', () => {
  assert.deepEqual(splitHostPort('127.0.0.1:15010'), { host: '127.0.0.1', port: 15010 });
  assert.deepEqual(splitHostPort('[::1]:15010'), { host: '::1', port: 15010 });
  for (const bad of ['::1:15010', 'host:0', 'host:65536', 'host', ':80', 'a:b']) assert.equal(splitHostPort(bad), undefined, bad);
});
