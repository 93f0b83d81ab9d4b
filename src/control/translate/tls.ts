// Upstream TLS: a DestinationRule's `tls` as the cluster's transport socket.
//
//   DISABLE       no transport socket (plaintext)
//   ISTIO_MUTUAL  the workload's own certificate and the mesh root over SDS ("default",
//                 "ROOTCA"), SNI `outbound_.<port>_.<subset>_.<host>`, ALPN
//                 istio-peer-exchange + istio (+ h2), SANs = SPIFFE ids of the endpoints
//   SIMPLE        server verified against caCertificates (a file) or the system roots;
//                 credentialName → the CA over SDS as `kubernetes://<name>-cacert`
//   MUTUAL        SIMPLE + client certificate and key (files), or `kubernetes://<name>`
// Proxyless gRPC cannot fetch SDS secrets; for it ISTIO_MUTUAL uses certificate provider
// instances (from its bootstrap) and other modes are not sent.
import { create } from '@bufbuild/protobuf';
import { adsConfigSource } from '../../api/envoy/build.js';
import { pack } from '../../api/envoy/types.js';
import { DataSourceSchema, TransportSocketSchema, type DataSource, type TransportSocket } from '../../api/gen/envoy/config/core/v3/base_pb.js';
import { UpstreamHttpProtocolOptionsSchema } from '../../api/gen/envoy/config/core/v3/protocol_pb.js';
import {
  CertificateValidationContextSchema,
  TlsCertificateSchema,
  type CertificateValidationContext,
} from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { SdsSecretConfigSchema, type SdsSecretConfig } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import {
  CommonTlsContextSchema,
  CommonTlsContext_CombinedCertificateValidationContextSchema,
  UpstreamTlsContextSchema,
  type CommonTlsContext,
} from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { StringMatcherSchema, type StringMatcher } from '../../api/gen/envoy/type/matcher/v3/string_pb.js';
import type { ClientTLSSettings } from '../../api/istio/networking.js';
import type { HttpOptionsBuilder } from './cluster-policy.js';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
/** SDS name of the workload certificate and of the mesh root (Istio's). */
export const SDS_DEFAULT = 'default';
export const SDS_ROOTCA = 'ROOTCA';
/** Where SIMPLE/MUTUAL without caCertificates find the system roots (Debian/Ubuntu/Alpine bundle path). */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
export const ALPN_IN_MESH = ['istio-peer-exchange', 'istio'];
export const ALPN_IN_MESH_H2 = ['istio-peer-exchange', 'istio', 'h2'];

export interface UpstreamTlsInput {
  /** `outbound_.<port>_.<subset>_.<host>`: ISTIO_MUTUAL's default SNI. */
  istioSni: string;
  /** SPIFFE ids of the service's workloads: ISTIO_MUTUAL's default SANs (computed only when needed). */
  serviceIdentities: () => string[];
  /** The cluster speaks HTTP/2 (adds h2 to ALPN). */
  http2: boolean;
  /** Where auto SNI / auto SAN validation go (SIMPLE/MUTUAL without sni). */
  http: HttpOptionsBuilder;
}

/** Istio's SNI for ISTIO_MUTUAL to a service port and subset. */
export function istioMtlsSni(port: number, subset: string, hostname: string): string {
  return `outbound_.${port}_.${subset}_.${hostname}`;
}

/** The SPIFFE identity of a service account. */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

function exact(names: string[]): StringMatcher[] {
  return names.map((n) => create(StringMatcherSchema, { matchPattern: { case: 'exact', value: n } }));
}

function sds(name: string): SdsSecretConfig {
  return create(SdsSecretConfigSchema, { name, sdsConfig: adsConfigSource() });
}

function socket(common: CommonTlsContext, sni: string): TransportSocket {
  return create(TransportSocketSchema, {
    name: TLS_TRANSPORT_SOCKET,
    configType: { case: 'typedConfig', value: pack(UpstreamTlsContextSchema, { commonTlsContext: common, sni }) },
  });
}

