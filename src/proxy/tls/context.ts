// TLS contexts of transport sockets, compiled once into node:tls options: a filter
// chain's DownstreamTlsContext (termination) and a cluster's UpstreamTlsContext
// (origination), with the SDS secrets they name looked up in the snapshot. Pure apart
// from reading `filename` data sources; errors name the field.
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type PeerCertificate, type SecureContext, type SecureContextOptions } from 'node:tls';
import { isIP } from 'node:net';
import { equals } from '@bufbuild/protobuf';
import type { TransportSocket, DataSource } from '../../api/gen/envoy/config/core/v3/base_pb.js';
import {
  DownstreamTlsContextSchema,
  UpstreamTlsContextSchema,
  type CommonTlsContext,
  type DownstreamTlsContext,
  type UpstreamTlsContext,
} from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import {
  CertificateValidationContext_TrustChainVerification,
  SubjectAltNameMatcher_SanType,
  TlsParameters_TlsProtocol,
  type CertificateValidationContext,
  type TlsCertificate,
  type TlsParameters,
} from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { SecretSchema, type Secret, type SdsSecretConfig } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { unpack } from '../../api/envoy/types.js';
import { compileStringMatcher, type Predicate } from '../route/string-matcher.js';
import { ErrorCollector, fail, ok, type Result } from '../../shared/result.js';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
const RAW_BUFFER_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

/**
 * Secrets by name (SDS or static_resources.secrets). Undefined = validation only: SDS
 * secrets are fetched after the resource naming them is accepted, so a validator must
 * not require them; the compiled context then lacks those secrets and is not for use.
 */
export type SecretLookup = ReadonlyMap<string, Secret> | undefined;

/** Checks a peer certificate beyond the chain of trust (SANs, hashes); an Error rejects it. */
export type PeerCheck = (cert: PeerCertificate) => Error | undefined;

interface CompiledCommon {
  /** The options `secureContext` was made from (a tls.Server builds its own from them). */
  options: Readonly<SecureContextOptions>;
  secureContext: SecureContext;
  alpn: string[];
  /** Whether a trusted CA verifies the peer's chain. */
  verifyChain: boolean;
  check: PeerCheck | undefined;
  /** The secrets this context was built from: a change to any of them rebuilds it. */
  secrets: Secret[];
}

export interface DownstreamTls extends CompiledCommon {
  requireClientCertificate: boolean;
}

export interface UpstreamTls extends CompiledCommon {
  /** SNI to send; '' = none (Envoy sends none unless configured). */
  sni: string;
}

/** Whether two compiled contexts were built from the same secrets (config equality is checked by the caller). */
export function sameSecrets(a: readonly Secret[], b: readonly Secret[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i] || equals(SecretSchema, s, b[i]!));
}

/** A transport socket's TLS context; undefined for none or raw_buffer. */
function transportSocketConfig<T>(ts: TransportSocket | undefined, schema: typeof DownstreamTlsContextSchema | typeof UpstreamTlsContextSchema): Result<T | undefined> {
  if (!ts) return ok(undefined);
  if (ts.configType.case !== 'typedConfig') {
    return ts.name === 'envoy.transport_sockets.raw_buffer' || ts.name === 'raw_buffer' ? ok(undefined) : fail(`transport socket ${ts.name || '(unnamed)'} is not supported`);
  }
  const any = ts.configType.value;
  if (any.typeUrl === RAW_BUFFER_TYPE) return ok(undefined);
  const msg = unpack(any, schema);
  if (!msg) return fail(`typed_config: unsupported transport socket ${any.typeUrl} (want ${schema.typeName})`);
  return ok(msg as T);
}

export function compileDownstreamTransportSocket(ts: TransportSocket | undefined, secrets: SecretLookup): Result<DownstreamTls | undefined> {
  const c = transportSocketConfig<DownstreamTlsContext>(ts, DownstreamTlsContextSchema);
  if (!c.ok || !c.value) return c as Result<undefined>;
  return prefix(compileDownstreamTls(c.value, secrets), 'typed_config');
}

export function compileUpstreamTransportSocket(ts: TransportSocket | undefined, secrets: SecretLookup): Result<UpstreamTls | undefined> {
  const c = transportSocketConfig<UpstreamTlsContext>(ts, UpstreamTlsContextSchema);
  if (!c.ok || !c.value) return c as Result<undefined>;
  return prefix(compileUpstreamTls(c.value, secrets), 'typed_config');
}

