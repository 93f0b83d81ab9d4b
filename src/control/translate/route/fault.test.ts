import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson } from '@bufbuild/protobuf';
import { HTTPFaultSchema } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { translateFault } from './fault.js';

test('Bookinfo ratings delay: 7s fixed delay for 100% → 1000000/MILLION', () => {
  const f = translateFault({ delay: { percentage: { value: 100.0 }, fixedDelay: '7s' } })!;
  assert.deepEqual(toJson(HTTPFaultSchema, f), { delay: { fixedDelay: '7s', percentage: { numerator: 1000000, denominator: 'MILLION' } } });
});

test('Bookinfo ratings abort: HTTP 500 for 100%', () => {
  const f = translateFault({ abort: { percentage: { value: 100.0 }, httpStatus: 500 } })!;
  assert.deepEqual(toJson(HTTPFaultSchema, f), { abort: { httpStatus: 500, percentage: { numerator: 1000000, denominator: 'MILLION' } } });
});

test('fractional percentages, legacy integer percent, gRPC status by name', () => {
  const f = toJson(HTTPFaultSchema, translateFault({ delay: { percent: 10, fixedDelay: '0.5s' }, abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 0.1 } } })!);
  assert.deepEqual(f, {
    delay: { fixedDelay: '0.500s', percentage: { numerator: 10 } },
    abort: { grpcStatus: 14, percentage: { numerator: 1000, denominator: 'MILLION' } },
  });
});

test('unsupported faults are dropped: exponential delay, http2Error abort', () => {
  assert.equal(translateFault({ delay: { exponentialDelay: '1s', percentage: { value: 50 } } }), undefined);
  assert.equal(translateFault({ abort: { http2Error: 'PROTOCOL_ERROR' } }), undefined);
  assert.equal(translateFault(undefined), undefined);
});
