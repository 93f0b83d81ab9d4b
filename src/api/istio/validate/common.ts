// Field checks shared by several kinds, each reporting at a field path under an
// ErrorCollector: durations, ports, percentages, StringMatch, regexes, labels and workload
// selectors, exportTo, gateway names, `namespace/host` entries, unix sockets, header operations and
// policy target references. Messages follow Istio's validation webhook.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Headers, StringMatch } from '../networking.js';
import type { PolicyTargetReference } from '../security.js';
import {
  checkFQDN,
  checkHeaderValue,
  checkLabelKey,
  checkLabelValue,
  checkNoPartialWildcard,
  checkRegex,
  checkWildcardDomain,
  isDNS1123Label,
  isIPAddress,
  parseDuration,
} from './values.js';

export const UNIX_PREFIX = 'unix://';

/** A Unix domain socket path (after "unix://"): absolute, not a directory, or an abstract "@name". */
export function checkUnixAddress(e: ErrorCollector, field: string, addr: string): void {
  if (addr === '') e.add(field, 'unix address must not be empty');
  else if (!addr.startsWith('@') && (!addr.startsWith('/') || addr.endsWith('/'))) e.add(field, `${addr} is not an absolute path to a file`);
}

/** Runs `fn` for each item of a list field, with a collector at `field[i]`. */
export function each<T>(list: readonly T[] | undefined, e: ErrorCollector, field: string, fn: (item: T, ie: ErrorCollector, i: number) => void): void {
  list?.forEach((item, i) => fn(item, e.at(`${field}[${i}]`), i));
}

/** Istio's ValidateDuration: at least 1ms, millisecond precision. */
export function checkDuration(e: ErrorCollector, field: string, value: string | undefined): void {
  if (value === undefined) return;
  const ns = parseDuration(value)!;
  if (ns < 1e6) e.add(field, `must be at least 1ms, got "${value}"`);
  else if (ns % 1e6 !== 0) e.add(field, `only durations to ms precision are supported, got "${value}"`);
}

export function checkPort(e: ErrorCollector, field: string, port: number | undefined): void {
  if (port !== undefined && (port < 1 || port > 65535)) e.add(field, `port number ${port} must be in the range 1..65535`);
}

/** An integer percentage, 0..100. */
export function checkPercentInt(e: ErrorCollector, field: string, value: number | undefined): void {
  if (value !== undefined && (value < 0 || value > 100)) e.add(field, `must be in the range 0..100, got ${value}`);
}

/** A Percent message ({ value: double }): 0, or 0.0001..100. */
export function checkPercent(e: ErrorCollector, field: string, p: { value?: number } | undefined): void {
  const v = p?.value;
  if (v !== undefined && (v < 0 || v > 100 || (v > 0 && v < 0.0001))) e.add(`${field}.value`, `must be 0 or in the range 0.0001..100, got ${v}`);
}

export function checkRegexField(e: ErrorCollector, field: string, re: string): void {
  const err = checkRegex(re);
  if (err) e.add(field, `invalid regex "${re}": ${err}`);
}

/**
 * A StringMatch: exactly one of exact, prefix, regex (header and query parameter matches
 * may be empty: `{}` checks presence). Prefixes may not be empty except for the URI.
 */
export function checkStringMatch(e: ErrorCollector, field: string, m: StringMatch | undefined, opts: { presenceOk?: boolean; emptyPrefixOk?: boolean } = {}): void {
  if (!m) return;
  if (m.exact === undefined && m.prefix === undefined && m.regex === undefined) {
    if (!opts.presenceOk) e.add(field, 'must set one of exact, prefix, regex');
    return;
  }
  if (m.prefix === '' && !opts.emptyPrefixOk) e.add(`${field}.prefix`, 'prefix string match should not be empty');
  if (m.regex !== undefined) {
    if (m.regex === '') e.add(`${field}.regex`, 'regex string match should not be empty');
    else checkRegexField(e, `${field}.regex`, m.regex);
  }
}

/** Label map: Kubernetes label key and value syntax. */
export function checkLabels(e: ErrorCollector, field: string, labels: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    const err = checkLabelKey(k) ?? checkLabelValue(v);
    if (err) e.add(`${field}[${k}]`, err);
  }
}

