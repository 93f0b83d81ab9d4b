// One type's state on the stream: state-of-the-world removal for wildcard types, kept
// resources for named types, dropped resources on unsubscribe, version only on ACK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, type Message } from '@bufbuild/protobuf';
import { TypeUrl, resourceType } from '../../api/envoy/types.js';
import { ClusterSchema } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { DecodedResponse } from './resource-decoder.js';
import { TypeWatch } from './type-watch.js';

function decoded(accepted: string[], opts: { rejected?: string[]; complete?: boolean; errors?: string[]; bytes?: number } = {}): DecodedResponse {
  const rejected = opts.rejected ?? [];
  return {
    accepted: new Map(accepted.map((n) => [n, { resource: create(ClusterSchema, { name: n }) as Message, bytes: new Uint8Array([opts.bytes ?? 1]) }])),
    rejected: new Set(rejected),
    present: new Set([...accepted, ...rejected]),
    complete: opts.complete ?? true,
    errors: opts.errors ?? [],
  };
}

test('wildcard: absent resources are removed, unless the response could not be fully named', () => {
  const w = new TypeWatch(resourceType(TypeUrl.Cluster)!);
  assert.equal(w.apply(decoded(['a', 'b', 'c']), 'v1', 'n1', 1), true);
  assert.equal(w.apply(decoded(['a'], { rejected: ['b'], errors: ['Cluster "b": x'] }), 'v2', 'n2', 2), true);
  assert.deepEqual([...w.resources.keys()], ['a', 'b'], 'c is absent: removed; b is invalid: kept');
  assert.equal(w.version, 'v1', 'a NACKed response does not move the version');
  assert.deepEqual(w.lastNack, { nonce: 'n2', version: 'v2', message: 'Cluster "b": x', at: 2 });
  w.apply(decoded([], { complete: false, errors: ['Cluster resources[0]: ...'] }), 'v3', 'n3', 3);
  assert.deepEqual([...w.resources.keys()], ['a', 'b'], 'nothing is removed on an incomplete response');
  const a = w.resources.get('a');
  assert.equal(w.apply(decoded(['a', 'b']), 'v1', 'n4', 4), false, 'same bytes, same version: no change');
  assert.equal(w.resources.get('a'), a);
  assert.equal(w.lastAckAt, 4);
});

test('named: absent resources stay; unsubscribing drops them; requests carry version, nonce and sorted names', () => {
  const w = new TypeWatch(resourceType(TypeUrl.ClusterLoadAssignment)!);
  assert.equal(w.active, false);
  assert.equal(w.subscribe(new Set(['b', 'a'])), true);
  assert.equal(w.subscribe(new Set(['a', 'b'])), false);
  w.apply(decoded(['a', 'b']), 'v1', 'n1', 1);
  w.apply(decoded(['b'], { bytes: 2 }), 'v2', 'n2', 2);
  assert.deepEqual([...w.resources.keys()], ['a', 'b']);
  assert.deepEqual([...w.arrived].sort(), ['a', 'b']);
  w.nonce = 'n2';
  w.subscribe(new Set(['b', 'c']));
  assert.deepEqual([...w.resources.keys()], ['b']);
  assert.deepEqual([...w.arrived], ['b']);
  const req = w.request();
  assert.deepEqual([req.typeUrl, req.versionInfo, req.responseNonce, req.resourceNames, req.node, req.errorDetail], [TypeUrl.ClusterLoadAssignment, 'v2', 'n2', ['b', 'c'], undefined, undefined]);
  const nack = w.request(undefined, 'bad');
  assert.deepEqual([nack.errorDetail?.code, nack.errorDetail?.message], [3, 'bad']);
  w.streamEnded();
  assert.equal(w.request().responseNonce, '');
  assert.deepEqual(w.status().subscribed, ['b', 'c']);
});
