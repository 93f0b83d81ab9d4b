// The admin endpoint's three renderings of the store, in Envoy's formats:
//   /stats                  `name: value`, counters and gauges sorted by name, then histograms
//   /stats?format=json      {"stats":[{"name","value"}..., {"histograms":{...quantiles}}]}
//   /stats/prometheus       grouped by tag-extracted name, `envoy_` prefix, tags as labels
// Histograms have no flush interval here, so their "interval" quantiles are always nan/null.
import { SUPPORTED_QUANTILES, type Counter, type Gauge, type Histogram, type Stat } from './metrics.js';
import type { StatsStore } from './store.js';
import type { Tag } from './tags.js';

export interface StatsFormatOptions {
  /** Only stats whose name this matches (Envoy's `filter=`, a regex search). */
  filter?: RegExp;
  /** Only stats written at least once (Envoy's `usedonly`). */
  usedOnly?: boolean;
}

/** Envoy's percentile labels for SUPPORTED_QUANTILES. */
const QUANTILE_LABELS = ['0', '25', '50', '75', '90', '95', '99', '99.5', '99.9', '100'];

function selected(store: StatsStore, opts: StatsFormatOptions): Stat[] {
  const { filter, usedOnly } = opts;
  return store.snapshot().filter((s) => {
    if (usedOnly && !s.used) return false;
    if (filter) {
      filter.lastIndex = 0;
      if (!filter.test(s.name)) return false;
    }
    return true;
  });
}

/** GET /stats */
export function statsText(store: StatsStore, opts: StatsFormatOptions = {}): string {
  let numbers = '';
  let histograms = '';
  for (const s of selected(store, opts)) {
    if (s.kind === 'histogram') histograms += `${s.name}: ${s.used ? quantileSummary(s) : 'No recorded values'}\n`;
    else numbers += `${s.name}: ${s.value}\n`;
  }
  return numbers + histograms;
}

function quantileSummary(h: Histogram): string {
  return SUPPORTED_QUANTILES.map((q, i) => `P${QUANTILE_LABELS[i]}(nan,${quantile(h, q)})`).join(' ');
}

/** A bucket-interpolated estimate: six significant digits are all it has. */
function quantile(h: Histogram, q: number): number {
  const v = h.quantile(q);
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

/** GET /stats?format=json */
export function statsJson(store: StatsStore, opts: StatsFormatOptions = {}): string {
  const stats: unknown[] = [];
  const computed: unknown[] = [];
  for (const s of selected(store, opts)) {
    if (s.kind !== 'histogram') stats.push({ name: s.name, value: s.value });
    else computed.push({ name: s.name, values: SUPPORTED_QUANTILES.map((q) => ({ cumulative: finite(quantile(s, q)), interval: null })) });
  }
  if (computed.length > 0) stats.push({ histograms: { supported_quantiles: QUANTILE_LABELS.map(Number), computed_quantiles: computed } });
  return JSON.stringify({ stats });
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** GET /stats/prometheus (text exposition format 0.0.4). */
export function statsPrometheus(store: StatsStore, opts: StatsFormatOptions = {}): string {
  const groups = {
    counter: new Map<string, Counter[]>(),
    gauge: new Map<string, Gauge[]>(),
    histogram: new Map<string, Histogram[]>(),
  };
  for (const s of selected(store, opts)) {
    const metric = prometheusName(s.tagExtractedName, store.customNamespaces);
    if (metric === undefined) continue;
    const group = groups[s.kind] as Map<string, Stat[]>;
    const list = group.get(metric);
    if (list) list.push(s);
    else group.set(metric, [s]);
  }
  let out = '';
  for (const kind of ['counter', 'gauge', 'histogram'] as const) {
    for (const metric of [...groups[kind].keys()].sort()) {
      out += `# TYPE ${metric} ${kind}\n`;
      for (const s of groups[kind].get(metric)!) out += s.kind === 'histogram' ? histogramLines(metric, s) : `${metric}{${labels(s.tags)}} ${s.value}\n`;
      out += '\n';
    }
  }
  return out;
}

function histogramLines(metric: string, h: Histogram): string {
  const tags = labels(h.tags);
  const sep = tags ? ',' : '';
  let out = '';
  const cumulative = h.cumulativeCounts();
  h.bounds.forEach((b, i) => (out += `${metric}_bucket{${tags}${sep}le="${b}"} ${cumulative[i]}\n`));
  out += `${metric}_bucket{${tags}${sep}le="+Inf"} ${h.count}\n`;
  out += `${metric}_sum{${tags}} ${h.sum}\n`;
  out += `${metric}_count{${tags}} ${h.count}\n`;
  return out;
}

/**
 * `envoy_` + the sanitized tag-extracted name; a name in a custom namespace loses the
 * namespace instead (`istiocustom.istio_requests_total` → `istio_requests_total`) and is
 * left out if what remains cannot be a Prometheus name.
 */
export function prometheusName(tagExtractedName: string, customNamespaces: ReadonlySet<string> = new Set()): string | undefined {
  const dot = tagExtractedName.indexOf('.');
  if (dot > 0 && customNamespaces.has(tagExtractedName.slice(0, dot))) {
    const name = sanitize(tagExtractedName.slice(dot + 1));
    return name === '' || /^\d/.test(name) ? undefined : name;
  }
  return `envoy_${sanitize(tagExtractedName)}`;
}

function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

function labels(tags: readonly Tag[]): string {
  return tags.map((t) => `${sanitize(t.name)}="${t.value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',');
}