/** A workload selector's labels: no empty keys and no wildcards. */
export function checkSelectorLabels(e: ErrorCollector, field: string, labels: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k === '') e.add(field, `empty key is not supported in selector: "${k}=${v}"`);
    else if (k.includes('*') || v.includes('*')) e.add(`${field}[${k}]`, `wildcard is not supported in selector: "${k}=${v}"`);
    else {
      const err = checkLabelKey(k) ?? checkLabelValue(v);
      if (err) e.add(`${field}[${k}]`, err);
    }
  }
}

/** A namespace name as used in references (gateway names, delegates, sourceNamespace). */
export function checkNamespaceName(e: ErrorCollector, field: string, ns: string): void {
  if (!isDNS1123Label(ns)) e.add(field, `"${ns}" is not a valid namespace name`);
}

/** exportTo: ".", "*", or namespace names; no duplicates; "*" alone; "~" (ServiceEntry only) alone. */
export function checkExportTo(
  e: ErrorCollector,
  exportTo: readonly string[] | undefined,
  namespace: string,
  opts: { serviceEntry?: boolean; withWorkloadSelector?: boolean } = {},
): void {
  if (!exportTo?.length) return;
  const seen = new Set<string>();
  exportTo.forEach((entry, i) => {
    const field = `exportTo[${i}]`;
    const key = entry === '.' ? namespace : entry;
    if (seen.has(key)) {
      e.add(field, key !== entry ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entry "${entry}"`);
      return;
    }
    if (entry === '~' && !opts.serviceEntry) e.add(field, 'exportTo ~ (none) is only allowed for ServiceEntry');
    else if (entry !== '~' && entry !== '*' && entry !== '.' && !isDNS1123Label(entry)) e.add(field, `only ".", "*", or a namespace name is allowed, got "${entry}"`);
    seen.add(key);
  });
  if (seen.has('*') && exportTo.length > 1) e.add('exportTo', 'cannot have both public (*) and non-public exportTo values');
  if (seen.has('~') && exportTo.length > 1) e.add('exportTo', 'cannot export to no one (~) and to someone');
  if (opts.withWorkloadSelector) {
    if (!seen.has(namespace)) e.add('exportTo', 'a DestinationRule with a workloadSelector cannot be exported beyond its own namespace');
    else if (seen.size > 1) e.add('exportTo', 'a DestinationRule with a workloadSelector cannot have multiple entries in exportTo');
  }
}

/** Gateway references: "mesh", "name", "namespace/name" (or the legacy "name.namespace" FQDN form). */
export function checkGatewayNames(e: ErrorCollector, field: string, names: readonly string[] | undefined): void {
  each(names, e, field, (name, _ie, i) => {
    const at = `${field}[${i}]`;
    const slash = name.indexOf('/');
    if (slash < 0) {
      const err = checkFQDN(name);
      if (err) e.add(at, `invalid gateway name: ${err}`);
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (!ns || !gw) e.add(at, `gateway "${name}": namespace and gateway name cannot be empty`);
    else if (!isDNS1123Label(ns)) e.add(at, `gateway "${name}": invalid namespace "${ns}"`);
    else if (!isDNS1123Label(gw)) e.add(at, `gateway "${name}": invalid gateway name "${gw}"`);
  });
}

/**
 * A Gateway server host or Sidecar egress host: "namespace/dnsName" (Gateway also accepts
 * a bare "dnsName"). Namespace: "*", ".", a namespace name, and "~" for Sidecars. dnsName:
 * "*", a wildcard FQDN (no partial wildcards, no short names); Gateways also accept IPs.
 */
export function checkNamespacedHost(e: ErrorCollector, field: string, host: string, kind: 'Gateway' | 'Sidecar'): void {
  const slash = host.indexOf('/');
  if (slash < 0 && kind === 'Sidecar') {
    e.add(field, `host "${host}" must be of the form namespace/dnsName (e.g. "*/${host}" or "./${host}")`);
    return;
  }
  let dnsName = host;
  if (slash >= 0) {
    const ns = host.slice(0, slash);
    dnsName = host.slice(slash + 1);
    if (!ns || !dnsName) {
      e.add(field, `host "${host}": namespace and dnsName cannot be empty`);
      return;
    }
    const nsOk = ns === '*' || ns === '.' || (ns === '~' && kind === 'Sidecar') || isDNS1123Label(ns);
    if (!nsOk) e.add(field, `host "${host}": invalid namespace "${ns}" in ${kind.toLowerCase()}`);
  }
  if (dnsName !== '*' && !dnsName.includes('.')) e.add(field, `host "${host}": short names (non FQDN) are not allowed`);
  else {
    const err = checkWildcardDomain(dnsName);
    if (err && !(kind === 'Gateway' && isIPAddress(dnsName))) e.add(field, `host "${host}": ${err}`);
  }
  const partial = checkNoPartialWildcard(dnsName);
  if (partial) e.add(field, `host "${host}": ${partial}`);
}

/** Header names in matches: lowercase letters, digits, '-' and '_' (or a JWT claim route key). */
export function checkMatchHeaderName(e: ErrorCollector, field: string, name: string): void {
  if (name.startsWith('@request.auth.claims')) {
    if (!/^@request\.auth\.claims(\.[^.\s]+|\[[^\]]+\])+$/.test(name)) e.add(field, `invalid JWT claim route key "${name}"`);
    return;
  }
  if (name === '') e.add(field, 'header name cannot be empty');
  else if (!/^[-_A-Za-z0-9]+$/.test(name)) e.add(field, `header name "${name}" is not a valid header name`);
  else if (name !== name.toLowerCase()) e.add(field, `header names must be lowercase: use "${name.toLowerCase()}"`);
}

function isInternalHeader(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

function isAuthorityHeader(name: string): boolean {
  return name.toLowerCase() === ':authority' || name.toLowerCase() === 'host';
}

/** Header manipulation: request add/set may set the authority; nothing else may touch pseudo headers or Host. */
export function checkHeaderOperations(e: ErrorCollector, field: string, headers: Headers | undefined): void {
  for (const side of ['request', 'response'] as const) {
    const ops = headers?.[side];
    if (!ops) continue;
    const base = `${field}.${side}`;
    for (const op of ['add', 'set'] as const) {
      for (const [name, value] of Object.entries(ops[op] ?? {})) {
        const at = `${base}.${op}[${name}]`;
        if (name === '') e.add(at, 'header name cannot be empty');
        else if (side === 'request' ? isInternalHeader(name) && !isAuthorityHeader(name) : isInternalHeader(name)) {
          e.add(at, side === 'response' && name.toLowerCase() === 'host' ? `invalid header "${name}": cannot set Host header` : `invalid header "${name}": header cannot have ":" prefix`);
        }
        const valueErr = checkHeaderValue(value);
        if (valueErr) e.add(at, valueErr);
      }
    }
    each(ops.remove, e, `${base}.remove`, (name, _ie, i) => {
      const at = `${base}.remove[${i}]`;
      if (name === '') e.add(at, 'header name cannot be empty');
      else if (name.toLowerCase() === 'host') e.add(at, `invalid header "${name}": cannot set Host header`);
      else if (name.startsWith(':')) e.add(at, `invalid header "${name}": header cannot have ":" prefix`);
    });
  }
}

/** The kinds a policy may target: Service, ServiceEntry, and Gateway API Gateways. */
const TARGET_KINDS = [
  { group: 'core', kind: 'Service' },
  { group: 'networking.istio.io', kind: 'ServiceEntry' },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway' },
];

function checkTargetRef(e: ErrorCollector, field: string, ref: PolicyTargetReference): void {
  if (ref.name === '') e.add(`${field}.name`, 'targetRef name must be set');
  if (ref.namespace) e.add(`${field}.namespace`, 'targetRef namespace must not be set; cross namespace referencing is not supported');
  const group = ref.group || 'core';
  if (!TARGET_KINDS.some((t) => t.group === group && t.kind === ref.kind)) {
    e.add(field, `targetRef must be to one of ${TARGET_KINDS.map((t) => `${t.group}/${t.kind}`).join(', ')}, but was ${ref.group ?? ''}/${ref.kind}`);
  }
}

/** selector / targetRef / targetRefs: at most one, each well-formed. */
export function checkPolicyTargets(
  e: ErrorCollector,
  spec: { selector?: { matchLabels?: Record<string, string> }; targetRef?: PolicyTargetReference; targetRefs?: PolicyTargetReference[] },
): void {
  const set = [spec.selector !== undefined, spec.targetRef !== undefined, (spec.targetRefs?.length ?? 0) > 0].filter(Boolean).length;
  if (set > 1) e.add('', 'only one of selector, targetRef or targetRefs can be set');
  checkSelectorLabels(e, 'selector.matchLabels', spec.selector?.matchLabels);
  if (spec.targetRef) checkTargetRef(e, 'targetRef', spec.targetRef);
  each(spec.targetRefs, e, 'targetRefs', (ref, _ie, i) => checkTargetRef(e, `targetRefs[${i}]`, ref));
}