/** The upstream transport socket for an Envoy (sidecar or gateway) cluster; undefined for plaintext. */
export function upstreamTransportSocket(tls: ClientTLSSettings | undefined, input: UpstreamTlsInput): TransportSocket | undefined {
  if (!tls?.mode || tls.mode === 'DISABLE') return undefined;
  if (tls.mode === 'ISTIO_MUTUAL') {
    const sans = tls.subjectAltNames?.length ? tls.subjectAltNames : input.serviceIdentities();
    const common = create(CommonTlsContextSchema, {
      tlsCertificateSdsSecretConfigs: [sds(SDS_DEFAULT)],
      validationContextType: {
        case: 'combinedValidationContext',
        value: { defaultValidationContext: { matchSubjectAltNames: exact(sans) }, validationContextSdsSecretConfig: sds(SDS_ROOTCA) },
      },
      alpnProtocols: input.http2 ? ALPN_IN_MESH_H2 : ALPN_IN_MESH,
    });
    return socket(common, tls.sni || input.istioSni);
  }
  // SIMPLE / MUTUAL
  const mutual = tls.mode === 'MUTUAL';
  const common = create(CommonTlsContextSchema, { alpnProtocols: input.http2 ? ['h2'] : [] });
  const sans = tls.subjectAltNames ?? [];
  if (tls.credentialName) {
    if (mutual) common.tlsCertificateSdsSecretConfigs = [sds(`kubernetes://${tls.credentialName}`)];
    common.validationContextType = {
      case: 'combinedValidationContext',
      value: create(CommonTlsContext_CombinedCertificateValidationContextSchema, {
        defaultValidationContext: validationContext(tls.insecureSkipVerify ? [] : sans),
        validationContextSdsSecretConfig: sds(`kubernetes://${tls.credentialName}-cacert`),
      }),
    };
  } else {
    // Files on the proxy's host. A MUTUAL rule without a certificate still gets TLS without
    // one (the server refuses the handshake): failing closed rather than sending plaintext.
    if (mutual && tls.clientCertificate && tls.privateKey) {
      common.tlsCertificates = [create(TlsCertificateSchema, { certificateChain: file(tls.clientCertificate), privateKey: file(tls.privateKey) })];
    }
    const vc = validationContext(tls.insecureSkipVerify ? [] : sans);
    if (!tls.insecureSkipVerify) {
      vc.trustedCa = file(tls.caCertificates || SYSTEM_CA_BUNDLE);
      if (tls.caCrl) vc.crl = file(tls.caCrl);
    }
    common.validationContextType = { case: 'validationContext', value: vc };
  }
  // Without an explicit SNI, Envoy derives SNI (and SAN validation) from the request's host.
  if (!tls.sni) {
    const o = input.http.get();
    const u = (o.upstreamHttpProtocolOptions ??= create(UpstreamHttpProtocolOptionsSchema, {}));
    u.autoSni = true;
    if (!sans.length && !tls.insecureSkipVerify) u.autoSanValidation = true;
  }
  return socket(common, tls.sni ?? '');
}

function validationContext(sans: string[]): CertificateValidationContext {
  return create(CertificateValidationContextSchema, { matchSubjectAltNames: exact(sans) });
}

function file(filename: string): DataSource {
  return create(DataSourceSchema, { specifier: { case: 'filename', value: filename } });
}

/** Certificate provider instance name proxyless gRPC bootstraps define (Istio's). */
export const GRPC_CERT_PROVIDER = 'default';

/** ISTIO_MUTUAL for proxyless gRPC: certificates from the client's certificate provider, not SDS. */
export function grpcTransportSocket(tls: ClientTLSSettings | undefined, input: Pick<UpstreamTlsInput, 'istioSni' | 'serviceIdentities'>): TransportSocket | undefined {
  if (tls?.mode !== 'ISTIO_MUTUAL') return undefined;
  const sans = tls.subjectAltNames?.length ? tls.subjectAltNames : input.serviceIdentities();
  const common = create(CommonTlsContextSchema, {
    tlsCertificateProviderInstance: { instanceName: GRPC_CERT_PROVIDER, certificateName: SDS_DEFAULT },
    validationContextType: {
      case: 'combinedValidationContext',
      value: { defaultValidationContext: { caCertificateProviderInstance: { instanceName: GRPC_CERT_PROVIDER, certificateName: SDS_ROOTCA }, matchSubjectAltNames: exact(sans) } },
    },
  });
  return socket(common, tls.sni || input.istioSni);
}
