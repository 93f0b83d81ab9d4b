// HTTPFault → FaultSettings: the fault filter's config, validated and compiled once. The
// same shape serves the listener-level typed_config and a route's typed_per_filter_config
// (a full HTTPFault that replaces the listener's, which is how Istio configures faults).
//
// What a request may choose by header (header_delay / header_abort) is read per request
// by the accessors below; everything else is decided here.
import type { HTTPFault } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { durationMs } from '../../../api/envoy/build.js';
import { compileHeaderMatcher } from '../../route/string-matcher.js';
import type { HeaderMap } from '../../http/headers.js';
import { logger } from '../../../shared/log.js';
import type { ErrorCollector } from '../../../shared/result.js';
import { compileFraction, parseUnsigned, type Fraction } from './config-util.js';

const log = logger('fault');

/** Request headers a caller may use to pick its own fault (when header_delay / header_abort is set). */
export const FaultHeaders = {
  abortRequest: 'x-envoy-fault-abort-request',
  abortRequestPercentage: 'x-envoy-fault-abort-request-percentage',
  abortGrpcRequest: 'x-envoy-fault-abort-grpc-request',
  delayRequest: 'x-envoy-fault-delay-request',
  delayRequestPercentage: 'x-envoy-fault-delay-request-percentage',
  downstreamServiceNode: 'x-envoy-downstream-service-node',
} as const;

/** Longest delay a timer can hold (Node's setTimeout limit); larger header values are clamped. */
const MAX_DELAY_MS = 2 ** 31 - 1;
const MAX_UINT32 = 2 ** 32 - 1;

export type RequestHeaderLookup = (name: string) => string | undefined;

export interface FaultDelaySettings {
  /** Fixed delay in ms, or 'header' for x-envoy-fault-delay-request. */
  readonly fixedMs: number | 'header';
  readonly percentage: Fraction;
}

export interface FaultAbortSettings {
  readonly kind: 'http' | 'grpc' | 'header';
  /** For kind 'http': the HTTP status; for 'grpc': the gRPC status. */
  readonly status: number;
  readonly percentage: Fraction;
}

export interface FaultSettings {
  readonly delay: FaultDelaySettings | undefined;
  readonly abort: FaultAbortSettings | undefined;
  /** All must match (HeaderMatcher semantics; pseudo-headers :method, :path, :authority, :scheme). */
  readonly headers: readonly ((get: RequestHeaderLookup) => boolean)[];
  /** Empty: faults for every downstream node. */
  readonly downstreamNodes: ReadonlySet<string>;
  /** undefined: unlimited. */
  readonly maxActiveFaults: number | undefined;
}

let warnedUpstreamCluster = false;

export function compileFaultSettings(fault: HTTPFault, errors: ErrorCollector): FaultSettings {
  let delay: FaultDelaySettings | undefined;
  if (fault.delay) {
    const d = fault.delay;
    const percentage = compileFraction(d.percentage, errors, 'delay.percentage');
    const spec = d.faultDelaySecifier;
    if (spec.case === 'fixedDelay') {
      const ms = durationMs(spec.value) ?? 0;
      if (!(ms > 0)) errors.add('delay.fixed_delay', 'must be greater than 0');
      else if (ms > MAX_DELAY_MS) errors.add('delay.fixed_delay', `must be at most ${MAX_DELAY_MS}ms`);
      // Envoy counts delays in whole milliseconds.
      delay = { fixedMs: Math.floor(ms), percentage };
    } else if (spec.case === 'headerDelay') {
      delay = { fixedMs: 'header', percentage };
    } else {
      errors.add('delay.fault_delay_secifier', 'required (fixed_delay or header_delay)');
    }
  }

  let abort: FaultAbortSettings | undefined;
  if (fault.abort) {
    const a = fault.abort;
    const percentage = compileFraction(a.percentage, errors, 'abort.percentage');
    const t = a.errorType;
    if (t.case === 'httpStatus') {
      if (t.value < 200 || t.value >= 600) errors.add('abort.http_status', `must be in [200, 600), got ${t.value}`);
      abort = { kind: 'http', status: t.value, percentage };
    } else if (t.case === 'grpcStatus') {
      abort = { kind: 'grpc', status: t.value, percentage };
    } else if (t.case === 'headerAbort') {
      abort = { kind: 'header', status: 0, percentage };
    } else {
      errors.add('abort.error_type', 'required (http_status, grpc_status or header_abort)');
    }
  }

  const headers: FaultSettings['headers'][number][] = [];
  fault.headers.forEach((h, i) => {
    if (h.name === '') errors.add(`headers[${i}].name`, 'must not be empty');
    try {
      headers.push(compileHeaderMatcher(h));
    } catch (err) {
      errors.add(`headers[${i}]`, `invalid matcher: ${(err as Error).message}`);
    }
  });

  if (fault.responseRateLimit) {
    errors.add('response_rate_limit', 'not supported by this proxy (response body throttling)');
  }
  if (fault.upstreamCluster !== '' && !warnedUpstreamCluster) {
    // Degraded, not rejected: the fault then applies to every cluster the route may pick.
    warnedUpstreamCluster = true;
    log.warn('upstream_cluster restriction of the fault filter is ignored', { upstream_cluster: fault.upstreamCluster });
  }

  return {
    delay,
    abort,
    headers,
    downstreamNodes: new Set(fault.downstreamNodes),
    maxActiveFaults: fault.maxActiveFaults,
  };
}

/** The request-selectable percentage: header numerator capped by the configured one, same denominator. */
function headerPercentage(configured: Fraction, header: string | undefined): Fraction {
  const n = parseUnsigned(header, MAX_UINT32);
  if (n === undefined) return configured;
  return { numerator: Math.min(n, configured.numerator), denominator: configured.denominator };
}

export function delayPercentage(d: FaultDelaySettings, headers: HeaderMap): Fraction {
  return d.fixedMs === 'header' ? headerPercentage(d.percentage, headers.get(FaultHeaders.delayRequestPercentage)) : d.percentage;
}

/** The delay in ms, or undefined when there is none (header delay without a usable header, or 0). */
export function delayDurationMs(d: FaultDelaySettings, headers: HeaderMap): number | undefined {
  const ms = d.fixedMs === 'header' ? parseUnsigned(headers.get(FaultHeaders.delayRequest)) : d.fixedMs;
  if (ms === undefined || ms <= 0) return undefined;
  return Math.min(ms, MAX_DELAY_MS);
}

export function abortPercentage(a: FaultAbortSettings, headers: HeaderMap): Fraction {
  return a.kind === 'header' ? headerPercentage(a.percentage, headers.get(FaultHeaders.abortRequestPercentage)) : a.percentage;
}

/** HTTP status to abort with: configured, or from x-envoy-fault-abort-request when in [200, 600). */
export function abortHttpStatus(a: FaultAbortSettings, headers: HeaderMap): number | undefined {
  if (a.kind === 'http') return a.status;
  if (a.kind !== 'header') return undefined;
  const code = parseUnsigned(headers.get(FaultHeaders.abortRequest));
  return code !== undefined && code >= 200 && code < 600 ? code : undefined;
}

/** gRPC status to abort with: configured, or from x-envoy-fault-abort-grpc-request. */
export function abortGrpcStatus(a: FaultAbortSettings, headers: HeaderMap): number | undefined {
  if (a.kind === 'grpc') return a.status;
  if (a.kind !== 'header') return undefined;
  return parseUnsigned(headers.get(FaultHeaders.abortGrpcRequest), MAX_UINT32);
}
