// RING_HASH (ketama), as Envoy builds it: the ring holds ceil(scale) points where scale
// makes the lightest host get at least ceil(min_weight × minimum_ring_size) points, capped at
// maximum_ring_size; each host contributes points while a running target (scale × its
// normalized weight) is ahead. Point i of a host is xxHash64("<address>:<port>_<i>") (or
// MurmurHash2 with hash_function MURMUR_HASH_2). A request hash h goes to the first point
// ≥ h, wrapping to the start. Removing a host moves only the keys that hashed to its points.
import type { Host } from './host.js';
import { byHashKey, type NormalizedWeights } from './consistent-hash.js';
import type { HostPool } from './pool.js';
import { murmurHash2, xxHash64StringInto } from './xxhash64.js';

export interface RingHashOptions {
  minimumRingSize: number;
  maximumRingSize: number;
  hashFunction: 'XX_HASH' | 'MURMUR_HASH_2';
  useHostnameForHashing: boolean;
}

export const DEFAULT_MIN_RING_SIZE = 1024;
export const DEFAULT_MAX_RING_SIZE = 8 * 1024 * 1024;

export class RingHash implements HostPool {
  readonly hosts: readonly Host[];
  /** Point hashes (high and low 32 bits) in ascending order, and the host index of each point. */
  private readonly pointHi: Uint32Array;
  private readonly pointLo: Uint32Array;
  private readonly pointHost: Uint32Array;

  constructor(weights: NormalizedWeights, opts: RingHashOptions) {
    const sorted = byHashKey(weights.hosts, opts.useHostnameForHashing);
    this.hosts = sorted.map((s) => s.entry.host);
    const scale = Math.min(Math.ceil(weights.min * opts.minimumRingSize) / weights.min, opts.maximumRingSize);
    const capacity = Math.ceil(scale) + sorted.length;
    const his = new Uint32Array(capacity);
    const los = new Uint32Array(capacity);
    const owners = new Uint32Array(capacity);
    const out = new Uint32Array(2);
    let n = 0;
    let current = 0;
    let target = 0;
    sorted.forEach(({ entry, key }, hostIndex) => {
      target += scale * entry.weight;
      for (let i = 0; current < target && n < capacity; i++, current++, n++) {
        const pointKey = `${key}_${i}`;
        if (opts.hashFunction === 'MURMUR_HASH_2') {
          const h = murmurHash2(pointKey);
          out[0] = Number(h >> 32n);
          out[1] = Number(h & 0xffffffffn);
        } else {
          xxHash64StringInto(out, pointKey);
        }
        his[n] = out[0]!;
        los[n] = out[1]!;
        owners[n] = hostIndex;
      }
    });
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => his[a]! - his[b]! || los[a]! - los[b]! || owners[a]! - owners[b]!);
    this.pointHi = Uint32Array.from(order, (i) => his[i]!);
    this.pointLo = Uint32Array.from(order, (i) => los[i]!);
    this.pointHost = Uint32Array.from(order, (i) => owners[i]!);
  }

  get size(): number {
    return this.pointHi.length;
  }

  /** Index of the first point ≥ (hi, lo), 0 past the end. */
  private find(hi: number, lo: number): number {
    const ph = this.pointHi, pl = this.pointLo;
    let a = 0;
    let b = ph.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      const mh = ph[m]!;
      if (mh < hi || (mh === hi && pl[m]! < lo)) a = m + 1;
      else b = m;
    }
    return a === ph.length ? 0 : a;
  }

  choose(hi: number, lo: number): Host {
    return this.hosts[this.pointHost[this.find(hi, lo)]!]!;
  }

  /** Walks the ring from the hashed point to the first host not excluded. */
  chooseExcluding(hi: number, lo: number, exclude: ReadonlySet<Host>): Host | undefined {
    const n = this.pointHost.length;
    const start = this.find(hi, lo);
    for (let i = 0; i < n; i++) {
      const h = this.hosts[this.pointHost[(start + i) % n]!]!;
      if (!exclude.has(h)) return h;
    }
    return undefined;
  }
}
