// Label indexes that keep selection linear in what is selected, not in what exists:
//   LabelIndex      labelled items per namespace (workloads, WorkloadEntries), answering
//                   "which items does this selector match?" from the smallest posting list;
//   SelectorIndex   selectors per namespace (Services, ServiceEntries), answering "which
//                   selectors may match these labels?" — each selector is filed under one of
//                   its key=value pairs, so only selectors sharing a pair are checked.
import { matchLabels } from '../../api/istio/meta.js';

type Labels = Readonly<Record<string, string>>;

function pair(k: string, v: string): string {
  return `${k}\u0000${v}`;
}

interface NamespaceItems<T> {
  items: Map<string, { labels: Labels; item: T }>;
  postings: Map<string, Set<string>>;
}

export class LabelIndex<T> {
  private readonly byNamespace = new Map<string, NamespaceItems<T>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Every item, in no particular order. */
  all(): T[] {
    const out: T[] = [];
    for (const ns of this.byNamespace.values()) for (const e of ns.items.values()) out.push(e.item);
    return out;
  }

  set(namespace: string, name: string, labels: Labels, item: T): void {
    this.delete(namespace, name);
    let ns = this.byNamespace.get(namespace);
    if (!ns) this.byNamespace.set(namespace, (ns = { items: new Map(), postings: new Map() }));
    ns.items.set(name, { labels, item });
    this.count++;
    for (const [k, v] of Object.entries(labels)) {
      const p = pair(k, v);
      let set = ns.postings.get(p);
      if (!set) ns.postings.set(p, (set = new Set()));
      set.add(name);
    }
  }

  delete(namespace: string, name: string): void {
    const ns = this.byNamespace.get(namespace);
    const entry = ns?.items.get(name);
    if (!ns || !entry) return;
    ns.items.delete(name);
    this.count--;
    for (const [k, v] of Object.entries(entry.labels)) {
      const p = pair(k, v);
      const set = ns.postings.get(p);
      set?.delete(name);
      if (set?.size === 0) ns.postings.delete(p);
    }
    if (ns.items.size === 0) this.byNamespace.delete(namespace);
  }

  get(namespace: string, name: string): T | undefined {
    return this.byNamespace.get(namespace)?.items.get(name)?.item;
  }

  /** Items in `namespace` whose labels match `selector` (all of them for an empty selector), sorted by name. */
  select(namespace: string, selector: Labels): T[] {
    const ns = this.byNamespace.get(namespace);
    if (!ns) return [];
    let names: Iterable<string> = ns.items.keys();
    for (const [k, v] of Object.entries(selector)) {
      const set = ns.postings.get(pair(k, v));
      if (!set) return [];
      if (!(names instanceof Set) || set.size < names.size) names = set;
    }
    const out: { name: string; item: T }[] = [];
    for (const name of names) {
      const e = ns.items.get(name)!;
      if (matchLabels(selector, e.labels)) out.push({ name, item: e.item });
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out.map((x) => x.item);
  }
}

export class SelectorIndex {
  /** namespace → pair → keys filed under that pair. */
  private readonly byNamespace = new Map<string, Map<string, Set<string>>>();
  private readonly filed = new Map<string, { namespace: string; pair: string }>();

  /** Files a non-empty selector under `key` (replacing any earlier one). */
  add(namespace: string, key: string, selector: Labels): void {
    this.delete(key);
    const keys = Object.keys(selector).sort();
    if (keys.length === 0) throw new Error(`SelectorIndex: empty selector for ${key}`);
    const p = pair(keys[0]!, selector[keys[0]!]!);
    let ns = this.byNamespace.get(namespace);
    if (!ns) this.byNamespace.set(namespace, (ns = new Map()));
    let set = ns.get(p);
    if (!set) ns.set(p, (set = new Set()));
    set.add(key);
    this.filed.set(key, { namespace, pair: p });
  }

  delete(key: string): void {
    const f = this.filed.get(key);
    if (!f) return;
    this.filed.delete(key);
    const ns = this.byNamespace.get(f.namespace)!;
    const set = ns.get(f.pair)!;
    set.delete(key);
    if (set.size === 0) ns.delete(f.pair);
    if (ns.size === 0) this.byNamespace.delete(f.namespace);
  }

  /** Keys whose selector may match `labels` (a superset: the caller still checks matchLabels). */
  candidates(namespace: string, labels: Labels | undefined, into = new Set<string>()): Set<string> {
    const ns = this.byNamespace.get(namespace);
    if (!ns || !labels) return into;
    for (const [k, v] of Object.entries(labels)) {
      const set = ns.get(pair(k, v));
      if (set) for (const key of set) into.add(key);
    }
    return into;
  }
}
