// The protobuf type registry of the proxy: only the Envoy types `rig proxy` can find inside
// a `google.protobuf.Any` (filter and transport socket typed configs, per-route filter
// configs, cluster protocol options, retry host predicates, listener filters) and so must
// decode. The control plane keeps the full generated registry (src/api/gen/registry.ts);
// loading every generated descriptor costs a sidecar ≈ 25 MB of heap, so the proxy does
// not. An Any of a type missing here is NACKed as "unsupported type …", which is what the
// proxy would do with it anyway. A new extension the proxy honours adds its file here.
import { createRegistry, type Registry } from '@bufbuild/protobuf';
import { file_envoy_config_cluster_v3_cluster } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { file_envoy_config_endpoint_v3_endpoint } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { file_envoy_config_listener_v3_listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { file_envoy_config_route_v3_route } from '../gen/envoy/config/route/v3/route_pb.js';
import { file_envoy_config_route_v3_route_components } from '../gen/envoy/config/route/v3/route_components_pb.js';
import { file_envoy_extensions_access_loggers_file_v3_file } from '../gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { file_envoy_extensions_filters_http_cors_v3_cors } from '../gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { file_envoy_extensions_filters_http_fault_v3_fault } from '../gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit } from '../gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { file_envoy_extensions_filters_http_router_v3_router } from '../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { file_envoy_extensions_filters_listener_http_inspector_v3_http_inspector } from '../gen/envoy/extensions/filters/listener/http_inspector/v3/http_inspector_pb.js';
import { file_envoy_extensions_filters_listener_original_dst_v3_original_dst } from '../gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js';
import { file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector } from '../gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import { file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager } from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy } from '../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { file_envoy_extensions_retry_host_previous_hosts_v3_previous_hosts } from '../gen/envoy/extensions/retry/host/previous_hosts/v3/previous_hosts_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_tls } from '../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { file_envoy_extensions_upstreams_http_v3_http_protocol_options } from '../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';

export const proxyRegistry: Registry = createRegistry(
  // The xDS resources themselves (an Any may wrap them, as in a config dump).
  file_envoy_config_listener_v3_listener,
  file_envoy_config_route_v3_route,
  file_envoy_config_cluster_v3_cluster,
  file_envoy_config_endpoint_v3_endpoint,
  file_envoy_extensions_transport_sockets_tls_v3_secret,
  // Per-route filter config wrapper (envoy.config.route.v3.FilterConfig).
  file_envoy_config_route_v3_route_components,
  // Network filters.
  file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager,
  file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy,
  // HTTP filters.
  file_envoy_extensions_filters_http_router_v3_router,
  file_envoy_extensions_filters_http_fault_v3_fault,
  file_envoy_extensions_filters_http_cors_v3_cors,
  file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit,
  // Listener filters.
  file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector,
  file_envoy_extensions_filters_listener_http_inspector_v3_http_inspector,
  file_envoy_extensions_filters_listener_original_dst_v3_original_dst,
  // Transport sockets, cluster protocol options, access logs, retry host predicates.
  file_envoy_extensions_transport_sockets_tls_v3_tls,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
  file_envoy_extensions_access_loggers_file_v3_file,
  file_envoy_extensions_retry_host_previous_hosts_v3_previous_hosts,
);
