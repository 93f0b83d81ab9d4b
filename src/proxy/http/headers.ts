// HeaderMap: the request/response headers a proxy stream carries, keyed by lower-case
// name, keeping every value (a repeated header stays repeated when forwarded).

export class HeaderMap {
  private readonly map = new Map<string, string[]>();

  /** From the parser's flat [name, value, name, value, …] list. */
  static fromFlat(flat: readonly string[]): HeaderMap {
    const h = new HeaderMap();
    for (let i = 0; i + 1 < flat.length; i += 2) h.add(flat[i]!, flat[i + 1]!);
    return h;
  }

  /** The first value (or all values joined with ", " when `joined`). */
  get(name: string, joined = false): string | undefined {
    const v = this.map.get(name.toLowerCase());
    if (!v) return undefined;
    return joined ? v.join(', ') : v[0];
  }

  getAll(name: string): readonly string[] {
    return this.map.get(name.toLowerCase()) ?? [];
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), [value]);
  }

  add(name: string, value: string): void {
    const k = name.toLowerCase();
    const v = this.map.get(k);
    if (v) v.push(value);
    else this.map.set(k, [value]);
  }

  remove(name: string): void {
    this.map.delete(name.toLowerCase());
  }

  /** Flat [name, value, …] in insertion order (lower-case names). */
  toFlat(): string[] {
    const out: string[] = [];
    for (const [k, vs] of this.map) for (const v of vs) out.push(k, v);
    return out;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const [k, vs] of this.map) for (const v of vs) yield [k, v];
  }

  get size(): number {
    return this.map.size;
  }
}
