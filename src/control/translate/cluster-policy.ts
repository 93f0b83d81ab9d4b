// A DestinationRule's traffic policy as one cluster sees it — top level, subset and
// port-level settings merged the way Istio merges them — and the parts of it that become
// plain cluster settings: connect timeout, circuit breakers, HTTP protocol options, TCP
// keepalive and outlier detection. Load balancing is in lb.ts, TLS in tls.ts.
//
// Merge rules (Istio's MergeSubsetTrafficPolicy):
//   1. A port-level setting matching the port replaces the four components
//      (connectionPool, loadBalancer, outlierDetection, tls) of its policy wholesale: an
//      omitted component falls back to the default, it is not inherited.
//   2. The subset's policy (after rule 1 on the subset's own port-level settings)
//      overrides the top-level one component by component; when the subset has a matching
//      port-level setting, all four components come from it.
import { create } from '@bufbuild/protobuf';
import type { Duration } from '@bufbuild/protobuf/wkt';
import { duration } from '../../api/envoy/build.js';
import type {
  ClientTLSSettings,
  ConnectionPoolSettings,
  DestinationRuleSpec,
  LoadBalancerSettings,
  OutlierDetection,
  TrafficPolicy,
} from '../../api/istio/networking.js';
import { CircuitBreakersSchema, type CircuitBreakers } from '../../api/gen/envoy/config/cluster/v3/circuit_breaker_pb.js';
import { OutlierDetectionSchema, type OutlierDetection as EnvoyOutlierDetection } from '../../api/gen/envoy/config/cluster/v3/outlier_detection_pb.js';
import { UpstreamConnectionOptionsSchema, type UpstreamConnectionOptions } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import {
  HttpProtocolOptionsSchema,
  HttpProtocolOptions_ExplicitHttpConfigSchema,
  HttpProtocolOptions_UseDownstreamHttpConfigSchema,
  type HttpProtocolOptions,
} from '../../api/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { HttpProtocolOptionsSchema as CoreHttpProtocolOptionsSchema } from '../../api/gen/envoy/config/core/v3/protocol_pb.js';

/** The policy one cluster applies: a TrafficPolicy with port-level settings already resolved. */
export interface ClusterPolicy {
  connectionPool?: ConnectionPoolSettings;
  loadBalancer?: LoadBalancerSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTLSSettings;
}

/** Envoy's "no limit" for circuit breaker thresholds, as Istio sets them by default. */
export const MAX_UINT32 = 4294967295;

/** Rule 1: the policy for `port`, and whether a port-level setting matched. */
export function portLevelPolicy(policy: TrafficPolicy | undefined, port: number): { policy: ClusterPolicy | undefined; portLevel: boolean } {
  if (!policy) return { policy: undefined, portLevel: false };
  const pls = policy.portLevelSettings?.find((p) => p.port?.number === port);
  if (!pls) return { policy: components(policy), portLevel: false };
  return { policy: components(pls), portLevel: true };
}

/** Rules 1 and 2: the effective policy of a top-level policy and a subset's policy on a port. */
export function mergeTrafficPolicy(top: TrafficPolicy | undefined, subset: TrafficPolicy | undefined, port: number): ClusterPolicy | undefined {
  const base = portLevelPolicy(top, port).policy;
  if (!subset) return base;
  const { policy: sub, portLevel } = portLevelPolicy(subset, port);
  if (!base) return sub;
  const merged: ClusterPolicy = { ...base };
  for (const k of ['connectionPool', 'loadBalancer', 'outlierDetection', 'tls'] as const) {
    if (portLevel || sub?.[k] !== undefined) setComponent(merged, k, sub?.[k]);
  }
  return clean(merged);
}

/** The effective policy of a DestinationRule for a port and subset ('' or an unknown subset: none). */
export function clusterPolicyFor(dr: DestinationRuleSpec | undefined, port: number, subset: string): ClusterPolicy | undefined {
  if (!dr) return undefined;
  const s = subset ? dr.subsets?.find((x) => x.name === subset) : undefined;
  return mergeTrafficPolicy(dr.trafficPolicy, s?.trafficPolicy, port);
}

function components(p: ClusterPolicy): ClusterPolicy {
  return clean({ connectionPool: p.connectionPool, loadBalancer: p.loadBalancer, outlierDetection: p.outlierDetection, tls: p.tls });
}