export function compileDownstreamTls(ctx: DownstreamTlsContext, secrets: SecretLookup): Result<DownstreamTls> {
  const errors = new ErrorCollector();
  if (ctx.sessionTicketKeysType.case === 'sessionTicketKeysSdsSecretConfig') errors.add('session_ticket_keys_sds_secret_config', 'not supported');
  if (ctx.requireSni) errors.add('require_sni', 'not supported');
  const common = compileCommon(ctx.commonTlsContext, secrets, errors.at('common_tls_context'));
  const cc = ctx.commonTlsContext;
  if (!cc?.tlsCertificates.length && !cc?.tlsCertificateSdsSecretConfigs.length) errors.add('common_tls_context.tls_certificates', 'a server needs a certificate');
  if (!errors.empty || !common.value) return fail(...errors.errors);
  return ok({ ...common.value, requireClientCertificate: ctx.requireClientCertificate ?? false });
}

export function compileUpstreamTls(ctx: UpstreamTlsContext, secrets: SecretLookup): Result<UpstreamTls> {
  const errors = new ErrorCollector();
  if (ctx.allowRenegotiation) errors.add('allow_renegotiation', 'not supported');
  const common = compileCommon(ctx.commonTlsContext, secrets, errors.at('common_tls_context'));
  if (ctx.sni !== '' && isIP(ctx.sni)) errors.add('sni', 'must be a host name, not an IP address');
  if (!errors.empty || !common.value) return fail(...errors.errors);
  return ok({ ...common.value, sni: ctx.sni });
}

function prefix<T>(r: Result<T>, p: string): Result<T> {
  return r.ok ? r : fail(...r.errors.map((e) => `${p}.${e}`));
}

function compileCommon(ctx: CommonTlsContext | undefined, secrets: SecretLookup, errors: ErrorCollector): { value?: CompiledCommon } {
  const used: Secret[] = [];
  const lookup = (cfg: SdsSecretConfig, field: string, want: Secret['type']['case']): Secret | undefined => {
    if (!secrets) return undefined;
    const s = secrets.get(cfg.name);
    if (!s) {
      errors.add(field, `secret ${cfg.name} not received`);
      return undefined;
    }
    if (s.type.case !== want) {
      errors.add(field, `secret ${cfg.name} holds ${s.type.case ?? 'nothing'}, want ${want}`);
      return undefined;
    }
    used.push(s);
    return s;
  };
  const opts: SecureContextOptions = {};
  // Certificates: inline, then from SDS.
  const certs: { field: string; cert: TlsCertificate }[] = (ctx?.tlsCertificates ?? []).map((cert, i) => ({ field: `tls_certificates[${i}]`, cert }));
  ctx?.tlsCertificateSdsSecretConfigs.forEach((cfg, i) => {
    const field = `tls_certificate_sds_secret_configs[${i}]`;
    const s = lookup(cfg, field, 'tlsCertificate');
    if (s?.type.case === 'tlsCertificate') certs.push({ field, cert: s.type.value });
  });
  if (ctx?.tlsCertificateProviderInstance) errors.add('tls_certificate_provider_instance', 'certificate providers are not supported');
  if (ctx?.tlsCertificateCertificateProvider) errors.add('tls_certificate_certificate_provider', 'certificate providers are not supported');
  if (ctx?.tlsCertificateCertificateProviderInstance) errors.add('tls_certificate_certificate_provider_instance', 'certificate providers are not supported');
  if (ctx?.customHandshaker) errors.add('custom_handshaker', 'not supported');
  const certPem: (string | Buffer)[] = [];
  const keys: { pem: string | Buffer; passphrase?: string }[] = [];
  for (const { field, cert } of certs) {
    const e = errors.at(field);
    if (cert.privateKeyProvider) e.add('private_key_provider', 'not supported');
    const chain = dataSource(cert.certificateChain, e.at('certificate_chain'));
    const key = dataSource(cert.privateKey, e.at('private_key'));
    const pass = cert.password ? dataSource(cert.password, e.at('password')) : undefined;
    if (chain === undefined) e.add('certificate_chain', 'required');
    if (key === undefined && !cert.privateKeyProvider) e.add('private_key', 'required');
    if (chain !== undefined && key !== undefined) {
      certPem.push(chain);
      keys.push({ pem: key, ...(pass !== undefined ? { passphrase: pass.toString() } : {}) });
    }
  }
  if (certPem.length) {
    opts.cert = certPem;
    opts.key = keys;
  }
  // Validation context: inline, SDS, or the two combined (the SDS one's fields win).
  let vc: CertificateValidationContext | undefined;
  const v = ctx?.validationContextType;
  if (v?.case === 'validationContext') vc = v.value;
  else if (v?.case === 'validationContextSdsSecretConfig') {
    const s = lookup(v.value, 'validation_context_sds_secret_config', 'validationContext');
    if (s?.type.case === 'validationContext') vc = s.type.value;
  } else if (v?.case === 'combinedValidationContext') {
    const c = v.value;
    if (c.validationContextCertificateProvider || c.validationContextCertificateProviderInstance) errors.add('combined_validation_context', 'certificate providers are not supported');
    const s = c.validationContextSdsSecretConfig ? lookup(c.validationContextSdsSecretConfig, 'combined_validation_context.validation_context_sds_secret_config', 'validationContext') : undefined;
    vc = mergeValidation(c.defaultValidationContext, s?.type.case === 'validationContext' ? s.type.value : undefined);
  } else if (v?.case) errors.add(v.case === 'validationContextCertificateProvider' ? 'validation_context_certificate_provider' : 'validation_context_certificate_provider_instance', 'certificate providers are not supported');
  const validation = compileValidation(vc, errors.at('validation_context'), opts);
  tlsParams(ctx?.tlsParams, errors.at('tls_params'), opts);
  const alpn = [...(ctx?.alpnProtocols ?? [])];
  if (!errors.empty) return {};
  try {
    const secureContext = createSecureContext(opts);
    return { value: { options: Object.freeze(opts), secureContext, alpn, verifyChain: validation.verifyChain, check: validation.check, secrets: used } };
  } catch (err) {
    errors.add('', `cannot build a TLS context: ${(err as Error).message}`);
    return {};
  }
}

