// The per-type generators the mesh source calls, gathered in one place so tests and
// benchmarks can run the same pipeline.
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import type { Secret } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { PushContext } from '../snapshot/push-context.js';
import type { Proxy } from '../model/proxy.js';

export interface Translators {
  clusters(push: PushContext, proxy: Proxy): Cluster[];
  endpoints(push: PushContext, proxy: Proxy): ClusterLoadAssignment[];
  listeners(push: PushContext, proxy: Proxy): Listener[];
  routes(push: PushContext, proxy: Proxy): RouteConfiguration[];
  secrets(push: PushContext, proxy: Proxy): Secret[];
}