function setComponent<K extends keyof ClusterPolicy>(p: ClusterPolicy, k: K, v: ClusterPolicy[K]): void {
  p[k] = v;
}

function clean(p: ClusterPolicy): ClusterPolicy {
  const out: ClusterPolicy = {};
  if (p.connectionPool) out.connectionPool = p.connectionPool;
  if (p.loadBalancer) out.loadBalancer = p.loadBalancer;
  if (p.outlierDetection) out.outlierDetection = p.outlierDetection;
  if (p.tls) out.tls = p.tls;
  return out;
}

// --- durations -------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/y;

/** Milliseconds of an Istio duration ("10s", "1.5s", "1m30s", "250ms"); undefined when absent or invalid. */
export function durationMs(text: string | undefined): number | undefined {
  const s = text?.trim();
  if (!s) return undefined;
  if (s === '0') return 0;
  let ms = 0;
  let at = 0;
  while (at < s.length) {
    DURATION_PART.lastIndex = at;
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = DURATION_PART.lastIndex;
  }
  return ms;
}

/** A protobuf Duration of an Istio duration string; undefined when absent or invalid. */
export function istioDuration(text: string | undefined): Duration | undefined {
  const ms = durationMs(text);
  return ms === undefined ? undefined : duration(ms);
}

// --- connection pool --------------------------------------------------------------------

/** Istio's default thresholds (everything unlimited, remaining tracked), overridden by the pool's limits. */
export function circuitBreakers(pool: ConnectionPoolSettings | undefined): CircuitBreakers {
  const positive = (n: number | undefined) => (n !== undefined && n > 0 ? n : MAX_UINT32);
  return create(CircuitBreakersSchema, {
    thresholds: [
      {
        maxConnections: positive(pool?.tcp?.maxConnections),
        maxPendingRequests: positive(pool?.http?.http1MaxPendingRequests),
        maxRequests: positive(pool?.http?.http2MaxRequests),
        maxRetries: positive(pool?.http?.maxRetries),
        trackRemaining: true,
      },
    ],
  });
}

/** Connect timeout: the pool's tcp.connectTimeout, else the mesh default. */
export function connectTimeout(pool: ConnectionPoolSettings | undefined, meshDefault: string): Duration {
  return istioDuration(pool?.tcp?.connectTimeout) ?? istioDuration(meshDefault) ?? duration(10_000);
}

/** TCP keepalive on upstream connections (Envoy wants whole seconds). */
export function upstreamConnectionOptions(pool: ConnectionPoolSettings | undefined): UpstreamConnectionOptions | undefined {
  const ka = pool?.tcp?.tcpKeepalive;
  if (!ka) return undefined;
  const seconds = (d: string | undefined) => {
    const ms = durationMs(d);
    return ms === undefined ? undefined : Math.floor(ms / 1000);
  };
  const time = seconds(ka.time);
  const interval = seconds(ka.interval);
  return create(UpstreamConnectionOptionsSchema, {
    tcpKeepalive: {
      ...(ka.probes ? { keepaliveProbes: ka.probes } : {}),
      ...(time !== undefined ? { keepaliveTime: time } : {}),
      ...(interval !== undefined ? { keepaliveInterval: interval } : {}),
    },
  });
}

/**
 * The upstream HTTP protocol options a cluster carries in typed_extension_protocol_options,
 * built up by several steps (protocol, connection pool, TLS auto SNI) and packed at the end.
 */
export class HttpOptionsBuilder {
  private options: HttpProtocolOptions | undefined;

  /** The options being built (created on first use). */
  get(): HttpProtocolOptions {
    return (this.options ??= create(HttpProtocolOptionsSchema, {}));
  }

  /** The built options, or undefined when no step set anything. */
  result(): HttpProtocolOptions | undefined {
    return this.options;
  }

  isHttp2(): boolean {
    const p = this.options?.upstreamProtocolOptions;
    return p?.case === 'explicitHttpConfig' && p.value.protocolConfig.case === 'http2ProtocolOptions';
  }

  /** Explicit HTTP/2 to the upstream. */
  http2(): void {
    const value = create(HttpProtocolOptions_ExplicitHttpConfigSchema, { protocolConfig: { case: 'http2ProtocolOptions', value: {} } });
    this.get().upstreamProtocolOptions = { case: 'explicitHttpConfig', value };
  }

