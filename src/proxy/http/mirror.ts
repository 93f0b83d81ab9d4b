// Request mirroring (RouteAction.request_mirror_policies), as Envoy's shadow writer: a copy
// of the routed request (the buffered body is shared, not copied) goes to each mirror
// cluster, fire-and-forget. The response is drained and dropped, the shadow never delays or
// fails the main request, and its Host/authority gets `-shadow` appended (before any port).
import type { RouteAction_RequestMirrorPolicy } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import type { ClusterRuntime } from '../cluster/cluster.js';
import type { Clock, Random } from '../../shared/clock.js';
import { logger } from '../../shared/log.js';
import { routeToCluster, type ResponseHandler, type UpstreamRequest } from './router.js';

const log = logger('mirror');

/** FractionalPercent denominators: HUNDRED, TEN_THOUSAND, MILLION. */
const DENOMINATORS = [100, 10_000, 1_000_000];

export interface MirrorContext {
  cluster(name: string): ClusterRuntime | undefined;
  random: Random;
  clock: Clock;
}

/** Drops whatever the shadow cluster answers. */
const IGNORE: ResponseHandler = { onHead() {}, onBody() {}, onTrailers() {}, onEnd() {}, onLocalReply() {}, onReset() {} };

const warnedMissing = new Set<string>();

/** Whether runtime_fraction's default value selects this request (no fraction: always). */
export function mirrorSampled(policy: RouteAction_RequestMirrorPolicy, random: Random): boolean {
  const f = policy.runtimeFraction?.defaultValue;
  if (!f) return true;
  const denominator = DENOMINATORS[f.denominator] ?? 100;
  return random.next() * denominator < f.numerator;
}

/** Envoy's shadow host: `foo` → `foo-shadow`, `foo:8080` → `foo-shadow:8080`, `[::1]:80` → `[::1]-shadow:80`. */
export function shadowHost(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon > 0 && host.indexOf(':') === colon) return `${host.slice(0, colon)}-shadow${host.slice(colon)}`;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end > 0) return `${host.slice(0, end + 1)}-shadow${host.slice(end + 1)}`;
  }
  return `${host}-shadow`;
}

/**
 * Sends shadow copies of `req` per policy. `header` reads the request's headers (for
 * cluster_header). Returns nothing: the shadows are on their own, bounded by `timeoutMs`.
 */
export function mirrorRequest(policies: readonly RouteAction_RequestMirrorPolicy[], req: UpstreamRequest, header: (name: string) => string | undefined, timeoutMs: number, ctx: MirrorContext): void {
  for (const policy of policies) {
    if (!mirrorSampled(policy, ctx.random)) continue;
    const name = policy.cluster || (policy.clusterHeader ? (header(policy.clusterHeader) ?? '') : '');
    const cluster = name ? ctx.cluster(name) : undefined;
    if (!cluster) {
      if (!warnedMissing.has(name)) {
        warnedMissing.add(name);
        log.warn('request mirror cluster not found; not mirroring', { cluster: name });
      }
      continue;
    }
    let headers = req.headers;
    if (!policy.disableShadowHostSuffixAppend) {
      headers = req.headers.slice();
      for (let i = 0; i < headers.length; i += 2) {
        if (headers[i]!.toLowerCase() === 'host') headers[i + 1] = shadowHost(headers[i + 1]!);
      }
    }
    const { originalDst, ...rest } = req;
    const shadow: UpstreamRequest = { ...rest, headers, ...(cluster.originalDst && originalDst ? { originalDst } : {}) };
    routeToCluster(cluster, shadow, { timeoutMs, retryPolicy: undefined, random: ctx.random, clock: ctx.clock }, IGNORE);
  }
}
