// Host names as Istio compares them: short names resolved against a namespace, and
// wildcard matching (`*`, `*.example.com`).

/** `reviews` → `reviews.<ns>.svc.<domain>`; `reviews.default` → `reviews.default.svc.<domain>`; FQDNs and wildcards unchanged. */
export function resolveShortName(host: string, namespace: string, clusterDomain = 'cluster.local'): string {
  if (host === '*' || host.startsWith('*')) return host;
  if (!host.includes('.')) return `${host}.${namespace}.svc.${clusterDomain}`;
  const parts = host.split('.');
  if (parts.length === 2) return `${host}.svc.${clusterDomain}`;
  return host;
}

/** Does pattern (exact or `*`/`*.suffix`) match a concrete host? */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  if (pattern.startsWith('*')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

/** Specificity for choosing among matching patterns: exact beats wildcard, longer wildcard beats shorter. */
export function hostSpecificity(pattern: string): number {
  return pattern.startsWith('*') ? pattern.length : 10_000 + pattern.length;
}
