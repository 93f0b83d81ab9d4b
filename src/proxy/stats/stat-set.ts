// Building a named set of stats in one scope: the property is the Envoy stat name, so
// `stats.upstream_rq_total.inc()` reads like Envoy's source and greps like its docs.
// Every set of one kind is built in the same order, so all share one object shape.
import type { Counter, Gauge, Histogram, HistogramUnit } from './metrics.js';
import type { StatsScope } from './store.js';

export type CounterSet<K extends string> = { readonly [P in K]: Counter };
export type GaugeSet<K extends string> = { readonly [P in K]: Gauge };
export type HistogramSet<K extends string> = { readonly [P in K]: Histogram };

export function counterSet<const K extends string>(scope: StatsScope, names: readonly K[]): CounterSet<K> {
  const out = {} as Record<K, Counter>;
  for (const n of names) out[n] = scope.counter(n);
  return out;
}

export function gaugeSet<const K extends string>(scope: StatsScope, names: readonly K[]): GaugeSet<K> {
  const out = {} as Record<K, Gauge>;
  for (const n of names) out[n] = scope.gauge(n);
  return out;
}

export function histogramSet<const K extends string>(scope: StatsScope, names: readonly K[], unit: HistogramUnit): HistogramSet<K> {
  const out = {} as Record<K, Histogram>;
  for (const n of names) out[n] = scope.histogram(n, unit);
  return out;
}

/** Counters for response codes, made on first use and then found by index. */
export class ResponseCodeCounters {
  private readonly byClass: (Counter | undefined)[] = new Array<Counter | undefined>(6).fill(undefined);
  private readonly byCode: (Counter | undefined)[] = new Array<Counter | undefined>(600).fill(undefined);

  /** `<prefix>_<n>xx` and `<prefix>_<code>`, e.g. prefix `upstream_rq`. */
  constructor(
    private readonly scope: StatsScope,
    private readonly prefix: string,
  ) {}

  /** The class counter (`upstream_rq_2xx`), undefined outside 1xx..5xx. */
  forClass(code: number): Counter | undefined {
    const cls = (code / 100) | 0;
    if (cls < 1 || cls > 5) return undefined;
    return (this.byClass[cls] ??= this.scope.counter(`${this.prefix}_${cls}xx`));
  }

  /** The code counter (`upstream_rq_503`), undefined outside 100..599. */
  forCode(code: number): Counter | undefined {
    if (!(code >= 100 && code <= 599) || code !== (code | 0)) return undefined;
    return (this.byCode[code] ??= this.scope.counter(`${this.prefix}_${code}`));
  }
}
