// VirtualService `fault` → the HTTP fault filter's per-route config (HTTPFault), as Istio
// builds it: fixed delays only (exponential is not supported), abort by HTTP or gRPC status;
// `percentage` becomes parts per million, the legacy integer `percent` parts per hundred.
import { create } from '@bufbuild/protobuf';
import type { HTTPFaultInjection } from '../../../api/istio/networking.js';
import { HTTPFaultSchema, FaultAbortSchema, type HTTPFault } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { FaultDelaySchema } from '../../../api/gen/envoy/extensions/filters/common/fault/v3/fault_pb.js';
import { parseDuration } from './duration.js';
import { integerToFractional, percentToFractional } from './percent.js';

export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';

/** gRPC status names Istio accepts in `abort.grpcStatus`, with their codes. */
export const GRPC_STATUS: Readonly<Record<string, number>> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** undefined when neither a usable delay nor a usable abort remains. */
export function translateFault(fault: HTTPFaultInjection | undefined): HTTPFault | undefined {
  if (!fault) return undefined;
  const out = create(HTTPFaultSchema, {});
  const d = fault.delay;
  if (d) {
    const fixed = parseDuration(d.fixedDelay);
    if (fixed) {
      out.delay = create(FaultDelaySchema, {
        faultDelaySecifier: { case: 'fixedDelay', value: fixed },
        percentage: d.percentage ? percentToFractional(d.percentage.value ?? 0) : integerToFractional(d.percent ?? 0),
      });
    }
  }
  const a = fault.abort;
  if (a) {
    const abort = create(FaultAbortSchema, {});
    if (a.percentage) abort.percentage = percentToFractional(a.percentage.value ?? 0);
    if (a.httpStatus !== undefined) abort.errorType = { case: 'httpStatus', value: a.httpStatus };
    else if (a.grpcStatus !== undefined) {
      const code = /^\d+$/.test(a.grpcStatus) ? Number(a.grpcStatus) : GRPC_STATUS[a.grpcStatus.toUpperCase()];
      if (code !== undefined) abort.errorType = { case: 'grpcStatus', value: code };
    }
    // http2Error is not supported by Envoy's fault filter: such an abort is dropped, as in Istio.
    if (abort.errorType.case !== undefined) out.abort = abort;
  }
  return out.delay || out.abort ? out : undefined;
}
