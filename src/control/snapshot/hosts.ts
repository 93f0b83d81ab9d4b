// Host names as Istio compares them: short names resolved against a namespace, and
// wildcard matching (`*`, `*.example.com`).

/**
 * As Istio resolves hosts in config: a name without dots (`reviews`) is short for
 * `reviews.<ns>.svc.<domain>`; anything with a dot (`reviews.default`, `httpbin.org`), a
 * wildcard or an IP address is taken as written.
 */
export function resolveShortName(host: string, namespace: string, clusterDomain = 'cluster.local'): string {
  if (host === '*' || host.includes('.') || host.includes(':')) return host;
  return `${host}.${namespace}.svc.${clusterDomain}`;
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
