// What translation produces for one proxy: Envoy resources of each xDS type, each list
// sorted by name so the same inputs give the same bytes.
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import type { Secret } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';

export interface ProxyConfig {
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  listeners: Listener[];
  routes: RouteConfiguration[];
  secrets: Secret[];
}

export function byName<T extends { name: string }>(list: T[]): T[] {
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
