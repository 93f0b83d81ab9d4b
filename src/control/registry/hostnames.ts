// Service host names: the FQDN of a Kubernetes-style Service, and how a host written in
// configuration (`reviews`, `reviews.default.svc.cluster.local`, `*.example.com`) is made
// fully qualified. Istio's rule (ResolveShortnameToFQDN): only a name with no dot at all is
// short; it gets `.<namespace>.svc.<clusterDomain>`. Anything containing a dot — including
// `reviews.default` — is taken as already qualified and kept as written, as are `*`, other
// wildcards (they contain a dot) and IP addresses.
import { isIP } from 'node:net';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** `<name>.<namespace>.svc.<clusterDomain>`: the hostname of a core Service. */
export function serviceHostname(name: string, namespace: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string {
  return `${name}.${namespace}.svc.${clusterDomain}`;
}

/** Resolves a host from configuration written in `namespace` to the name the registry uses. */
export function resolveHost(host: string, namespace: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string {
  if (host === '' || host === '*' || host.includes('.') || isIP(host) !== 0) return host;
  return serviceHostname(host, namespace, clusterDomain);
}

export function isWildcardHost(host: string): boolean {
  return host.startsWith('*');
}

/** The name and namespace of a core Service hostname (`reviews.default.svc.cluster.local`), or undefined. */
export function parseServiceHostname(hostname: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): { name: string; namespace: string } | undefined {
  const suffix = `.svc.${clusterDomain}`;
  if (!hostname.endsWith(suffix)) return undefined;
  const parts = hostname.slice(0, -suffix.length).split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { name: parts[0], namespace: parts[1] };
}
