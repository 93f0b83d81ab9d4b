// Shapes of the messages several kinds share (Istio's CRD schema, field for field):
// StringMatch, Destination, Percent, Headers, ports, workload selectors, target refs,
// connection pools, client and server TLS settings.
import { bool, double, duration, enumOf, int32, list, object, string, stringList, stringMap, uint32 } from './shape.js';

export const StringMatch = object({ exact: string, prefix: string, regex: string }, { oneofs: [['exact', 'prefix', 'regex']] });

export const PortSelector = object({ number: uint32 });

export const Destination = object({ host: string, subset: string, port: PortSelector }, { required: ['host'] });

export const Percent = object({ value: double });

const HeaderOperations = object({ set: stringMap, add: stringMap, remove: stringList });
export const Headers = object({ request: HeaderOperations, response: HeaderOperations });

/** networking.istio.io WorkloadSelector. */
export const WorkloadSelector = object({ labels: stringMap });

/** istio.type.v1beta1.WorkloadSelector (security, telemetry, DestinationRule). */
export const MatchLabelsSelector = object({ matchLabels: stringMap });

export const PolicyTargetReference = object({ group: string, kind: string, name: string, namespace: string }, { required: ['kind', 'name'] });

/** Gateway and Sidecar listener port. */
export const ServerPort = object({ number: uint32, protocol: string, name: string, targetPort: uint32 });

export const ConnectionPoolSettings = object({
  tcp: object({
    maxConnections: int32,
    connectTimeout: duration,
    tcpKeepalive: object({ probes: uint32, time: duration, interval: duration }),
    maxConnectionDuration: duration,
    idleTimeout: duration,
  }),
  http: object({
    http1MaxPendingRequests: int32,
    http2MaxRequests: int32,
    maxRequestsPerConnection: int32,
    maxRetries: int32,
    idleTimeout: duration,
    h2UpgradePolicy: enumOf('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'),
    useClientProtocol: bool,
    maxConcurrentStreams: int32,
  }),
});

export const ClientTLSSettings = object({
  mode: enumOf('DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'),
  clientCertificate: string,
  privateKey: string,
  caCertificates: string,
  credentialName: string,
  subjectAltNames: stringList,
  sni: string,
  insecureSkipVerify: bool,
  caCrl: string,
});

const TLSProtocol = enumOf('TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3');

export const ServerTLSSettings = object({
  httpsRedirect: bool,
  mode: enumOf('PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'),
  serverCertificate: string,
  privateKey: string,
  caCertificates: string,
  caCrl: string,
  credentialName: string,
  credentialNames: stringList,
  caCertCredentialName: string,
  tlsCertificates: list(object({ serverCertificate: string, privateKey: string, caCertificates: string })),
  subjectAltNames: stringList,
  verifyCertificateSpki: stringList,
  verifyCertificateHash: stringList,
  minProtocolVersion: TLSProtocol,
  maxProtocolVersion: TLSProtocol,
  cipherSuites: stringList,
});

export const ProviderRef = object({ name: string }, { required: ['name'] });
