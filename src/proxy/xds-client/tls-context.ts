// TLS contexts inside transport sockets (a cluster's upstream TLS, a filter chain's
// downstream TLS): which secrets they fetch over SDS, and whether their config is one
// the proxy can read.
import type { TransportSocket } from '../../api/gen/envoy/config/core/v3/base_pb.js';
import {
  DownstreamTlsContextSchema,
  UpstreamTlsContextSchema,
  type CommonTlsContext,
} from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { SdsSecretConfig } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { ErrorCollector } from '../../shared/result.js';
import { isMessageOf, unpackAs, unpackKnown } from './typed-config.js';

/** The CommonTlsContext of an Upstream/DownstreamTlsContext socket, if it is one. */
export function commonTlsContext(socket: TransportSocket | undefined): CommonTlsContext | undefined {
  if (socket?.configType.case !== 'typedConfig') return undefined;
  const any = socket.configType.value;
  return (unpackAs(any, UpstreamTlsContextSchema) ?? unpackAs(any, DownstreamTlsContextSchema))?.commonTlsContext;
}

/**
 * Names of the secrets a transport socket fetches over SDS: its certificate configs and
 * its validation context config (plain or combined). A config without `sds_config` names
 * a static secret and is not fetched.
 */
export function sdsSecretNames(socket: TransportSocket | undefined): string[] {
  const ctx = commonTlsContext(socket);
  if (!ctx) return [];
  const configs: SdsSecretConfig[] = [...ctx.tlsCertificateSdsSecretConfigs];
  const v = ctx.validationContextType;
  if (v.case === 'validationContextSdsSecretConfig') configs.push(v.value);
  else if (v.case === 'combinedValidationContext' && v.value.validationContextSdsSecretConfig) {
    configs.push(v.value.validationContextSdsSecretConfig);
  }
  return configs.filter((c) => c.sdsConfig !== undefined && c.name !== '').map((c) => c.name);
}

/**
 * Checks a transport socket: its typed config must be a known type; a TLS context's SDS
 * secret configs must have names.
 */
export function checkTransportSocket(socket: TransportSocket | undefined, errors: ErrorCollector): void {
  if (!socket) return;
  if (socket.configType.case !== 'typedConfig') return; // e.g. raw_buffer by name only
  const config = unpackKnown(socket.configType.value, errors, 'typed_config');
  const tls = isMessageOf(config, UpstreamTlsContextSchema) || isMessageOf(config, DownstreamTlsContextSchema) ? config.commonTlsContext : undefined;
  if (!tls) return;
  tls.tlsCertificateSdsSecretConfigs.forEach((c, i) => {
    if (c.name === '') errors.add(`typed_config.common_tls_context.tls_certificate_sds_secret_configs[${i}].name`, 'must not be empty');
  });
  const v = tls.validationContextType;
  if (v.case === 'validationContextSdsSecretConfig' && v.value.name === '') {
    errors.add('typed_config.common_tls_context.validation_context_sds_secret_config.name', 'must not be empty');
  }
}