  /** HTTP/1.1 or HTTP/2 upstream, whichever the downstream used. */
  useDownstreamProtocol(): void {
    const value = create(HttpProtocolOptions_UseDownstreamHttpConfigSchema, { httpProtocolOptions: {}, http2ProtocolOptions: {} });
    this.get().upstreamProtocolOptions = { case: 'useDownstreamProtocolConfig', value };
  }
}

/** Connection pool settings that live in the HTTP protocol options (Istio's applyConnectionPool). */
export function applyPoolHttpOptions(http: HttpOptionsBuilder, pool: ConnectionPoolSettings | undefined): void {
  if (!pool) return;
  const idle = istioDuration(pool.http?.idleTimeout) ?? istioDuration(pool.tcp?.idleTimeout);
  const maxDuration = istioDuration(pool.tcp?.maxConnectionDuration);
  const perConnection = pool.http?.maxRequestsPerConnection ?? 0;
  if (idle || maxDuration || perConnection > 0) {
    const o = http.get();
    const common = (o.commonHttpProtocolOptions ??= create(CoreHttpProtocolOptionsSchema, {}));
    if (idle) common.idleTimeout = idle;
    if (perConnection > 0) common.maxRequestsPerConnection = perConnection;
    if (maxDuration) common.maxConnectionDuration = maxDuration;
  }
  if (pool.http?.useClientProtocol) http.useDownstreamProtocol();
}

/** After protocol selection: HTTP/2 max concurrent streams from the pool. */
export function applyPoolHttp2Streams(http: HttpOptionsBuilder, pool: ConnectionPoolSettings | undefined): void {
  const streams = pool?.http?.maxConcurrentStreams ?? 0;
  const p = http.result()?.upstreamProtocolOptions;
  if (streams > 0 && p?.case === 'explicitHttpConfig' && p.value.protocolConfig.case === 'http2ProtocolOptions') {
    p.value.protocolConfig.value.maxConcurrentStreams = streams;
  }
}

// --- outlier detection ------------------------------------------------------------------

/**
 * Istio's applyOutlierDetection: success-rate ejection off; consecutive 5xx and gateway
 * errors enforced at 100% when set above zero (0% when set to zero, Envoy's default when
 * absent); the deprecated consecutiveErrors counts gateway errors only.
 */
export function outlierDetection(od: OutlierDetection | undefined): EnvoyOutlierDetection | undefined {
  if (!od) return undefined;
  const out = create(OutlierDetectionSchema, { enforcingSuccessRate: 0 });
  const enforce = (v: number) => (v > 0 ? 100 : 0);
  if (od.consecutive5xxErrors !== undefined) {
    out.consecutive5xx = od.consecutive5xxErrors;
    out.enforcingConsecutive5xx = enforce(od.consecutive5xxErrors);
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    out.consecutiveGatewayFailure = od.consecutiveGatewayErrors;
    out.enforcingConsecutiveGatewayFailure = enforce(od.consecutiveGatewayErrors);
  }
  if (od.consecutiveErrors !== undefined && od.consecutiveErrors > 0 && od.consecutive5xxErrors === undefined && od.consecutiveGatewayErrors === undefined) {
    out.consecutiveGatewayFailure = od.consecutiveErrors;
    out.enforcingConsecutiveGatewayFailure = 100;
    out.enforcingConsecutive5xx = 0;
  }
  const interval = istioDuration(od.interval);
  if (interval) out.interval = interval;
  const base = istioDuration(od.baseEjectionTime);
  if (base) out.baseEjectionTime = base;
  if (od.maxEjectionPercent !== undefined && od.maxEjectionPercent > 0) out.maxEjectionPercent = od.maxEjectionPercent;
  if (od.splitExternalLocalOriginErrors) {
    out.splitExternalLocalOriginErrors = true;
    if (od.consecutiveLocalOriginFailures !== undefined && od.consecutiveLocalOriginFailures > 0) {
      out.consecutiveLocalOriginFailure = od.consecutiveLocalOriginFailures;
      out.enforcingConsecutiveLocalOriginFailure = 100;
    }
    out.enforcingLocalOriginSuccessRate = 0;
  }
  return out;
}

/** With outlier detection, Istio sets healthy_panic_threshold to minHealthPercent (0 — panic mode off — by default). */
export function healthyPanicThreshold(od: OutlierDetection | undefined): number | undefined {
  if (!od) return undefined;
  return od.minHealthPercent !== undefined && od.minHealthPercent >= 0 ? od.minHealthPercent : 0;
}
