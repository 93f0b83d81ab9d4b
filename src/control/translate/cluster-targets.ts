// The outbound clusters a proxy gets, before they are Envoy messages: one per visible
// service port (`outbound|port||host`) plus one per DestinationRule subset
// (`outbound|port|subset|host`), each with its effective traffic policy and how its
// endpoints are found. CDS builds clusters from these and EDS the load assignments of the
// EDS ones, so both always agree on names.
import type { Subset } from '../../api/istio/networking.js';
import { matchLabels } from '../../api/istio/meta.js';
import type { Proxy } from '../model/proxy.js';
import type { Endpoint, Service, ServicePort } from '../registry/model.js';
import type { DestinationRule, PushContext } from '../snapshot/push-context.js';
import { clusterPolicyFor, type ClusterPolicy } from './cluster-policy.js';
import { isPassthroughLb, localityLbSetting } from './lb.js';
import type { LocalityLbInput } from './locality.js';
import { outboundClusterName } from './naming.js';

/** How a cluster finds its endpoints: EDS (by IP from the registry), DNS (inline names), or the original destination. */
export type ClusterKind = 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST';

export interface OutboundTarget {
  name: string;
  service: Service;
  port: ServicePort;
  /** '' for the service's default cluster. */
  subset: string;
  subsetLabels: Record<string, string> | undefined;
  destinationRule: DestinationRule | undefined;
  policy: ClusterPolicy | undefined;
  kind: ClusterKind;
}

function kindOf(service: Service, policy: ClusterPolicy | undefined, proxy: Proxy): ClusterKind {
  if (proxy.type === 'grpc') return 'EDS';
  if (isPassthroughLb(policy?.loadBalancer)) return 'ORIGINAL_DST';
  switch (service.resolution) {
    case 'STATIC':
      return 'EDS';
    case 'DNS':
      return 'STRICT_DNS';
    case 'DNS_ROUND_ROBIN':
      return 'LOGICAL_DNS';
    case 'PASSTHROUGH':
      return 'ORIGINAL_DST';
  }
}

/**
 * Outbound cluster targets for a proxy, in service order. Proxyless gRPC proxies get only
 * services whose endpoints are IPs (STATIC resolution): they have EDS and nothing else.
 */
export function outboundTargets(push: PushContext, proxy: Proxy): OutboundTarget[] {
  const out: OutboundTarget[] = [];
  for (const service of push.servicesFor(proxy)) {
    if (proxy.type === 'grpc' && service.resolution !== 'STATIC') continue;
    const dr = push.destinationRule(proxy, service.hostname);
    const subsets: (Subset | undefined)[] = [undefined];
    const seen = new Set<string>();
    for (const s of dr?.spec.subsets ?? []) {
      if (!s.name || seen.has(s.name)) continue;
      seen.add(s.name);
      subsets.push(s);
    }
    for (const port of service.ports) {
      for (const s of subsets) {
        const subset = s?.name ?? '';
        const policy = clusterPolicyFor(dr?.spec, port.port, subset);
        out.push({
          name: outboundClusterName(port.port, subset, service.hostname),
          service,
          port,
          subset,
          subsetLabels: s ? (s.labels ?? {}) : undefined,
          destinationRule: dr,
          policy,
          kind: kindOf(service, policy, proxy),
        });
      }
    }
  }
  return out;
}

/** The endpoints of a target: the service port's, narrowed to the subset's labels. */
export function targetEndpoints(push: PushContext, t: OutboundTarget): Endpoint[] {
  const all = push.endpoints(t.service.hostname, t.port.port);
  return t.subsetLabels ? all.filter((e) => matchLabels(t.subsetLabels, e.labels)) : [...all];
}

/** Locality LB input for a target's load assignment, relative to the proxy. */
export function localityInput(proxy: Proxy, policy: ClusterPolicy | undefined): LocalityLbInput {
  return { locality: proxy.locality, labels: proxy.labels, setting: localityLbSetting(policy?.loadBalancer), outlierDetection: policy?.outlierDetection !== undefined };
}
