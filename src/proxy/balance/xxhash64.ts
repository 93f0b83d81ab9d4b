// xxHash64 (the hash Envoy uses for ring hash points, maglev permutations and request hash
// policies) on 32-bit halves so the per-request path allocates nothing but the result, and
// MurmurHash2-64 (libstdc++'s _Hash_bytes, Envoy's ring_hash MURMUR_HASH_2) on BigInt for
// the slow path. Both produce Envoy's values for the same bytes.

const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// 64-bit registers: every helper leaves its result in (rh, rl).
let rh = 0;
let rl = 0;

function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  rh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** Rotate left by r in 1..31. */
function rotl(h: number, l: number, r: number): void {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** acc = rotl(acc + input * P2, 31) * P1 */
function round(acch: number, accl: number, inh: number, inl: number): void {
  mul(inh, inl, P2H, P2L);
  add(acch, accl, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/** acc = (acc ^ round(0, val)) * P1 + P4 */
function mergeRound(acch: number, accl: number, vh: number, vl: number): void {
  round(0, 0, vh, vl);
  const xh = (acch ^ rh) >>> 0, xl = (accl ^ rl) >>> 0;
  mul(xh, xl, P1H, P1L);
  add(rh, rl, P4H, P4L);
}

function le32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** xxHash64 of b[0..len) with a 64-bit seed; the result is in `out` as [high32, low32]. */
export function xxHash64Into(out: Uint32Array, b: Uint8Array, len: number, seedHi = 0, seedLo = 0): void {
  let i = 0;
  let hh: number, hl: number;
  if (len >= 32) {
    add(seedHi, seedLo, P1H, P1L);
    add(rh, rl, P2H, P2L);
    let v1h = rh, v1l = rl;
    add(seedHi, seedLo, P2H, P2L);
    let v2h = rh, v2l = rl;
    let v3h = seedHi, v3l = seedLo;
    // seed - P1 == seed + (2^64 - P1)
    add(seedHi, seedLo, 0x61c8864e, 0x7a143579);
    let v4h = rh, v4l = rl;
    const limit = len - 32;
    while (i <= limit) {
      round(v1h, v1l, le32(b, i + 4), le32(b, i));
      v1h = rh; v1l = rl;
      round(v2h, v2l, le32(b, i + 12), le32(b, i + 8));
      v2h = rh; v2l = rl;
      round(v3h, v3l, le32(b, i + 20), le32(b, i + 16));
      v3h = rh; v3l = rl;
      round(v4h, v4l, le32(b, i + 28), le32(b, i + 24));
      v4h = rh; v4l = rl;
      i += 32;
    }
    rotl(v1h, v1l, 1);
    let ah = rh, al = rl;
    rotl(v2h, v2l, 7);
    add(ah, al, rh, rl);
    ah = rh; al = rl;
    rotl(v3h, v3l, 12);
    add(ah, al, rh, rl);
    ah = rh; al = rl;
    rotl(v4h, v4l, 18);
    add(ah, al, rh, rl);
    mergeRound(rh, rl, v1h, v1l);
    mergeRound(rh, rl, v2h, v2l);
    mergeRound(rh, rl, v3h, v3l);
    mergeRound(rh, rl, v4h, v4l);
    hh = rh; hl = rl;
  } else {
    add(seedHi, seedLo, P5H, P5L);
    hh = rh; hl = rl;
  }
  // h += len (len < 2^32)
  add(hh, hl, 0, len);
  hh = rh; hl = rl;
  while (i + 8 <= len) {
    round(0, 0, le32(b, i + 4), le32(b, i));
    hh ^= rh; hl ^= rl;
    rotl(hh >>> 0, hl >>> 0, 27);
    mul(rh, rl, P1H, P1L);
    add(rh, rl, P4H, P4L);
    hh = rh; hl = rl;
    i += 8;
  }
  if (i + 4 <= len) {
    mul(0, le32(b, i), P1H, P1L);
    hh = (hh ^ rh) >>> 0; hl = (hl ^ rl) >>> 0;
    rotl(hh, hl, 23);
    mul(rh, rl, P2H, P2L);
    add(rh, rl, P3H, P3L);
    hh = rh; hl = rl;
    i += 4;
  }
  while (i < len) {
    mul(0, b[i]!, P5H, P5L);
    hh = (hh ^ rh) >>> 0; hl = (hl ^ rl) >>> 0;
    rotl(hh, hl, 11);
    mul(rh, rl, P1H, P1L);
    hh = rh; hl = rl;
    i++;
  }
  // avalanche
  hl = (hl ^ (hh >>> 1)) >>> 0; // h ^= h >> 33
  mul(hh, hl, P2H, P2L);
  hh = rh; hl = (rl ^ ((rl >>> 29) | (rh << 3))) >>> 0; // h ^= h >> 29
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L);
  out[0] = rh;
  out[1] = (rl ^ rh) >>> 0; // h ^= h >> 32
}

let scratch = new Uint8Array(256);
const encoder = new TextEncoder();

/** UTF-8 bytes of s in a shared scratch buffer; returns the length. */
function encode(s: string): number {
  const n = s.length;
  if (scratch.length < n * 3) scratch = new Uint8Array(Math.max(n * 3, scratch.length * 2));
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(s, scratch).written;
    scratch[i] = c;
  }
  return n;
}

/** xxHash64 of the UTF-8 bytes of s into `out` as [high32, low32]. */
export function xxHash64StringInto(out: Uint32Array, s: string, seedHi = 0, seedLo = 0): void {
  const n = encode(s);
  xxHash64Into(out, scratch, n, seedHi, seedLo);
}

const tmp = new Uint32Array(2);

export function toBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** xxHash64 of a string (UTF-8) or bytes, as Envoy's HashUtil::xxHash64(input, seed). */
export function xxHash64(input: string | Uint8Array, seed = 0n): bigint {
  const sh = Number((seed >> 32n) & 0xffffffffn), sl = Number(seed & 0xffffffffn);
  if (typeof input === 'string') xxHash64StringInto(tmp, input, sh, sl);
  else xxHash64Into(tmp, input, input.length, sh, sl);
  return toBigInt(tmp[0]!, tmp[1]!);
}

const M64 = 0xffffffffffffffffn;
const MURMUR_MUL = 0xc6a4a7935bd1e995n;
/** Envoy's MurmurHash::STD_HASH_SEED. */
export const MURMUR_STD_SEED = 0xc70f6907n;

function shiftMix(v: bigint): bigint {
  return v ^ (v >> 47n);
}

/** MurmurHash2 64-bit as libstdc++'s std::hash / Envoy's MurmurHash::murmurHash2 (slow path only). */
export function murmurHash2(input: string | Uint8Array, seed = MURMUR_STD_SEED): bigint {
  const b = typeof input === 'string' ? encoder.encode(input) : input;
  const len = b.length;
  const aligned = len & ~7;
  let hash = (seed ^ ((BigInt(len) * MURMUR_MUL) & M64)) & M64;
  for (let p = 0; p < aligned; p += 8) {
    const word = (BigInt(le32(b, p + 4)) << 32n) | BigInt(le32(b, p));
    const data = (shiftMix((word * MURMUR_MUL) & M64) * MURMUR_MUL) & M64;
    hash = ((hash ^ data) * MURMUR_MUL) & M64;
  }
  if ((len & 7) !== 0) {
    let data = 0n;
    for (let k = len - 1; k >= aligned; k--) data = (data << 8n) | BigInt(b[k]!);
    hash = ((hash ^ data) * MURMUR_MUL) & M64;
  }
  hash = (shiftMix(hash) * MURMUR_MUL) & M64;
  return shiftMix(hash);
}
