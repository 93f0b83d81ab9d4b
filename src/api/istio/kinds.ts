// Every configuration kind the mesh accepts: its API group, served versions, plural and
// short names (as kubectl and istioctl use them), and whether it is namespaced. Besides
// Istio's kinds: core Namespace and Service, and the workload kinds the local platform runs.

export interface KindInfo {
  kind: string;
  /** '' for the core group. */
  group: string;
  /** Served versions, preferred first. */
  versions: string[];
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
}

export const KINDS: readonly KindInfo[] = [
  { kind: 'VirtualService', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'virtualservices', singular: 'virtualservice', shortNames: ['vs'], namespaced: true },
  { kind: 'DestinationRule', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'destinationrules', singular: 'destinationrule', shortNames: ['dr'], namespaced: true },
  { kind: 'Gateway', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'gateways', singular: 'gateway', shortNames: ['gw'], namespaced: true },
  { kind: 'ServiceEntry', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'serviceentries', singular: 'serviceentry', shortNames: ['se'], namespaced: true },
  { kind: 'WorkloadEntry', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'workloadentries', singular: 'workloadentry', shortNames: ['we'], namespaced: true },
  { kind: 'Sidecar', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'sidecars', singular: 'sidecar', shortNames: [], namespaced: true },
  { kind: 'PeerAuthentication', group: 'security.istio.io', versions: ['v1', 'v1beta1'], plural: 'peerauthentications', singular: 'peerauthentication', shortNames: ['pa'], namespaced: true },
  { kind: 'RequestAuthentication', group: 'security.istio.io', versions: ['v1', 'v1beta1'], plural: 'requestauthentications', singular: 'requestauthentication', shortNames: ['ra'], namespaced: true },
  { kind: 'AuthorizationPolicy', group: 'security.istio.io', versions: ['v1', 'v1beta1'], plural: 'authorizationpolicies', singular: 'authorizationpolicy', shortNames: ['ap'], namespaced: true },
  { kind: 'Telemetry', group: 'telemetry.istio.io', versions: ['v1', 'v1alpha1'], plural: 'telemetries', singular: 'telemetry', shortNames: ['telemetry'], namespaced: true },
  { kind: 'Namespace', group: '', versions: ['v1'], plural: 'namespaces', singular: 'namespace', shortNames: ['ns'], namespaced: false },
  { kind: 'Service', group: '', versions: ['v1'], plural: 'services', singular: 'service', shortNames: ['svc'], namespaced: true },
  // Workloads the local platform runs (see src/platform/local/controller.ts).
  { kind: 'ServiceAccount', group: '', versions: ['v1'], plural: 'serviceaccounts', singular: 'serviceaccount', shortNames: ['sa'], namespaced: true },
  { kind: 'Pod', group: '', versions: ['v1'], plural: 'pods', singular: 'pod', shortNames: ['po'], namespaced: true },
  { kind: 'Deployment', group: 'apps', versions: ['v1'], plural: 'deployments', singular: 'deployment', shortNames: ['deploy'], namespaced: true },
];

const byKind = new Map(KINDS.map((k) => [k.kind, k]));
const byAnyName = new Map<string, KindInfo>();
for (const k of KINDS) for (const n of [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames]) byAnyName.set(n, k);

export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/** Resolves what a user types (`vs`, `virtualservices`, `VirtualService`) to a kind. */
export function resolveKindName(name: string): KindInfo | undefined {
  return byKind.get(name) ?? byAnyName.get(name.toLowerCase()) ?? byAnyName.get(name.toLowerCase().split('.')[0]!);
}

/** `networking.istio.io/v1` (or `v1` for core). */
export function apiVersionOf(k: KindInfo, version = k.versions[0]!): string {
  return k.group ? `${k.group}/${version}` : version;
}

/** Checks apiVersion + kind against the served versions; returns an error message or undefined. */
export function checkApiVersion(apiVersion: unknown, kind: unknown): string | undefined {
  if (typeof kind !== 'string' || !kind) return 'kind: required';
  const k = byKind.get(kind);
  if (!k) return `kind: unknown kind "${kind}"; known kinds: ${KINDS.map((x) => x.kind).join(', ')}`;
  if (typeof apiVersion !== 'string' || !apiVersion) return `apiVersion: required (e.g. ${apiVersionOf(k)})`;
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (group !== k.group || !k.versions.includes(version)) {
    return `apiVersion: ${kind} is served as ${k.versions.map((v) => apiVersionOf(k, v)).join(', ')}, not ${apiVersion}`;
  }
  return undefined;
}
