// Building blocks shared by sidecar and gateway listeners: tcp_proxy, listener filters,
// protocol classes, bind addresses.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import type { RouteSchema } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { pack } from '../../../api/envoy/types.js';
import { TCP_PROXY_FILTER } from '../../../api/envoy/build.js';
import { FilterSchema, ListenerFilterSchema, type Filter, type ListenerFilter } from '../../../api/gen/envoy/config/listener/v3/listener_components_pb.js';
import { TcpProxySchema } from '../../../api/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { TlsInspectorSchema } from '../../../api/gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import { HttpInspectorSchema } from '../../../api/gen/envoy/extensions/filters/listener/http_inspector/v3/http_inspector_pb.js';
import { OriginalDstSchema } from '../../../api/gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js';
import type { Protocol } from '../../registry/model.js';
import type { Proxy } from '../../model/proxy.js';

/**
 * Istio's `default` route of a single-cluster virtual host (inbound ports, upstream bindings
 * of services without a VirtualService): everything to `cluster`, no route timeout, no cap
 * on grpc-timeout.
 */
export function defaultRoute(cluster: string): MessageInitShape<typeof RouteSchema> {
  return {
    name: 'default',
    match: { pathSpecifier: { case: 'prefix', value: '/' } },
    action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster }, timeout: { seconds: 0n, nanos: 0 }, maxStreamDuration: { grpcTimeoutHeaderMax: { seconds: 0n, nanos: 0 } } } },
    decorator: { operation: `${cluster}/*` },
  };
}

export const TLS_INSPECTOR = 'envoy.filters.listener.tls_inspector';
export const HTTP_INSPECTOR = 'envoy.filters.listener.http_inspector';
export const ORIGINAL_DST = 'envoy.filters.listener.original_dst';

/** Application protocols the HTTP inspector reports for plaintext HTTP. */
export const HTTP_ALPN = ['http/1.0', 'http/1.1', 'h2c'];

export type ProtocolClass = 'http' | 'tcp' | 'auto';

export function protocolClass(p: Protocol): ProtocolClass {
  switch (p) {
    case 'HTTP':
    case 'HTTP2':
    case 'GRPC':
    case 'GRPC-WEB':
      return 'http';
    case 'UNKNOWN':
      return 'auto';
    default:
      return 'tcp';
  }
}

export interface WeightedCluster {
  name: string;
  weight: number;
}

export function tcpProxyFilter(statPrefix: string, clusters: WeightedCluster[]): Filter {
  const clusterSpecifier =
    clusters.length === 1
      ? { case: 'cluster' as const, value: clusters[0]!.name }
      : { case: 'weightedClusters' as const, value: { clusters: clusters.map((c) => ({ name: c.name, weight: c.weight })) } };
  return create(FilterSchema, {
    name: TCP_PROXY_FILTER,
    configType: { case: 'typedConfig', value: pack(TcpProxySchema, { statPrefix, clusterSpecifier }) },
  });
}

export function listenerFilter(name: string): ListenerFilter {
  const schema = name === TLS_INSPECTOR ? TlsInspectorSchema : name === HTTP_INSPECTOR ? HttpInspectorSchema : OriginalDstSchema;
  return create(ListenerFilterSchema, { name, configType: { case: 'typedConfig', value: pack(schema, {}) } });
}

/**
 * Istio's INTERCEPTION_MODE: REDIRECT (iptables capture, the default) or NONE (no capture:
 * the local platform's explicit mode, where listeners bind the pod's own address).
 */
export function interceptionNone(proxy: Proxy): boolean {
  return proxy.metadata.INTERCEPTION_MODE === 'NONE';
}

/** Address the proxy's capture listeners bind: the pod IP without capture, else 0.0.0.0. */
export function captureBindAddress(proxy: Proxy): string {
  return interceptionNone(proxy) && proxy.ips[0] ? proxy.ips[0] : '0.0.0.0';
}

/** Where the local application listens (inbound cluster target): RIG_APP_ADDRESS, else `fallback` (the workload's endpoint address). */
export function appAddress(proxy: Proxy, fallback: string): string {
  const a = proxy.metadata.RIG_APP_ADDRESS;
  return typeof a === 'string' && a ? a : fallback;
}
