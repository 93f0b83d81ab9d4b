// Decoding a DiscoveryResponse: type URL checks, undecodable bytes, names, duplicates,
// pluggable validators, and resources nobody asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { RESOURCE_TYPES, TypeUrl, pack, resourceType } from '../../api/envoy/types.js';
import { ClusterSchema, Cluster_LbPolicy, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { DiscoveryResponseSchema } from '../../api/gen/envoy/service/discovery/v3/discovery_pb.js';
import { fail, ok } from '../../shared/result.js';
import { decodeResources, resourceKind } from './resource-decoder.js';
import { validatorFor, type XdsValidator } from './validators.js';

const CDS = resourceType(TypeUrl.Cluster)!;
const EDS = resourceType(TypeUrl.ClusterLoadAssignment)!;
const all = () => true;

function response(typeUrl: string, resources: Any[]) {
  return create(DiscoveryResponseSchema, { typeUrl, versionInfo: '1', nonce: 'n', resources });
}

const cluster = (name: string, lbPolicy = Cluster_LbPolicy.ROUND_ROBIN) => pack(ClusterSchema, { name, lbPolicy });

test('kinds are the message names of the type URLs', () => {
  assert.deepEqual(RESOURCE_TYPES.map((t) => resourceKind(t.typeUrl)), ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration', 'Secret']);
});

test('valid resources are accepted with their bytes; errors are prefixed with kind and name', () => {
  const d = decodeResources(response(TypeUrl.Cluster, [cluster('a'), cluster('b', Cluster_LbPolicy.CLUSTER_PROVIDED)]), CDS, validatorFor(TypeUrl.Cluster, undefined) as XdsValidator, all);
  assert.deepEqual([...d.accepted.keys()], ['a']);
  assert.equal((d.accepted.get('a')!.resource as Cluster).name, 'a');
  assert.ok(d.accepted.get('a')!.bytes.length > 0);
  assert.deepEqual([...d.rejected], ['b']);
  assert.deepEqual([...d.present], ['a', 'b']);
  assert.equal(d.complete, true);
  assert.deepEqual(d.errors, ['Cluster "b": lb_policy: unsupported value CLUSTER_PROVIDED']);
});

test('a resource of another type, bad bytes or an empty name cannot be named: the response is incomplete', () => {
  const bad: Any = { ...cluster('x'), value: new Uint8Array([0x0a, 0xff]) };
  const d = decodeResources(
    response(TypeUrl.Cluster, [pack(ClusterLoadAssignmentSchema, { clusterName: 'e' }), bad, pack(ClusterSchema, {}), cluster('ok')]),
    CDS,
    validatorFor(TypeUrl.Cluster, undefined) as XdsValidator,
    all,
  );
  assert.equal(d.complete, false);
  assert.deepEqual([...d.accepted.keys()], ['ok']);
  assert.equal(d.errors.length, 3);
  assert.equal(d.errors[0], `Cluster resources[0]: type_url "${TypeUrl.ClusterLoadAssignment}" does not match the response type_url "${TypeUrl.Cluster}"`);
  assert.match(d.errors[1]!, /^Cluster resources\[1\]: cannot decode: /);
  assert.equal(d.errors[2], 'Cluster resources[2]: name: must not be empty');
});

test('a name twice in one response is an error and neither copy is accepted', () => {
  const d = decodeResources(response(TypeUrl.Cluster, [cluster('a'), cluster('a')]), CDS, validatorFor(TypeUrl.Cluster, undefined) as XdsValidator, all);
  assert.deepEqual([...d.accepted.keys()], []);
  assert.deepEqual(d.errors, ['Cluster "a": duplicate resource name in one response']);
});

test('a custom validator replaces the default; one that throws is an error, not a crash', () => {
  const strict: XdsValidator<typeof TypeUrl.Cluster> = (c) => (c.name.startsWith('outbound|') ? ok(c) : fail('name: must start with outbound|'));
  const v = validatorFor(TypeUrl.Cluster, { [TypeUrl.Cluster]: strict }) as XdsValidator;
  const d = decodeResources(response(TypeUrl.Cluster, [cluster('outbound|80||a', Cluster_LbPolicy.CLUSTER_PROVIDED), cluster('b')]), CDS, v, all);
  assert.deepEqual([...d.accepted.keys()], ['outbound|80||a'], 'the default lb_policy check is replaced');
  assert.deepEqual(d.errors, ['Cluster "b": name: must start with outbound|']);

  const throwing: XdsValidator = () => {
    throw new Error('boom');
  };
  const t = decodeResources(response(TypeUrl.Cluster, [cluster('a')]), CDS, throwing, all);
  assert.deepEqual(t.errors, ['Cluster "a": validator failed: boom']);
});

test('resources not wanted are present but neither validated nor accepted', () => {
  let calls = 0;
  const counting: XdsValidator = (r) => (calls++, ok(r));
  const d = decodeResources(
    response(TypeUrl.ClusterLoadAssignment, [pack(ClusterLoadAssignmentSchema, { clusterName: 'a' }), pack(ClusterLoadAssignmentSchema, { clusterName: 'b' })]),
    EDS,
    counting,
    (n) => n === 'a',
  );
  assert.deepEqual([...d.accepted.keys()], ['a']);
  assert.deepEqual([...d.present], ['a', 'b']);
  assert.equal(calls, 1);
});
