import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { RouteAction_RequestMirrorPolicySchema } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import type { HTTPRoute } from '../../../api/istio/networking.js';
import { translateMirrors } from './mirror.js';

const cluster = (d: { host: string; subset?: string }) => `outbound|8000|${d.subset ?? ''}|${d.host}`;
const json = (r: HTTPRoute) => translateMirrors(r, cluster).map((m) => toJson(RouteAction_RequestMirrorPolicySchema, m) as JsonObject);

test('Istio mirroring task: mirror to v2 at 100%', () => {
  assert.deepEqual(json({ route: [], mirror: { host: 'httpbin', subset: 'v2' }, mirrorPercentage: { value: 100.0 } }), [
    { cluster: 'outbound|8000|v2|httpbin', runtimeFraction: { defaultValue: { numerator: 1000000, denominator: 'MILLION' } }, traceSampled: false },
  ]);
});

test('no percentage = 100%; legacy integer percent; explicit 0 = off', () => {
  assert.deepEqual(json({ mirror: { host: 'a' } })[0]!.runtimeFraction, { defaultValue: { numerator: 100 } });
  assert.deepEqual(json({ mirror: { host: 'a' }, mirrorPercent: 25 })[0]!.runtimeFraction, { defaultValue: { numerator: 25 } });
  assert.deepEqual(json({ mirror: { host: 'a' }, mirrorPercentage: { value: 0 } }), []);
});

test('mirrors: one policy each, with their own percentages, after mirror', () => {
  const out = json({ mirror: { host: 'a' }, mirrors: [{ destination: { host: 'b' }, percentage: { value: 12.5 } }, { destination: { host: 'c' } }] });
  assert.deepEqual(out.map((m) => m.cluster), ['outbound|8000||a', 'outbound|8000||b', 'outbound|8000||c']);
  assert.deepEqual(out[1]!.runtimeFraction, { defaultValue: { numerator: 125000, denominator: 'MILLION' } });
});
