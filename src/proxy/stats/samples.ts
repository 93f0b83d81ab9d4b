// A stats snapshot as plain samples, for another process: `rig proxy --concurrency N`
// workers report them, and the admin API sums them by name (histograms bucket by bucket).
import type { HistogramUnit, Stat } from './metrics.js';

/** One stat as a plain object: a counter's or gauge's value, or a histogram's buckets (summed across workers by the admin API). */
export type StatSample =
  | { name: string; kind: 'counter' | 'gauge'; value: number }
  | { name: string; kind: 'histogram'; unit: HistogramUnit; bounds: number[]; counts: number[]; count: number; sum: number; min: number; max: number };

/** A stats snapshot as samples: every counter and gauge, and the histograms that recorded something. */
export function statSamples(stats: readonly Stat[]): StatSample[] {
  const out: StatSample[] = [];
  for (const s of stats) {
    if (s.kind !== 'histogram') out.push({ name: s.name, kind: s.kind, value: s.value });
    else if (s.used) out.push({ name: s.name, kind: 'histogram', unit: s.unit, bounds: [...s.bounds], counts: [...s.counts], count: s.count, sum: s.sum, min: s.min, max: s.max });
  }
  return out;
}

