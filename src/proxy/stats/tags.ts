// Tag extraction: turning a flat Envoy stat name into a tag-extracted name plus tags, as
// Envoy's default extractors do — `cluster.a.upstream_rq_2xx` becomes `cluster.upstream_rq_xx`
// with envoy.response_code_class=2 and envoy.cluster_name=a — for the Prometheus output.
//
// Envoy's regexes take a cluster name up to its first dot, which mangles Istio's
// `outbound|9080||reviews.default.svc.cluster.local`. So a scope that knows its value (a
// cluster scope knows its cluster's name) passes it as a fixed tag, with the characters it
// covers, and the regex for that tag is skipped. Runs when a stat is created, never per request.

export interface Tag {
  readonly name: string;
  readonly value: string;
}

/** A tag whose value and position in the stat name are known: `[start, end)` is removed. */
export interface FixedTag extends Tag {
  readonly start: number;
  readonly end: number;
}

/** Envoy's well-known tag names (source/common/config/well_known_names.h). */
export const TagNames = {
  RESPONSE_CODE: 'envoy.response_code',
  RESPONSE_CODE_CLASS: 'envoy.response_code_class',
  CLUSTER_NAME: 'envoy.cluster_name',
  HTTP_CONN_MANAGER_PREFIX: 'envoy.http_conn_manager_prefix',
  LISTENER_ADDRESS: 'envoy.listener_address',
  TCP_PREFIX: 'envoy.tcp_prefix',
  VIRTUAL_HOST: 'envoy.virtual_host',
  VIRTUAL_CLUSTER: 'envoy.virtual_cluster',
  ROUTE: 'envoy.route',
  RDS_ROUTE_CONFIG: 'envoy.rds_route_config',
  WORKER_ID: 'envoy.worker_id',
} as const;

interface Extractor {
  readonly name: string;
  /** Group 1 is removed from the name; group 2 (or 1) is the value. Flag `d` for indices. */
  readonly regex: RegExp;
  /** Only names whose first token is this are tried (Envoy's prefix index); '' for all. */
  readonly prefix: string;
  /** A value that is never a tag (listener.admin.* is the admin listener, not an address). */
  readonly not?: string;
}

const VALUE = '[^.]+';
const ADDRESS = String.raw`(?:(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[a-fA-F_\d]+\])_\d+)`;

/**
 * In Envoy's order: extractors without a prefix token run first, then those of the name's
 * first token — Envoy's regex extractors before its tokenized ones (`cluster.$.**`).
 */
const EXTRACTORS: readonly Extractor[] = [
  { name: TagNames.RESPONSE_CODE, regex: /_rq(_(\d{3}))$/d, prefix: '' },
  { name: TagNames.RESPONSE_CODE_CLASS, regex: /_rq_((\d))xx$/d, prefix: '' },
  { name: TagNames.WORKER_ID, regex: new RegExp(String.raw`^(?:listener\.(?:${ADDRESS}|${VALUE})\.|server\.|listener_manager\.)worker_((\d+)\.)`, 'd'), prefix: '' },
  { name: TagNames.HTTP_CONN_MANAGER_PREFIX, regex: new RegExp(String.raw`^listener\..*?\.http\.((${VALUE})\.)`, 'd'), prefix: 'listener' },
  { name: TagNames.LISTENER_ADDRESS, regex: new RegExp(String.raw`^listener\.((${ADDRESS}|${VALUE})\.)`, 'd'), prefix: 'listener', not: 'admin' },
  { name: TagNames.RDS_ROUTE_CONFIG, regex: new RegExp(String.raw`^http\.${VALUE}\.rds\.(([\w\-.]+)\.)\w+?$`, 'd'), prefix: 'http' },
  // Envoy's tokenized extractors.
  { name: TagNames.VIRTUAL_CLUSTER, regex: new RegExp(String.raw`^vhost\.${VALUE}\.vcluster\.((${VALUE})\.)`, 'd'), prefix: 'vhost' },
  { name: TagNames.TCP_PREFIX, regex: new RegExp(String.raw`^tcp\.((${VALUE})\.)`, 'd'), prefix: 'tcp' },
  { name: TagNames.CLUSTER_NAME, regex: new RegExp(String.raw`^cluster\.((${VALUE})\.)`, 'd'), prefix: 'cluster' },
  { name: TagNames.HTTP_CONN_MANAGER_PREFIX, regex: new RegExp(String.raw`^http\.((${VALUE})\.)`, 'd'), prefix: 'http' },
  { name: TagNames.VIRTUAL_HOST, regex: new RegExp(String.raw`^vhost\.((${VALUE})\.)`, 'd'), prefix: 'vhost' },
  { name: TagNames.ROUTE, regex: new RegExp(String.raw`^vhost\.${VALUE}\.route\.((${VALUE})\.)`, 'd'), prefix: 'vhost' },
];

const WITHOUT_PREFIX = EXTRACTORS.filter((e) => e.prefix === '');
const BY_PREFIX = new Map<string, Extractor[]>();
for (const e of EXTRACTORS) if (e.prefix !== '') BY_PREFIX.set(e.prefix, [...(BY_PREFIX.get(e.prefix) ?? []), e]);

export interface ExtractedName {
  tagExtractedName: string;
  tags: Tag[];
}

/**
 * Envoy's default tag extraction of `name`; a fixed tag stands in for the extractor of the
 * same name and keeps that extractor's place in the order (other fixed tags go last).
 */
export function extractTags(name: string, fixed: readonly FixedTag[] = []): ExtractedName {
  const tags: Tag[] = [];
  const removed: [number, number][] = [];
  const done = new Set<string>();
  const dot = name.indexOf('.');
  const extractors = dot < 0 ? WITHOUT_PREFIX : [...WITHOUT_PREFIX, ...(BY_PREFIX.get(name.slice(0, dot)) ?? [])];
  for (const e of extractors) {
    if (done.has(e.name)) continue;
    const f = fixed.find((t) => t.name === e.name);
    if (f) {
      tags.push({ name: f.name, value: f.value });
      removed.push([f.start, f.end]);
      done.add(e.name);
      continue;
    }
    // Fixed tags cover their text: an extractor must not match inside a known value.
    const m = e.regex.exec(name);
    const remove = m?.indices?.[1];
    if (!m || !remove || fixed.some((t) => remove[0] < t.end && t.start < remove[1])) continue;
    const value = m[2] ?? m[1]!;
    if (value === e.not) continue;
    tags.push({ name: e.name, value });
    removed.push(remove);
    done.add(e.name);
  }
  for (const f of fixed) {
    if (done.has(f.name)) continue;
    tags.push({ name: f.name, value: f.value });
    removed.push([f.start, f.end]);
  }
  return { tagExtractedName: removeRanges(name, removed), tags };
}

function removeRanges(name: string, ranges: [number, number][]): string {
  if (ranges.length === 0) return name;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) out += name.slice(at, start);
    at = Math.max(at, end);
  }
  return out + name.slice(at);
}

/** Envoy's stat name for a listener address: `0.0.0.0_15001`, `[__1]_15001` (':' becomes '_'). */
export function listenerAddressStatName(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `${h}_${port}`.replace(/:/g, '_');
}
