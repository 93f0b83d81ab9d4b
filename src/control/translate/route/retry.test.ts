import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { RetryPolicySchema, type RetryPolicy } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { envoyRegistry } from '../../../api/gen/registry.js';
import { defaultMeshConfig } from '../../model/mesh.js';
import { convertRetry, parseRetryOn, retryPolicyFor } from './retry.js';

const json = (p: RetryPolicy | undefined) => (p ? (toJson(RetryPolicySchema, p, { registry: envoyRegistry }) as JsonObject) : undefined);
const mesh = defaultMeshConfig();

const ISTIO_DEFAULT = {
  retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  numRetries: 2,
  retryHostPredicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
  hostSelectionRetryMaxAttempts: '5',
  retriableStatusCodes: [503],
};

test('no retries on the route → the mesh default, which is Istio\'s default policy', () => {
  assert.deepEqual(json(retryPolicyFor(undefined, mesh, { consistentHash: false, grpc: false })), ISTIO_DEFAULT);
  assert.deepEqual(json(convertRetry(undefined, false)), ISTIO_DEFAULT);
});

test('consistent hashing drops the previous_hosts predicate', () => {
  const p = json(retryPolicyFor(undefined, mesh, { consistentHash: true, grpc: false }))!;
  assert.equal(p.retryHostPredicate, undefined);
});

test('attempts 0 disables retries; the mesh default can too', () => {
  assert.equal(convertRetry({ attempts: 0 }, false), undefined);
  assert.equal(retryPolicyFor(undefined, { ...mesh, defaultHttpRetryPolicy: { attempts: 0, retryOn: '' } }, { consistentHash: false, grpc: false }), undefined);
});

test('Istio docs example: attempts 3, perTryTimeout 2s, retryOn with status codes', () => {
  const { retriableStatusCodes: _codes, ...rest } = ISTIO_DEFAULT;
  // Codes come only from retryOn once it is given: none here.
  assert.deepEqual(json(convertRetry({ attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,refused-stream' }, false)), {
    ...rest,
    numRetries: 3,
    retryOn: 'gateway-error,connect-failure,refused-stream',
    perTryTimeout: '2s',
  });
  const codes = json(convertRetry({ attempts: 2, retryOn: '5xx,503, 429' }, false))!;
  assert.equal(codes.retryOn, '5xx,retriable-status-codes');
  assert.deepEqual(codes.retriableStatusCodes, [503, 429]);
  assert.deepEqual(parseRetryOn('retriable-status-codes,503'), { retryOn: 'retriable-status-codes', codes: [503] });
});

test('a custom mesh default retryOn is parsed like a route\'s', () => {
  const p = json(retryPolicyFor(undefined, { ...mesh, defaultHttpRetryPolicy: { attempts: 1, retryOn: '5xx' } }, { consistentHash: false, grpc: false }))!;
  assert.equal(p.numRetries, 1);
  assert.equal(p.retryOn, '5xx');
  assert.equal(p.retriableStatusCodes, undefined);
});

test('proxyless gRPC keeps only gRPC status names (A44) and the attempt count', () => {
  assert.deepEqual(json(retryPolicyFor(undefined, mesh, { consistentHash: false, grpc: true })), { retryOn: 'unavailable,cancelled', numRetries: 2 });
  assert.equal(retryPolicyFor({ attempts: 3, retryOn: '5xx,gateway-error' }, mesh, { consistentHash: false, grpc: true }), undefined);
  assert.deepEqual(json(retryPolicyFor({ attempts: 4, retryOn: 'unavailable,deadline-exceeded,reset' }, mesh, { consistentHash: false, grpc: true })), {
    retryOn: 'unavailable,deadline-exceeded',
    numRetries: 4,
  });
});
