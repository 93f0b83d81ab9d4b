// HeaderMap: the request/response headers a proxy stream carries, with lower-case names,
// keeping every value (a repeated header stays repeated when forwarded) in arrival order.
// Stored flat ([name, value, name, value, …]) and searched linearly: a message has a
// handful of fields, and a scan of a few strings is cheaper than hashing each new name.
//
// A map knows whether everything in it can go on the wire: fields from the HTTP/1.1 parser
// were validated byte by byte, and set/add/fromFlat check what they are given (a token name,
// a value without CR, LF, NUL or a char above 0xFF). `invalid` says what was wrong, so a
// serializer only re-checks a map that says so.
import { isFieldValue, isToken } from './h1/chars.js';
import { isHopByHop, nominatedFields } from './h1/headers.js';

/** Why `name: value` cannot be sent on HTTP/1.1, or undefined when it can. */
export function fieldProblem(name: string, value: string): string | undefined {
  if (!isToken(name)) return `invalid field name ${JSON.stringify(name)}`;
  if (!isFieldValue(value)) return `invalid value for ${name}`;
  return undefined;
}

/**
 * Whether a lower-case field name is not forwarded by a proxy: the hop-by-hop fields, and
 * Content-Length, which the sender of the next hop sets from its own framing.
 */
function notForwarded(name: string): boolean {
  return isHopByHop(name) || name === 'content-length';
}

export class HeaderMap {
  private f: string[] = [];
  /** Why something put in by set/add/fromFlat cannot be sent on HTTP/1.1 (the first problem); undefined when all is valid. */
  invalid: string | undefined = undefined;

  /** From a flat [name, value, name, value, …] list of another source (names of any case); every field is checked. */
  static fromFlat(flat: readonly string[]): HeaderMap {
    const h = new HeaderMap();
    for (let i = 0; i + 1 < flat.length; i += 2) h.add(flat[i]!, flat[i + 1]!);
    return h;
  }

  /**
   * From the fields of a head the HTTP/1.1 parser validated (raw-cased names), as a proxy
   * forwards them: without hop-by-hop fields, without those the Connection value
   * (`head.known.connection`) nominates (except Content-Length and Host), and without
   * Content-Length / Transfer-Encoding, which the next hop's framing replaces.
   */
  static fromH1(flat: readonly string[], connection: string | undefined): HeaderMap {
    const h = new HeaderMap();
    const f = h.f;
    const nominated = nominatedFields(connection);
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = flat[i]!.toLowerCase();
      if (notForwarded(name) || (nominated !== undefined && nominated.has(name))) continue;
      f.push(name, flat[i + 1]!);
    }
    return h;
  }

  private check(name: string, value: string): void {
    if (this.invalid === undefined) this.invalid = fieldProblem(name, value);
  }

  /** The first value (or all values joined with ", " when `joined`). */
  get(name: string, joined = false): string | undefined {
    const n = name.toLowerCase();
    const f = this.f;
    let out: string | undefined;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] !== n) continue;
      if (!joined) return f[i + 1];
      out = out === undefined ? f[i + 1] : `${out}, ${f[i + 1]!}`;
    }
    return out;
  }

  getAll(name: string): readonly string[] {
    const n = name.toLowerCase();
    const f = this.f;
    const out: string[] = [];
    for (let i = 0; i < f.length; i += 2) if (f[i] === n) out.push(f[i + 1]!);
    return out;
  }

  has(name: string): boolean {
    const n = name.toLowerCase();
    const f = this.f;
    for (let i = 0; i < f.length; i += 2) if (f[i] === n) return true;
    return false;
  }

  /** Replaces every value of `name` with `value` (in the place of the first one, else at the end). */
  set(name: string, value: string): void {
    const n = name.toLowerCase();
    this.check(n, value);
    const f = this.f;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] !== n) continue;
      f[i + 1] = value;
      for (let j = i + 2; j < f.length; j += 2) {
        if (f[j] === n) {
          this.removeFrom(n, j);
          break;
        }
      }
      return;
    }
    f.push(n, value);
  }

  add(name: string, value: string): void {
    const n = name.toLowerCase();
    this.check(n, value);
    this.f.push(n, value);
  }

  remove(name: string): void {
    const n = name.toLowerCase();
    const f = this.f;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === n) {
        this.removeFrom(n, i);
        return;
      }
    }
  }

  /** Drops every field named `n` from index `start` (a field named `n`) on. */
  private removeFrom(n: string, start: number): void {
    const f = this.f;
    let w = start;
    for (let r = start; r < f.length; r += 2) {
      if (f[r] === n) continue;
      f[w] = f[r]!;
      f[w + 1] = f[r + 1]!;
      w += 2;
    }
    f.length = w;
  }

  /** Flat [name, value, …] in order (lower-case names); a copy. */
  toFlat(): string[] {
    return this.f.slice();
  }

  *entries(): IterableIterator<[string, string]> {
    const f = this.f;
    for (let i = 0; i < f.length; i += 2) yield [f[i]!, f[i + 1]!];
  }

  /** Number of distinct names. */
  get size(): number {
    const names = new Set<string>();
    for (let i = 0; i < this.f.length; i += 2) names.add(this.f[i]!);
    return names.size;
  }
}
