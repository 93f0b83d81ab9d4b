// TCP routing for the listener generator (tcp_proxy is a listener filter, not RDS): the
// weighted clusters a TCP service port sends to — the first matching `tcp` route of the
// VirtualService that owns the host, else the service's own cluster.
import { matchLabels } from '../../../api/istio/meta.js';
import type { L4MatchAttributes } from '../../../api/istio/networking.js';
import type { PushContext } from '../../snapshot/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import { outboundClusterName } from '../naming.js';
import { destinationCluster } from './action.js';
import { assignVirtualServices } from './virtual-hosts.js';
import { MESH_GATEWAY, resolveVirtualService } from './virtual-service.js';

export interface TcpCluster {
  name: string;
  weight: number;
}

/** Istio's L4 source match: port, gateways (else source labels and namespace). Subnets are matched by the listener's filter chains. */
function l4Matches(m: L4MatchAttributes, port: number, proxy: Proxy, gateway: string): boolean {
  if (m.port && m.port !== port) return false;
  if (m.gateways && m.gateways.length > 0) return m.gateways.includes(gateway);
  if (!matchLabels(m.sourceLabels, proxy.labels)) return false;
  return !m.sourceNamespace || m.sourceNamespace === proxy.namespace;
}

/**
 * Clusters for TCP traffic from `proxy` to `hostname:port`. A single destination has weight 1;
 * several keep their weights (0-weight ones dropped). `gateway` (`namespace/name`) selects
 * VirtualServices bound to that gateway instead of the mesh's.
 */
export function tcpRouteFor(push: PushContext, proxy: Proxy, hostname: string, port: number, gateway: string = MESH_GATEWAY): TcpCluster[] {
  const raw = gateway === MESH_GATEWAY ? push.virtualServicesForMesh(proxy) : push.virtualServicesForGateway(gateway);
  const vss = raw.filter((vs) => (vs.spec.tcp ?? []).length > 0).map((vs) => resolveVirtualService(push, vs));
  const svc = push.service(hostname);
  const owner = svc ? assignVirtualServices(vss, [svc]).get(hostname) : vss.findIndex((vs) => vs.hosts.includes(hostname));
  const vs = owner !== undefined && owner >= 0 ? vss[owner] : undefined;
  for (const r of vs?.tcp ?? []) {
    if (r.match && r.match.length > 0 && !r.match.some((m) => l4Matches(m, port, proxy, gateway))) continue;
    const dests = r.route ?? [];
    if (dests.length === 0) continue;
    if (dests.length === 1) return [{ name: destinationCluster(push, dests[0]!.destination, port), weight: 1 }];
    const out = dests.filter((d) => (d.weight ?? 0) > 0).map((d) => ({ name: destinationCluster(push, d.destination, port), weight: d.weight! }));
    if (out.length > 0) return out;
  }
  return [{ name: outboundClusterName(port, '', hostname), weight: 1 }];
}
