// Fields the mesh accepts (they validate) but does not act on yet. Analysis reports each
// one a resource sets as "accepted, not enforced". To shrink the list when a feature
// lands, delete its line from NOT_ENFORCED.
import type { Resource } from './meta.js';

/** DestinationRule traffic-policy fields, at every place a traffic policy appears. */
function trafficPolicyPaths(fields: readonly string[]): string[] {
  const policies = ['trafficPolicy', 'subsets[].trafficPolicy'];
  const perPort = fields.filter((f) => !['tunnel', 'proxyProtocol', 'retryBudget'].includes(f));
  return [
    ...policies.flatMap((p) => fields.map((f) => `${p}.${f}`)),
    ...policies.flatMap((p) => perPort.map((f) => `${p}.portLevelSettings[].${f}`)),
  ];
}

/** Per kind, paths under spec; `name[]` walks every item of a list. */
export const NOT_ENFORCED: Readonly<Record<string, readonly string[]>> = {
  VirtualService: [
    'http[].match[].statPrefix',
    'http[].retries.retryRemoteLocalities',
    'http[].corsPolicy.unmatchedPreflights',
    'tls[].match[].destinationSubnets',
    'tcp[].match[].destinationSubnets',
    'tcp[].match[].sourceSubnet',
  ],
  DestinationRule: [
    'workloadSelector',
    ...trafficPolicyPaths([
      'tunnel',
      'proxyProtocol',
      'retryBudget',
      'loadBalancer.warmupDurationSecs',
      'loadBalancer.warmup',
      'loadBalancer.localityLbSetting',
      'connectionPool.tcp.tcpKeepalive',
      'connectionPool.http.h2UpgradePolicy',
      'connectionPool.http.useClientProtocol',
      'connectionPool.http.maxConcurrentStreams',
      'tls.caCrl',
    ]),
  ],
  Gateway: [
    'servers[].defaultEndpoint',
    'servers[].tls.caCrl',
    'servers[].tls.caCertCredentialName',
    'servers[].tls.credentialNames',
    'servers[].tls.tlsCertificates',
    'servers[].tls.verifyCertificateSpki',
    'servers[].tls.verifyCertificateHash',
    'servers[].tls.cipherSuites',
  ],
  ServiceEntry: ['subjectAltNames', 'endpoints[].network', 'endpoints[].locality'],
  WorkloadEntry: ['network', 'locality'],
  Sidecar: [
    'ingress[].captureMode',
    'ingress[].tls',
    'ingress[].connectionPool',
    'egress[].captureMode',
    'inboundConnectionPool',
    'outboundTrafficPolicy.egressProxy',
  ],
  RequestAuthentication: ['targetRef', 'targetRefs', 'jwtRules[].timeout', 'jwtRules[].spaceDelimitedClaims'],
  AuthorizationPolicy: ['targetRef', 'targetRefs', 'provider'],
  Telemetry: [
    'targetRef',
    'targetRefs',
    'tracing[].customTags',
    'tracing[].useRequestIdForTraceSampling',
    'tracing[].enableIstioTags',
    'metrics[].reportingInterval',
    'accessLogging[].filter',
  ],
  Service: ['sessionAffinity', 'sessionAffinityConfig', 'internalTrafficPolicy', 'trafficDistribution'],
};

function child(v: unknown, name: string): unknown {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined;
}

function isSet(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function collect(value: unknown, segments: readonly string[], path: string, out: string[]): void {
  if (segments.length === 0) {
    if (isSet(value)) out.push(path);
    return;
  }
  const [segment, ...rest] = segments as [string, ...string[]];
  const isList = segment.endsWith('[]');
  const name = isList ? segment.slice(0, -2) : segment;
  const v = child(value, name);
  const at = `${path}.${name}`;
  if (!isList) collect(v, rest, at, out);
  else if (Array.isArray(v)) v.forEach((item, i) => collect(item, rest, `${at}[${i}]`, out));
}

/** Paths (`spec.http[0].match[1].statPrefix`) of fields this resource sets that the mesh does not act on yet. */
export function notEnforced(resource: Resource): string[] {
  const out: string[] = [];
  for (const pattern of NOT_ENFORCED[resource.kind] ?? []) collect(resource.spec, pattern.split('.'), 'spec', out);
  return out;
}
