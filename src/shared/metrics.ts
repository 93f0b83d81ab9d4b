// Metric primitives (counter, gauge, histogram) and Prometheus text exposition.
// Label sets are keyed once per series; recording on the hot path is a map lookup.

export type Labels = Record<string, string>;

function seriesKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function fmt(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

interface Metric {
  readonly name: string;
  readonly help: string;
  expose(): string;
}

export class Counter implements Metric {
  private readonly series = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels?: Labels, by = 1): void {
    const k = seriesKey(labels);
    this.series.set(k, (this.series.get(k) ?? 0) + by);
  }

  get(labels?: Labels): number {
    return this.series.get(seriesKey(labels)) ?? 0;
  }

  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of [...this.series].sort()) lines.push(`${this.name}${k ? `{${k}}` : ''} ${fmt(v)}`);
    return lines.join('\n');
  }
}

export class Gauge implements Metric {
  private readonly series = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, private readonly collect?: (g: Gauge) => void) {}

  set(value: number, labels?: Labels): void {
    this.series.set(seriesKey(labels), value);
  }

  get(labels?: Labels): number {
    return this.series.get(seriesKey(labels)) ?? 0;
  }

  reset(): void {
    this.series.clear();
  }

  expose(): string {
    this.collect?.(this);
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of [...this.series].sort()) lines.push(`${this.name}${k ? `{${k}}` : ''} ${fmt(v)}`);
    return lines.join('\n');
  }
}

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  private readonly series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(value: number, labels?: Labels): void {
    const k = seriesKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Count and sum of one series, for tests and status pages. */
  snapshot(labels?: Labels): { count: number; sum: number } {
    const s = this.series.get(seriesKey(labels));
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of [...this.series].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const sep = k ? ',' : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${k}${sep}le="${fmt(b)}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${fmt(s.sum)}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  private add<M extends Metric>(m: M): M {
    if (this.metrics.has(m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.set(m.name, m);
    return m;
  }

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string, collect?: (g: Gauge) => void): Gauge {
    return this.add(new Gauge(name, help, collect));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  /** Prometheus text exposition format 0.0.4. */
  expose(): string {
    return [...this.metrics.values()].map((m) => m.expose()).join('\n') + '\n';
  }
}