function mergeValidation(a: CertificateValidationContext | undefined, b: CertificateValidationContext | undefined): CertificateValidationContext | undefined {
  if (!a || !b) return a ?? b;
  return {
    ...a,
    ...(b.trustedCa ? { trustedCa: b.trustedCa } : {}),
    matchTypedSubjectAltNames: [...a.matchTypedSubjectAltNames, ...b.matchTypedSubjectAltNames],
    matchSubjectAltNames: [...a.matchSubjectAltNames, ...b.matchSubjectAltNames],
    verifyCertificateHash: [...a.verifyCertificateHash, ...b.verifyCertificateHash],
    verifyCertificateSpki: [...a.verifyCertificateSpki, ...b.verifyCertificateSpki],
  };
}

function compileValidation(vc: CertificateValidationContext | undefined, errors: ErrorCollector, opts: SecureContextOptions): { verifyChain: boolean; check: PeerCheck | undefined } {
  if (!vc) return { verifyChain: false, check: undefined };
  if (vc.caCertificateProviderInstance) errors.add('ca_certificate_provider_instance', 'certificate providers are not supported');
  if (vc.customValidatorConfig) errors.add('custom_validator_config', 'not supported');
  if (vc.verifyCertificateSpki.length) errors.add('verify_certificate_spki', 'not supported');
  if (vc.requireSignedCertificateTimestamp) errors.add('require_signed_certificate_timestamp', 'not supported');
  if (vc.allowExpiredCertificate) errors.add('allow_expired_certificate', 'not supported');
  const ca = vc.trustedCa ? dataSource(vc.trustedCa, errors.at('trusted_ca')) : undefined;
  if (ca !== undefined) opts.ca = ca;
  else if (vc.systemRootCerts) opts.ca = [...rootCertificates];
  if (vc.crl) {
    const crl = dataSource(vc.crl, errors.at('crl'));
    if (crl !== undefined) opts.crl = crl;
  }
  const verifyChain = opts.ca !== undefined && vc.trustChainVerification !== CertificateValidationContext_TrustChainVerification.ACCEPT_UNTRUSTED;
  const sans: { type: SubjectAltNameMatcher_SanType | undefined; match: Predicate }[] = [];
  vc.matchTypedSubjectAltNames.forEach((m, i) => {
    if (!m.matcher) errors.add(`match_typed_subject_alt_names[${i}].matcher`, 'required');
    else if (m.sanType === SubjectAltNameMatcher_SanType.SAN_TYPE_UNSPECIFIED || m.sanType === SubjectAltNameMatcher_SanType.OTHER_NAME) {
      errors.add(`match_typed_subject_alt_names[${i}].san_type`, 'must be DNS, URI, EMAIL or IP_ADDRESS');
    } else sans.push({ type: m.sanType, match: compileStringMatcher(m.matcher) });
  });
  for (const m of vc.matchSubjectAltNames) sans.push({ type: undefined, match: compileStringMatcher(m) });
  const hashes = vc.verifyCertificateHash.map((h) => h.replaceAll(':', '').toUpperCase());
  if ((sans.length || hashes.length) && opts.ca === undefined) errors.add('trusted_ca', 'required to match subject alt names or certificate hashes');
  if (!sans.length && !hashes.length) return { verifyChain, check: undefined };
  const check: PeerCheck = (cert) => {
    if (hashes.length && !hashes.includes(cert.fingerprint256.replaceAll(':', '').toUpperCase())) return new Error('peer certificate hash does not match verify_certificate_hash');
    if (sans.length) {
      const peer = parseSubjectAltNames(cert.subjectaltname ?? '');
      const hit = sans.some((m) => peer.some((p) => (m.type === undefined || m.type === p.type) && (m.match(p.value) || (p.type === SubjectAltNameMatcher_SanType.DNS && wildcardMatch(p.value, m.match)))));
      if (!hit) return new Error(`peer certificate SANs [${cert.subjectaltname ?? ''}] match no subject alt name matcher`);
    }
    return undefined;
  };
  return { verifyChain, check };
}

