// DestinationRule merge rules (top level, subset, port level) and the connection pool and
// outlier detection mappings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson } from '@bufbuild/protobuf';
import { OutlierDetectionSchema } from '../../api/gen/envoy/config/cluster/v3/outlier_detection_pb.js';
import { CircuitBreakersSchema } from '../../api/gen/envoy/config/cluster/v3/circuit_breaker_pb.js';
import type { DestinationRuleSpec, TrafficPolicy } from '../../api/istio/networking.js';
import { circuitBreakers, clusterPolicyFor, connectTimeout, durationMs, healthyPanicThreshold, MAX_UINT32, mergeTrafficPolicy, outlierDetection, portLevelPolicy } from './cluster-policy.js';

const pool = (n: number) => ({ tcp: { maxConnections: n } });
const top: TrafficPolicy = {
  connectionPool: pool(1),
  loadBalancer: { simple: 'ROUND_ROBIN' },
  outlierDetection: { consecutive5xxErrors: 7 },
  tls: { mode: 'ISTIO_MUTUAL' },
  portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { simple: 'RANDOM' } }],
};

test('no subset, no port-level match: the top-level policy', () => {
  assert.deepEqual(mergeTrafficPolicy(top, undefined, 8080), { connectionPool: pool(1), loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 7 }, tls: { mode: 'ISTIO_MUTUAL' } });
});

test('a matching port-level setting replaces all four components: omitted ones fall back to defaults, not the top level', () => {
  assert.deepEqual(mergeTrafficPolicy(top, undefined, 9080), { loadBalancer: { simple: 'RANDOM' } });
  assert.deepEqual(portLevelPolicy(top, 9080).portLevel, true);
  assert.deepEqual(portLevelPolicy(top, 8080).portLevel, false);
});

test('a subset overrides the top level component by component', () => {
  const merged = mergeTrafficPolicy(top, { loadBalancer: { simple: 'LEAST_REQUEST' } }, 8080);
  assert.deepEqual(merged, { connectionPool: pool(1), loadBalancer: { simple: 'LEAST_REQUEST' }, outlierDetection: { consecutive5xxErrors: 7 }, tls: { mode: 'ISTIO_MUTUAL' } });
});

test('a subset over a port-level top policy: the subset overrides what the port level left', () => {
  assert.deepEqual(mergeTrafficPolicy(top, { connectionPool: pool(5) }, 9080), { connectionPool: pool(5), loadBalancer: { simple: 'RANDOM' } });
});

test("a subset's matching port-level setting replaces all four components", () => {
  const subset: TrafficPolicy = { connectionPool: pool(5), portLevelSettings: [{ port: { number: 8080 }, outlierDetection: { consecutiveGatewayErrors: 2 } }] };
  assert.deepEqual(mergeTrafficPolicy(top, subset, 8080), { outlierDetection: { consecutiveGatewayErrors: 2 } });
  // On another port the subset's own top level applies.
  assert.deepEqual(mergeTrafficPolicy(top, subset, 7070)?.connectionPool, pool(5));
});

test('a subset without a top-level policy stands alone', () => {
  assert.deepEqual(mergeTrafficPolicy(undefined, { tls: { mode: 'SIMPLE' } }, 80), { tls: { mode: 'SIMPLE' } });
  assert.equal(mergeTrafficPolicy(undefined, undefined, 80), undefined);
});

test('clusterPolicyFor: by subset name; an unknown subset gets the top level', () => {
  const dr: DestinationRuleSpec = { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'RANDOM' } }, subsets: [{ name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }] };
  assert.deepEqual(clusterPolicyFor(dr, 9080, 'v2'), { loadBalancer: { simple: 'ROUND_ROBIN' } });
  assert.deepEqual(clusterPolicyFor(dr, 9080, ''), { loadBalancer: { simple: 'RANDOM' } });
  assert.deepEqual(clusterPolicyFor(dr, 9080, 'v9'), { loadBalancer: { simple: 'RANDOM' } });
  assert.equal(clusterPolicyFor(undefined, 9080, ''), undefined);
});

test('circuit breakers: Istio defaults (unlimited, track_remaining), overridden by positive limits', () => {
  assert.deepEqual(toJson(CircuitBreakersSchema, circuitBreakers(undefined)), {
    thresholds: [{ maxConnections: MAX_UINT32, maxPendingRequests: MAX_UINT32, maxRequests: MAX_UINT32, maxRetries: MAX_UINT32, trackRemaining: true }],
  });
  const cb = circuitBreakers({ tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 2, http2MaxRequests: 3, maxRetries: 4 } });
  assert.deepEqual(toJson(CircuitBreakersSchema, cb), { thresholds: [{ maxConnections: 1, maxPendingRequests: 2, maxRequests: 3, maxRetries: 4, trackRemaining: true }] });
  // Zero cannot be told from unset (as in Istio): it keeps the default.
  assert.equal(circuitBreakers({ http: { maxRetries: 0 } }).thresholds[0]!.maxRetries, MAX_UINT32);
});

test('connect timeout: the pool, else the mesh', () => {
  assert.equal(connectTimeout({ tcp: { connectTimeout: '250ms' } }, '10s').nanos, 250_000_000);
  assert.equal(connectTimeout(undefined, '7s').seconds, 7n);
});

test('outlier detection: enforcement as Istio sets it', () => {
  const j = (od: Parameters<typeof outlierDetection>[0]) => toJson(OutlierDetectionSchema, outlierDetection(od)!);
  assert.deepEqual(j({ consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 }), {
    consecutive5xx: 1,
    enforcingConsecutive5xx: 100,
    enforcingSuccessRate: 0,
    interval: '1s',
    baseEjectionTime: '180s',
    maxEjectionPercent: 100,
  });
  assert.deepEqual(j({ consecutive5xxErrors: 0, consecutiveGatewayErrors: 3 }), { consecutive5xx: 0, enforcingConsecutive5xx: 0, consecutiveGatewayFailure: 3, enforcingConsecutiveGatewayFailure: 100, enforcingSuccessRate: 0 });
  // Deprecated consecutiveErrors counts gateway errors only.
  assert.deepEqual(j({ consecutiveErrors: 5 }), { enforcingConsecutive5xx: 0, consecutiveGatewayFailure: 5, enforcingConsecutiveGatewayFailure: 100, enforcingSuccessRate: 0 });
  assert.deepEqual(j({ splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 4 }), {
    enforcingSuccessRate: 0,
    splitExternalLocalOriginErrors: true,
    consecutiveLocalOriginFailure: 4,
    enforcingConsecutiveLocalOriginFailure: 100,
    enforcingLocalOriginSuccessRate: 0,
  });
  assert.equal(outlierDetection(undefined), undefined);
});

test('minHealthPercent is the healthy panic threshold (0 turns panic mode off)', () => {
  assert.equal(healthyPanicThreshold({ minHealthPercent: 30 }), 30);
  assert.equal(healthyPanicThreshold({}), 0);
  assert.equal(healthyPanicThreshold(undefined), undefined);
});

test('Istio durations', () => {
  assert.equal(durationMs('1.5s'), 1500);
  assert.equal(durationMs('1m30s'), 90_000);
  assert.equal(durationMs('250ms'), 250);
  assert.equal(durationMs('1h'), 3_600_000);
  assert.equal(durationMs('0'), 0);
  assert.equal(durationMs('soon'), undefined);
  assert.equal(durationMs(undefined), undefined);
});
