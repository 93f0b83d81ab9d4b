// Which HTTP protocol a cluster speaks to its hosts, decided once per cluster from Envoy's
// `typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]`
// (or the deprecated `Cluster.http2_protocol_options` / `protocol_selection`):
//   explicit_http_config.http_protocol_options   → HTTP/1.1
//   explicit_http_config.http2_protocol_options  → HTTP/2 (h2c, or ALPN h2 over TLS)
//   use_downstream_protocol_config               → what the downstream spoke (HTTP/2 only when
//                                                  http2_protocol_options is given)
//   auto_config                                  → HTTP/1.1 (ALPN selection is not done yet)
// HTTP/3 is refused (NACK).
import { Cluster_ClusterProtocolSelection, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Http2ProtocolOptions } from '../../api/gen/envoy/config/core/v3/protocol_pb.js';
import { HttpProtocolOptionsSchema, type HttpProtocolOptions } from '../../api/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { typeNameOf, unpack } from '../../api/envoy/types.js';
import { durationMs } from '../../api/envoy/build.js';
import type { ErrorCollector } from '../../shared/result.js';

export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HTTP_PROTOCOL_OPTIONS_TYPE = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** The downstream protocol a request arrived on. */
export type DownstreamProtocol = 'http1' | 'http2';

export interface UpstreamProtocolPolicy {
  /** 'downstream': follow the request's downstream protocol. */
  mode: 'http1' | 'http2' | 'downstream';
  /** The HTTP/2 options, when HTTP/2 may be used. */
  http2?: Http2ProtocolOptions | undefined;
  /** common_http_protocol_options.max_requests_per_connection (0 = unlimited). */
  maxRequestsPerConnection: number;
  /** common_http_protocol_options.idle_timeout in ms (Envoy's default: one hour). */
  idleTimeoutMs: number;
}

/** The cluster's HttpProtocolOptions, undefined when absent. Throws when the Any does not decode. */
export function httpProtocolOptions(cluster: Cluster): HttpProtocolOptions | undefined {
  const any = cluster.typedExtensionProtocolOptions[HTTP_PROTOCOL_OPTIONS_KEY];
  return any ? unpack(any, HttpProtocolOptionsSchema) : undefined;
}

/** Checks what CDS validation must refuse: other extension keys, wrong types, HTTP/3. */
export function checkProtocolOptions(cluster: Cluster, errors: ErrorCollector): void {
  for (const [key, any] of Object.entries(cluster.typedExtensionProtocolOptions)) {
    const at = `typed_extension_protocol_options["${key}"]`;
    if (key !== HTTP_PROTOCOL_OPTIONS_KEY) {
      errors.add(at, `unsupported extension (only ${HTTP_PROTOCOL_OPTIONS_KEY} is honoured)`);
      continue;
    }
    if (typeNameOf(any) !== HTTP_PROTOCOL_OPTIONS_TYPE) {
      errors.add(at, `expected type ${HTTP_PROTOCOL_OPTIONS_TYPE}, got ${typeNameOf(any) || '(none)'}`);
      continue;
    }
    let o: HttpProtocolOptions | undefined;
    try {
      o = unpack(any, HttpProtocolOptionsSchema);
    } catch (err) {
      errors.add(at, `cannot decode: ${(err as Error).message}`);
      continue;
    }
    const p = o?.upstreamProtocolOptions;
    if (p?.case === 'explicitHttpConfig' && p.value.protocolConfig.case === 'http3ProtocolOptions') errors.add(`${at}.explicit_http_config.http3_protocol_options`, 'HTTP/3 upstreams are not supported');
    if (p?.case === 'explicitHttpConfig' && p.value.protocolConfig.case === undefined) errors.add(`${at}.explicit_http_config`, 'one of http_protocol_options or http2_protocol_options is required');
    if (p?.case === 'useDownstreamProtocolConfig' && p.value.http3ProtocolOptions) errors.add(`${at}.use_downstream_protocol_config.http3_protocol_options`, 'HTTP/3 upstreams are not supported');
    if (p?.case === 'autoConfig' && p.value.http3ProtocolOptions) errors.add(`${at}.auto_config.http3_protocol_options`, 'HTTP/3 upstreams are not supported');
  }
}

/** Decided once when the cluster is built. */
export function upstreamProtocolPolicy(cluster: Cluster): UpstreamProtocolPolicy {
  const o = httpProtocolOptions(cluster);
  const common = o?.commonHttpProtocolOptions;
  const idle = durationMs(common?.idleTimeout) ?? 3_600_000;
  const base = { maxRequestsPerConnection: common?.maxRequestsPerConnection ?? cluster.maxRequestsPerConnection ?? 0, idleTimeoutMs: idle };
  const p = o?.upstreamProtocolOptions;
  if (p?.case === 'explicitHttpConfig') {
    return p.value.protocolConfig.case === 'http2ProtocolOptions' ? { ...base, mode: 'http2', http2: p.value.protocolConfig.value } : { ...base, mode: 'http1' };
  }
  if (p?.case === 'useDownstreamProtocolConfig') return p.value.http2ProtocolOptions ? { ...base, mode: 'downstream', http2: p.value.http2ProtocolOptions } : { ...base, mode: 'http1' };
  if (p?.case === 'autoConfig') return { ...base, mode: 'http1' };
  // Deprecated v3 fields, still sent by older control planes.
  if (cluster.http2ProtocolOptions) {
    return cluster.protocolSelection === Cluster_ClusterProtocolSelection.USE_DOWNSTREAM_PROTOCOL
      ? { ...base, mode: 'downstream', http2: cluster.http2ProtocolOptions }
      : { ...base, mode: 'http2', http2: cluster.http2ProtocolOptions };
  }
  return { ...base, mode: 'http1' };
}

/** The protocol for one request. */
export function protocolFor(policy: UpstreamProtocolPolicy, downstream: DownstreamProtocol): DownstreamProtocol {
  if (policy.mode === 'downstream') return downstream;
  return policy.mode;
}
