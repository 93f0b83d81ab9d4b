// VirtualService `mirror` / `mirrors` → Envoy request_mirror_policies. Percentages as Istio
// reads them: `mirrorPercentage` (double) in parts per million, the legacy integer
// `mirrorPercent` in parts per hundred, absent = 100%; an explicit 0 turns mirroring off.
import { create } from '@bufbuild/protobuf';
import type { Destination, HTTPMirrorPolicy, HTTPRoute, Percent } from '../../../api/istio/networking.js';
import { RouteAction_RequestMirrorPolicySchema, type RouteAction_RequestMirrorPolicy } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { RuntimeFractionalPercentSchema, type RuntimeFractionalPercent } from '../../../api/gen/envoy/config/core/v3/base_pb.js';
import { integerToFractional, percentToFractional } from './percent.js';

function fromPercentage(p: Percent): RuntimeFractionalPercent | undefined {
  return (p.value ?? 0) > 0 ? create(RuntimeFractionalPercentSchema, { defaultValue: percentToFractional(p.value ?? 0) }) : undefined;
}

function fromInteger(n: number): RuntimeFractionalPercent | undefined {
  return n > 0 ? create(RuntimeFractionalPercentSchema, { defaultValue: integerToFractional(n) }) : undefined;
}

/** The fraction for a route's single `mirror`; undefined = do not mirror. */
export function mirrorFraction(route: HTTPRoute): RuntimeFractionalPercent | undefined {
  if (route.mirrorPercentage) return fromPercentage(route.mirrorPercentage);
  const legacy = route.mirrorPercent ?? route.mirror_percent;
  if (legacy !== undefined) return fromInteger(legacy);
  return fromInteger(100);
}

export function mirrorPolicyFraction(policy: HTTPMirrorPolicy): RuntimeFractionalPercent | undefined {
  return policy.percentage ? fromPercentage(policy.percentage) : fromInteger(100);
}

/** All mirror policies of a route; `clusterOf` names the cluster for a destination. */
export function translateMirrors(route: HTTPRoute, clusterOf: (d: Destination) => string): RouteAction_RequestMirrorPolicy[] {
  const out: RouteAction_RequestMirrorPolicy[] = [];
  const add = (d: Destination, fraction: RuntimeFractionalPercent | undefined) => {
    if (!fraction) return;
    out.push(create(RouteAction_RequestMirrorPolicySchema, { cluster: clusterOf(d), runtimeFraction: fraction, traceSampled: false }));
  };
  if (route.mirror) add(route.mirror, mirrorFraction(route));
  for (const m of route.mirrors ?? []) if (m.destination) add(m.destination, mirrorPolicyFraction(m));
  return out;
}
