import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { CorsPolicySchema } from '../../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { translateCors } from './cors.js';

test('Istio docs CORS example', () => {
  const p = translateCors({
    allowOrigins: [{ exact: 'https://example.com' }, { regex: 'https://.*\\.example\\.org' }],
    allowMethods: ['POST', 'GET'],
    allowCredentials: false,
    allowHeaders: ['X-Foo-Bar'],
    exposeHeaders: ['X-Expose'],
    maxAge: '24h',
  })!;
  assert.deepEqual(toJson(CorsPolicySchema, p), {
    allowOriginStringMatch: [{ exact: 'https://example.com' }, { safeRegex: { regex: 'https://.*\\.example\\.org' } }],
    allowMethods: 'POST,GET',
    allowHeaders: 'X-Foo-Bar',
    exposeHeaders: 'X-Expose',
    maxAge: '86400',
    allowCredentials: false,
    filterEnabled: { defaultValue: { numerator: 100 } },
    forwardNotMatchingPreflights: true,
  });
});

test('legacy allowOrigin is exact; unmatchedPreflights IGNORE stops forwarding', () => {
  const p = toJson(CorsPolicySchema, translateCors({ allowOrigin: ['*'], unmatchedPreflights: 'IGNORE' })!) as JsonObject;
  assert.deepEqual(p.allowOriginStringMatch, [{ exact: '*' }]);
  assert.equal(p.forwardNotMatchingPreflights, false);
  assert.equal(p.allowCredentials, undefined);
});
