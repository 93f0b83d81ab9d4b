// Pure checks on single values, with Istio's semantics: durations, DNS names and hosts,
// IP addresses and CIDRs, label keys and values, protocols, RE2-style regexes, and the
// "did you mean" suggestion used for unknown field names and enum values. Each check
// returns an error message (no path) or undefined.
import { isIP } from 'node:net';

// --- suggestions ----------------------------------------------------------------------

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `name` (case, '_' and '-' ignored), when one is near enough. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const n = norm(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(n, norm(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(n.length / 3)) ? best : undefined;
}

// --- durations ------------------------------------------------------------------------

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const DURATION_RE = /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

/** Parses a Go/protobuf duration ("1.5s", "500ms", "1h30m", "0") into nanoseconds. */
export function parseDuration(s: string): number | undefined {
  if (!DURATION_RE.test(s)) return undefined;
  const sign = s.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const m of s.matchAll(/(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g)) {
    const unit = UNIT_NS[m[3]!]!;
    total += Number(m[1] || '0') * unit + Math.round(Number(`0.${m[2] || '0'}`) * unit);
  }
  return sign * total;
}

// --- DNS names, hosts, addresses ------------------------------------------------------

// Istio's DNS-1123 label allows upper case (pkg/config/labels).
const LABEL_RE = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL_RE = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

export function isDNS1123Label(s: string): boolean {
  return s.length <= 63 && LABEL_RE.test(s);
}

function dnsPreconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name "${name}" too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

function dnsLabels(domain: string, whole = domain): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1]!;
  if (/^\d+$/.test(tld)) return `domain name "${whole}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') return undefined; // trailing dot: "istio.io."
    if (!isDNS1123Label(parts[i]!)) return `domain name "${whole}" invalid (label "${parts[i]}" invalid)`;
  }
  return undefined;
}

/** A fully-qualified (or short) DNS name, no wildcard. */
export function checkFQDN(name: string): string | undefined {
  return dnsPreconditions(name) ?? dnsLabels(name);
}

/** A DNS name whose first label may be a wildcard: "*", "*.example.com", "reviews". */
export function checkWildcardDomain(domain: string): string | undefined {
  const pre = dnsPreconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (first.length > 63 || !WILDCARD_LABEL_RE.test(first)) return `domain name "${domain}" invalid (label "${first}" invalid)`;
  return dot < 0 ? undefined : dnsLabels(domain.slice(dot + 1), domain);
}

/** "*.example.com" and "*" are wildcards; "*example.com" and "a.*.com" are partial wildcards. */
export function checkNoPartialWildcard(host: string): string | undefined {
  return host.includes('*') && host.length !== 1 && !host.startsWith('*.') ? `partial wildcard "${host}" not allowed` : undefined;
}

export function isIPAddress(s: string): boolean {
  return isIP(s) !== 0;
}

/** An IP address or a CIDR block ("10.0.0.0/8", "2001:db8::/32"). */
export function checkIPOrCIDR(s: string): string | undefined {
  const parts = s.split('/');
  if (parts.length === 1) return isIP(s) ? undefined : `${s} is not a valid IP`;
  const family = parts.length === 2 ? isIP(parts[0]!) : 0;
  const bits = parts.length === 2 && /^\d{1,3}$/.test(parts[1]!) ? Number(parts[1]) : -1;
  if (family === 0 || bits < 0 || bits > (family === 4 ? 32 : 128)) return `${s} is not a valid CIDR block`;
  return undefined;
}

/** Istio's host.Name.Matches: do two (possibly wildcard) hosts overlap? */
export function hostsOverlap(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Istio's host.Name.SubsetOf: is every name `n` matches also matched by `o`? */
export function hostSubsetOf(n: string, o: string): boolean {
  if (o.startsWith('*')) return n.startsWith('*') ? n.slice(1).endsWith(o.slice(1)) : n.endsWith(o.slice(1));
  return !n.startsWith('*') && n === o;
}

// --- labels ---------------------------------------------------------------------------

const QUALIFIED_NAME_RE = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN_RE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes label key: optional DNS subdomain prefix + "/" + name of at most 63 characters. */
export function checkLabelKey(key: string): string | undefined {
  const parts = key.split('/');
  const name = parts[parts.length - 1]!;
  const prefixOk = parts.length === 1 || (parts.length === 2 && parts[0]!.length <= 253 && SUBDOMAIN_RE.test(parts[0]!));
  if (!prefixOk || name.length > 63 || !QUALIFIED_NAME_RE.test(name)) return `invalid label key "${key}"`;
  return undefined;
}

export function checkLabelValue(value: string): string | undefined {
  if (value === '') return undefined;
  return value.length > 63 || !QUALIFIED_NAME_RE.test(value) ? `invalid label value "${value}"` : undefined;
}

// --- protocols ------------------------------------------------------------------------

const PROTOCOLS = new Map(
  ['TCP', 'UDP', 'GRPC', 'GRPC-Web', 'HTTP', 'HTTP_PROXY', 'HTTP2', 'HTTPS', 'TLS', 'Mongo', 'Redis', 'MySQL'].map((p) => [p.toLowerCase(), p]),
);

/** Istio's protocol.Parse (case-insensitive); undefined when unsupported. */
export function parseProtocol(p: string): string | undefined {
  return PROTOCOLS.get(p.toLowerCase());
}

export function isHTTPProtocol(p: string | undefined): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-Web';
}

export function isTLSProtocol(p: string | undefined): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

// --- regexes --------------------------------------------------------------------------

/**
 * RE2-ish: rejects what RE2 does not support (lookaround, backreferences) and what a
 * JavaScript RegExp cannot compile; accepts RE2's (?P<name>...) groups and leading
 * (?flags) groups.
 */
export function checkRegex(re: string): string | undefined {
  if (re.length > 1024) return 'regex is too large, max length allowed is 1024';
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      const next = re[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences are not supported (Istio uses RE2 syntax: https://github.com/google/re2/wiki/Syntax)';
      i++;
    } else if (c === '(' && (re.startsWith('(?=', i) || re.startsWith('(?!', i) || re.startsWith('(?<=', i) || re.startsWith('(?<!', i))) {
      return 'lookahead and lookbehind are not supported (Istio uses RE2 syntax: https://github.com/google/re2/wiki/Syntax)';
    }
  }
  let source = re.replace(/\(\?P</g, '(?<');
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    if (lead[1]!.includes('U')) return 'the U (ungreedy) flag is not supported';
    flags = [...new Set(lead[1])].join('');
    source = source.slice(lead[0].length);
  }
  try {
    new RegExp(source, flags);
  } catch (err) {
    const message = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
    return `${message}; Istio uses RE2 syntax (https://github.com/google/re2/wiki/Syntax)`;
  }
  return undefined;
}

// --- header values --------------------------------------------------------------------

/** Envoy's custom header value syntax: "%VAR%" substitutions and "%%" escapes; no control characters. */
export function checkHeaderValue(value: string): string | undefined {
  if (/[\u0000-\u0008\u000A-\u001F\u007F]/.test(value)) return `header value "${value}" contains control characters`;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '%') continue;
    if (value[i + 1] === '%') {
      i++;
      continue;
    }
    const end = value.indexOf('%', i + 1);
    if (end < 0) return `header value "${value}" has an unterminated "%" (write "%%" for a literal percent sign)`;
    i = end;
  }
  return undefined;
}
