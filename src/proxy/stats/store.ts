// The stats store: every counter, gauge and histogram of the proxy by flat Envoy name, and
// scopes that create them under a prefix (`cluster.<name>.`) with the prefix's tag known.
// Creating a stat is the slow path (a map lookup, tag extraction); callers keep the handle
// and the hot path only touches its fields.
//
// Two scopes with the same prefix share their stats (a cluster updated by CDS keeps its
// counters); a stat is dropped when the last scope holding it is released.
import { Counter, Gauge, Histogram, type HistogramUnit, type Stat } from './metrics.js';
import { extractTags, type FixedTag, type Tag } from './tags.js';

export class StatsStore {
  private readonly stats = new Map<string, Stat>();
  private sorted: Stat[] | undefined;
  private readonly collectors = new Set<() => void>();
  private readonly namespaces = new Set<string>();
  /** The unprefixed scope; never released. */
  readonly root: StatsScope;

  constructor() {
    this.root = new StatsScope(this, '', []);
  }

  counter(name: string): Counter {
    return this.root.counter(name);
  }

  gauge(name: string): Gauge {
    return this.root.gauge(name);
  }

  histogram(name: string, unit?: HistogramUnit, bounds?: readonly number[]): Histogram {
    return this.root.histogram(name, unit, bounds);
  }

  /** A scope under `segment.`; with `tagName`, the segment is that tag's value (`cluster` → name). */
  scope(segment: string, tagName?: string): StatsScope {
    return this.root.scope(segment, tagName);
  }

  /**
   * A counter named by its tags, as Envoy's `counterFromStatNames` does for extensions that
   * tag their own stats (Istio's): `<extractedName>.<tag>.<value>...`, no regex extraction.
   */
  taggedCounter(extractedName: string, tags: readonly Tag[]): Counter {
    const name = taggedName(extractedName, tags);
    return this.obtain(name, () => new Counter(name, extractedName, tags), Counter);
  }

  taggedHistogram(extractedName: string, tags: readonly Tag[], unit?: HistogramUnit, bounds?: readonly number[]): Histogram {
    const name = taggedName(extractedName, tags);
    return this.obtain(name, () => new Histogram(name, extractedName, tags, unit, bounds), Histogram);
  }

  /**
   * Names under `<ns>.` belong to an extension's own namespace: Prometheus shows them
   * without the namespace and without `envoy_` (Envoy's custom stat namespaces).
   */
  registerCustomNamespace(ns: string): void {
    this.namespaces.add(ns);
  }

  get customNamespaces(): ReadonlySet<string> {
    return this.namespaces;
  }

  /** Runs before each snapshot, to refresh gauges read on demand (uptime, memory). */
  addCollector(fn: () => void): () => void {
    this.collectors.add(fn);
    return () => this.collectors.delete(fn);
  }

  /** Every stat, sorted by name, after running the collectors. */
  snapshot(): readonly Stat[] {
    for (const fn of this.collectors) fn();
    return (this.sorted ??= [...this.stats.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  }

  get(name: string): Stat | undefined {
    return this.stats.get(name);
  }

  get size(): number {
    return this.stats.size;
  }

  /** @internal Finds or creates a stat, adding a reference. A name of another kind is a bug. */
  obtain<S extends Stat>(name: string, make: () => S, kind: abstract new (...args: never[]) => S): S {
    const existing = this.stats.get(name);
    if (existing) {
      if (!(existing instanceof kind)) throw new Error(`stat ${name} is a ${existing.kind}, not a ${kind.name.toLowerCase()}`);
      existing.refs++;
      return existing;
    }
    const stat = make();
    stat.refs = 1;
    this.stats.set(name, stat);
    this.sorted = undefined;
    return stat;
  }

  /** @internal Drops a reference; the stat goes with the last. */
  release(stat: Stat): void {
    if (--stat.refs > 0 || this.stats.get(stat.name) !== stat) return;
    this.stats.delete(stat.name);
    this.sorted = undefined;
  }
}

export class StatsScope {
  private readonly held: Stat[] = [];
  private readonly children: StatsScope[] = [];

  /** @internal Use StatsStore.scope / StatsScope.scope. */
  constructor(
    private readonly store: StatsStore,
    /** `cluster.outbound|80||a.default.svc.cluster.local.`, or '' for the root. */
    readonly prefix: string,
    private readonly fixed: readonly FixedTag[],
  ) {}

  counter(stem: string): Counter {
    const name = this.prefix + stem;
    return this.hold(this.store.obtain(name, () => this.make(Counter, name), Counter));
  }

  gauge(stem: string): Gauge {
    const name = this.prefix + stem;
    return this.hold(this.store.obtain(name, () => this.make(Gauge, name), Gauge));
  }

  histogram(stem: string, unit?: HistogramUnit, bounds?: readonly number[]): Histogram {
    const name = this.prefix + stem;
    return this.hold(
      this.store.obtain(
        name,
        () => {
          const { tagExtractedName, tags } = extractTags(name, this.fixed);
          return new Histogram(name, tagExtractedName, tags, unit, bounds);
        },
        Histogram,
      ),
    );
  }

  /** A child scope under `segment.`; with `tagName`, `segment` is that tag's value. */
  scope(segment: string, tagName?: string): StatsScope {
    const start = this.prefix.length;
    const fixed = tagName === undefined ? this.fixed : [...this.fixed, { name: tagName, value: segment, start, end: start + segment.length + 1 }];
    const child = new StatsScope(this.store, `${this.prefix}${segment}.`, fixed);
    this.children.push(child);
    return child;
  }

  /** Lets go of every stat obtained through this scope and its children. */
  release(): void {
    for (const child of this.children.splice(0)) child.release();
    for (const stat of this.held.splice(0)) this.store.release(stat);
  }

  private make<S extends Counter | Gauge>(kind: new (name: string, tagExtractedName: string, tags: readonly Tag[]) => S, name: string): S {
    const { tagExtractedName, tags } = extractTags(name, this.fixed);
    return new kind(name, tagExtractedName, tags);
  }

  private hold<S extends Stat>(stat: S): S {
    if (this.prefix !== '') this.held.push(stat);
    return stat;
  }
}

function taggedName(extractedName: string, tags: readonly Tag[]): string {
  let name = extractedName;
  for (const t of tags) name += `.${t.name}.${t.value}`;
  return name;
}
