import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeGrpcMessage, httpToGrpcStatus } from './grpc.js';

test('httpToGrpcStatus follows Envoy', () => {
  const got = [400, 401, 403, 404, 429, 502, 503, 504, 500, 418].map(httpToGrpcStatus);
  assert.deepEqual(got, [13, 16, 7, 12, 14, 14, 14, 14, 2, 2]);
});

test('grpc-message is percent-encoded', () => {
  assert.equal(encodeGrpcMessage('no route: 100% é\n'), 'no route: 100%25 %C3%A9%0A');
});
