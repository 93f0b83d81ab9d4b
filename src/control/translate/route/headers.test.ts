import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson } from '@bufbuild/protobuf';
import { HeaderValueOptionSchema } from '../../../api/gen/envoy/config/core/v3/base_pb.js';
import { translateHeaders } from './headers.js';

test('set overwrites, add appends, each sorted by name; set before add', () => {
  const ops = translateHeaders({
    request: { set: { 'x-b': '2', 'x-a': '1' }, add: { 'x-c': '3' }, remove: ['x-legacy'] },
    response: { set: { 'cache-control': 'no-store' }, remove: ['server'] },
  });
  assert.deepEqual(
    ops.requestHeadersToAdd.map((o) => toJson(HeaderValueOptionSchema, o)),
    [
      { header: { key: 'x-a', value: '1' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-b', value: '2' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-c', value: '3' } },
    ],
  );
  assert.deepEqual(ops.requestHeadersToRemove, ['x-legacy']);
  assert.deepEqual(ops.responseHeadersToAdd.map((o) => o.header?.key), ['cache-control']);
  assert.deepEqual(ops.responseHeadersToRemove, ['server']);
  assert.equal(ops.authority, '');
});

test('pseudo headers and host cannot be mutated; setting the authority becomes a host rewrite (set beats add)', () => {
  const ops = translateHeaders({ request: { set: { ':authority': 'a.example' }, add: { host: 'b.example', 'x-ok': 'y' }, remove: [':path', 'Host', 'x-gone'] } });
  assert.deepEqual(ops.requestHeadersToAdd.map((o) => o.header?.key), ['x-ok']);
  assert.deepEqual(ops.requestHeadersToRemove, ['x-gone']);
  assert.equal(ops.authority, 'a.example');
  assert.equal(translateHeaders({ request: { add: { Host: 'b.example' } } }).authority, 'b.example');
});
