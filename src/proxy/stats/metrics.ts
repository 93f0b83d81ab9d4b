// The three stat kinds, built for the hot path: a caller keeps the handle it got when the
// stat was created, and recording is a field update on it — no lookup, no allocation.
// Names and tags are fixed at creation; only values change.
import type { Tag } from './tags.js';

/** Envoy's default histogram buckets (stats_config.histogram_bucket_settings), in the unit recorded. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
]);

/** The quantiles Envoy reports for a histogram (/stats, /stats?format=json). */
export const SUPPORTED_QUANTILES: readonly number[] = Object.freeze([0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1]);

export type HistogramUnit = 'unspecified' | 'bytes' | 'microseconds' | 'milliseconds' | 'percent';

interface StatBase {
  /** The flat Envoy name: `cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total`. */
  readonly name: string;
  /** The name without its tag values: `cluster.upstream_rq_total`. */
  readonly tagExtractedName: string;
  readonly tags: readonly Tag[];
  /** Scopes holding the stat; the store drops it when the last lets go. */
  refs: number;
}

/** Only goes up. */
export class Counter implements StatBase {
  readonly kind = 'counter';
  value = 0;
  refs = 0;
  constructor(
    readonly name: string,
    readonly tagExtractedName: string,
    readonly tags: readonly Tag[],
  ) {}

  inc(): void {
    this.value++;
  }

  add(n: number): void {
    this.value += n;
  }

  /** Envoy's "used": written at least once (here: non-zero). */
  get used(): boolean {
    return this.value !== 0;
  }
}

/** Goes up and down. */
export class Gauge implements StatBase {
  readonly kind = 'gauge';
  value = 0;
  refs = 0;
  constructor(
    readonly name: string,
    readonly tagExtractedName: string,
    readonly tags: readonly Tag[],
  ) {}

  inc(): void {
    this.value++;
  }

  dec(): void {
    this.value--;
  }

  add(n: number): void {
    this.value += n;
  }

  sub(n: number): void {
    this.value -= n;
  }

  set(n: number): void {
    this.value = n;
  }

  get used(): boolean {
    return this.value !== 0;
  }
}

/**
 * Fixed buckets, counted per bucket (a value v lands in the first bucket whose bound is
 * >= v; above the last bound it lands in the overflow slot), plus count, sum, min and max.
 */
export class Histogram implements StatBase {
  readonly kind = 'histogram';
  /** Per-bucket counts, not cumulative; one more slot than `bounds` for values above the last. */
  readonly counts: Float64Array;
  /** `bounds` as a typed array: the bucket search reads it on every record(). */
  private readonly limits: Float64Array;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  refs = 0;
  constructor(
    readonly name: string,
    readonly tagExtractedName: string,
    readonly tags: readonly Tag[],
    readonly unit: HistogramUnit = 'unspecified',
    readonly bounds: readonly number[] = DEFAULT_BUCKETS,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    this.limits = Float64Array.from(bounds);
  }

  record(v: number): void {
    const b = this.limits;
    const n = b.length;
    let i = 0;
    while (i < n && v > b[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  get used(): boolean {
    return this.count !== 0;
  }

  /** Adds another histogram's recordings (same bounds: another process's copy of this one). */
  merge(o: { bounds: readonly number[]; counts: ArrayLike<number>; count: number; sum: number; min: number; max: number }): void {
    if (o.bounds.length !== this.bounds.length || o.bounds.some((b, i) => b !== this.bounds[i])) return;
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += o.counts[i] ?? 0;
    this.count += o.count;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
  }

  /** Count of values <= each bound (Prometheus `le` buckets, without +Inf). */
  cumulativeCounts(): number[] {
    const out: number[] = [];
    let total = 0;
    for (let i = 0; i < this.bounds.length; i++) out.push((total += this.counts[i]!));
    return out;
  }

  /**
   * Estimated quantile q in [0, 1]: linear within the bucket holding it, clamped to the
   * recorded min and max (so q=0 and q=1 are exact). NaN if nothing was recorded.
   */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = q * this.count;
    let below = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const n = this.counts[i]!;
      if (n > 0 && below + n >= rank) {
        const lower = Math.max(i === 0 ? 0 : this.bounds[i - 1]!, this.min);
        const upper = Math.min(i < this.bounds.length ? this.bounds[i]! : this.max, this.max);
        return Math.min(Math.max(lower + ((upper - lower) * (rank - below)) / n, this.min), this.max);
      }
      below += n;
    }
    return this.max;
  }
}

export type Stat = Counter | Gauge | Histogram;
