// MAGLEV, as Envoy builds it (the paper's listing 1 with weights): hosts sorted by hash key;
// each has a permutation of the table slots, offset = xxHash64(key, seed 0) mod M and
// skip = xxHash64(key, seed 1) mod (M − 1) + 1; in rounds, every host whose normalized
// weight has caught up claims its next free slot until all M slots (a prime, default
// 65537) are taken. A request hash h goes to slot h mod M.
import type { Host } from './host.js';
import { byHashKey, mod64, type NormalizedWeights } from './consistent-hash.js';
import type { HostPool } from './pool.js';
import { xxHash64StringInto } from './xxhash64.js';

export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;

export class Maglev implements HostPool {
  readonly hosts: readonly Host[];
  private readonly table: Int32Array;

  constructor(weights: NormalizedWeights, tableSize: number, useHostnameForHashing: boolean) {
    const M = tableSize;
    const sorted = byHashKey(weights.hosts, useHostnameForHashing);
    this.hosts = sorted.map((s) => s.entry.host);
    const n = sorted.length;
    const skip = new Float64Array(n);
    /** Each host's current position in its permutation: offset + skip × next (mod M). */
    const position = new Float64Array(n);
    const weight = Float64Array.from(sorted, (s) => s.entry.weight);
    const target = new Float64Array(n);
    const out = new Uint32Array(2);
    sorted.forEach(({ key }, i) => {
      xxHash64StringInto(out, key, 0, 0);
      position[i] = mod64(out[0]!, out[1]!, M);
      xxHash64StringInto(out, key, 0, 1);
      skip[i] = mod64(out[0]!, out[1]!, M - 1) + 1;
    });
    const table = new Int32Array(M).fill(-1);
    const max = weights.max;
    let filled = 0;
    for (let iteration = 1; filled < M && n > 0; iteration++) {
      for (let i = 0; i < n && filled < M; i++) {
        if (iteration * weight[i]! < target[i]!) continue;
        target[i] += max;
        const step = skip[i]!;
        let c = position[i]!;
        while (table[c]! >= 0) {
          c += step;
          if (c >= M) c -= M;
        }
        table[c] = i;
        c += step;
        position[i] = c >= M ? c - M : c;
        filled++;
      }
    }
    this.table = table;
  }

  get tableSize(): number {
    return this.table.length;
  }

  choose(hi: number, lo: number): Host {
    return this.hosts[this.table[mod64(hi, lo, this.table.length)]!]!;
  }

  /** Walks the table from the hashed slot to the first host not excluded. */
  chooseExcluding(hi: number, lo: number, exclude: ReadonlySet<Host>): Host | undefined {
    const M = this.table.length;
    const start = mod64(hi, lo, M);
    const tried = new Set<number>();
    for (let i = 0; i < M && tried.size < this.hosts.length; i++) {
      const idx = this.table[(start + i) % M]!;
      const h = this.hosts[idx]!;
      if (!exclude.has(h)) return h;
      tried.add(idx);
    }
    return undefined;
  }
}