/** A wildcard DNS SAN (`*.example.com`) matches an exact matcher for any one-label name under it. */
function wildcardMatch(san: string, match: Predicate): boolean {
  return san.startsWith('*.') && match(`x${san.slice(1)}`) && !san.slice(2).includes('*');
}

const SAN_TYPES: Record<string, SubjectAltNameMatcher_SanType> = {
  DNS: SubjectAltNameMatcher_SanType.DNS,
  URI: SubjectAltNameMatcher_SanType.URI,
  email: SubjectAltNameMatcher_SanType.EMAIL,
  'IP Address': SubjectAltNameMatcher_SanType.IP_ADDRESS,
};

/** Parses node's `subjectaltname` ("DNS:a, URI:spiffe://b, IP Address:1.2.3.4"; values with commas are JSON-quoted). */
export function parseSubjectAltNames(s: string): { type: SubjectAltNameMatcher_SanType; value: string }[] {
  const out: { type: SubjectAltNameMatcher_SanType; value: string }[] = [];
  for (const m of s.matchAll(/(DNS|URI|email|IP Address|othername):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const type = SAN_TYPES[m[1]!];
    const raw = m[2]!;
    if (type !== undefined) out.push({ type, value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
  }
  return out;
}

const VERSIONS: Partial<Record<TlsParameters_TlsProtocol, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'>> = {
  [TlsParameters_TlsProtocol.TLSv1_0]: 'TLSv1',
  [TlsParameters_TlsProtocol.TLSv1_1]: 'TLSv1.1',
  [TlsParameters_TlsProtocol.TLSv1_2]: 'TLSv1.2',
  [TlsParameters_TlsProtocol.TLSv1_3]: 'TLSv1.3',
};

/** Envoy's defaults: TLS 1.2 minimum, 1.3 maximum. */
function tlsParams(p: TlsParameters | undefined, errors: ErrorCollector, opts: SecureContextOptions): void {
  opts.minVersion = VERSIONS[p?.tlsMinimumProtocolVersion ?? TlsParameters_TlsProtocol.TLS_AUTO] ?? 'TLSv1.2';
  opts.maxVersion = VERSIONS[p?.tlsMaximumProtocolVersion ?? TlsParameters_TlsProtocol.TLS_AUTO] ?? 'TLSv1.3';
  if (opts.minVersion > opts.maxVersion) errors.add('tls_minimum_protocol_version', `${opts.minVersion} is above the maximum ${opts.maxVersion}`);
  if (p?.cipherSuites.length) opts.ciphers = p.cipherSuites.join(':');
  if (p?.ecdhCurves.length) opts.ecdhCurve = p.ecdhCurves.join(':');
  if (p?.signatureAlgorithms.length) opts.sigalgs = p.signatureAlgorithms.join(':');
}

function dataSource(d: DataSource | undefined, errors: ErrorCollector): string | Buffer | undefined {
  const s = d?.specifier;
  switch (s?.case) {
    case 'inlineBytes':
      return Buffer.from(s.value);
    case 'inlineString':
      return s.value;
    case 'filename':
      try {
        return readFileSync(s.value);
      } catch (err) {
        errors.add('filename', `cannot read ${s.value}: ${(err as Error).message}`);
        return undefined;
      }
    case 'environmentVariable': {
      const v = process.env[s.value];
      if (v === undefined) errors.add('environment_variable', `${s.value} is not set`);
      return v;
    }
    default:
      return undefined;
  }
}
