// VirtualService `retries` → Envoy RetryPolicy, as Istio converts it (route/retry/retry.go):
// start from Istio's default (2 retries on connect-failure,refused-stream,unavailable,
// cancelled,retriable-status-codes; 503 retriable; previous_hosts predicate; 5 host
// selection attempts), override what the user set; numbers in `retryOn` become
// retriable_status_codes. `attempts: 0` disables retries. No `retries` → the mesh default.
// Proxyless gRPC gets gRPC's subset (A44): retry_on limited to gRPC status names.
import { pack } from '../../../api/envoy/types.js';
import { PreviousHostsPredicateSchema } from '../../../api/gen/envoy/extensions/retry/host/previous_hosts/v3/previous_hosts_pb.js';
import { create } from '@bufbuild/protobuf';
import type { HTTPRetry } from '../../../api/istio/networking.js';
import type { MeshConfig } from '../../model/mesh.js';
import {
  RetryPolicySchema,
  RetryPolicy_RetryBackOffSchema,
  RetryPolicy_RetryHostPredicateSchema,
  type RetryPolicy,
  type RetryPolicy_RetryHostPredicate,
} from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { parseDuration } from './duration.js';

export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
export const DEFAULT_NUM_RETRIES = 2;
export const PREVIOUS_HOSTS_PREDICATE = 'envoy.retry_host_predicates.previous_hosts';
export const HOST_SELECTION_RETRY_MAX_ATTEMPTS = 5n;

/** retry_on values gRPC understands (gRFC A44); everything else is ignored by gRPC clients. */
export const GRPC_RETRY_ON = new Set(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);

/**
 * Fields of Istio's HTTPRetry that Rigging's API type does not declare yet, honoured when a
 * YAML document carries them.
 */
interface HTTPRetryExtra extends HTTPRetry {
  retryIgnorePreviousHosts?: boolean;
  backoff?: string;
}

export interface RetryOptions {
  /** Consistent hashing is in use: retries must not move to another host. */
  consistentHash: boolean;
  /** Proxyless gRPC client. */
  grpc: boolean;
}

function isHttpStatus(n: number): boolean {
  return Number.isInteger(n) && n >= 100 && n <= 599;
}

/** `"5xx,503,gateway-error"` → retry_on `"5xx,gateway-error"` and codes [503]. */
export function parseRetryOn(retryOn: string): { retryOn: string; codes: number[] } {
  const parts: string[] = [];
  const codes: number[] = [];
  for (const raw of retryOn.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    if (/^\d+$/.test(part) && isHttpStatus(Number(part))) codes.push(Number(part));
    else parts.push(part);
  }
  return { retryOn: parts.join(','), codes };
}

function previousHosts(): RetryPolicy_RetryHostPredicate[] {
  return [create(RetryPolicy_RetryHostPredicateSchema, { name: PREVIOUS_HOSTS_PREDICATE, configType: { case: 'typedConfig', value: pack(PreviousHostsPredicateSchema, {}) } })];
}

function defaultPolicy(consistentHash: boolean): RetryPolicy {
  return create(RetryPolicySchema, {
    numRetries: DEFAULT_NUM_RETRIES,
    retryOn: DEFAULT_RETRY_ON,
    hostSelectionRetryMaxAttempts: HOST_SELECTION_RETRY_MAX_ATTEMPTS,
    retriableStatusCodes: [503],
    retryHostPredicate: consistentHash ? [] : previousHosts(),
  });
}

/** Istio's ConvertPolicy: undefined `in` → default policy; attempts ≤ 0 → no policy. */
export function convertRetry(input: HTTPRetry | undefined, consistentHash: boolean): RetryPolicy | undefined {
  const out = defaultPolicy(consistentHash);
  if (!input) return out;
  const retry = input as HTTPRetryExtra;
  if (!retry.attempts || retry.attempts <= 0) return undefined;
  out.numRetries = retry.attempts;
  if (retry.retryOn) {
    const { retryOn, codes } = parseRetryOn(retry.retryOn);
    out.retryOn = retryOn;
    out.retriableStatusCodes = codes;
    if (codes.length > 0 && !retryOn.includes('retriable-status-codes')) out.retryOn = retryOn ? `${retryOn},retriable-status-codes` : 'retriable-status-codes';
  }
  const perTry = parseDuration(retry.perTryTimeout);
  if (perTry) out.perTryTimeout = perTry;
  if (retry.retryIgnorePreviousHosts !== undefined) out.retryHostPredicate = retry.retryIgnorePreviousHosts ? previousHosts() : [];
  const backoff = parseDuration(retry.backoff);
  if (backoff) out.retryBackOff = create(RetryPolicy_RetryBackOffSchema, { baseInterval: backoff });
  // retryRemoteLocalities (a previous_priorities retry priority) is accepted, not enforced yet.
  return out;
}

/**
 * The policy for a route: the VirtualService's `retries`, else the mesh default
 * (MeshConfig.defaultHttpRetryPolicy; when it is Istio's built-in default, 503 stays retriable).
 */
export function retryPolicyFor(input: HTTPRetry | undefined, mesh: MeshConfig, opts: RetryOptions): RetryPolicy | undefined {
  let policy: RetryPolicy | undefined;
  if (input) policy = convertRetry(input, opts.consistentHash);
  else {
    const d = mesh.defaultHttpRetryPolicy;
    const sameOn = d.retryOn === DEFAULT_RETRY_ON;
    policy = convertRetry(sameOn ? { attempts: d.attempts } : { attempts: d.attempts, retryOn: d.retryOn }, opts.consistentHash);
  }
  return policy && opts.grpc ? grpcRetry(policy) : policy;
}

/** gRPC's subset (A44): gRPC status names in retry_on, num_retries, back-off; nothing else. */
export function grpcRetry(policy: RetryPolicy): RetryPolicy | undefined {
  const on = policy.retryOn
    .split(',')
    .map((s) => s.trim())
    .filter((s) => GRPC_RETRY_ON.has(s));
  if (on.length === 0 || !policy.numRetries || policy.numRetries < 1) return undefined;
  const out = create(RetryPolicySchema, { retryOn: on.join(','), numRetries: policy.numRetries });
  if (policy.retryBackOff) out.retryBackOff = policy.retryBackOff;
  return out;
}
