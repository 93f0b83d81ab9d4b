import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../shared/clock.js';
import { murmurHash2, xxHash64 } from './xxhash64.js';

test("xxHash64 matches Envoy's HashUtil::xxHash64 test vectors", () => {
  assert.equal(xxHash64('foo'), 3728699739546630719n);
  assert.equal(xxHash64('bar'), 5234164152756840025n);
  assert.equal(xxHash64('foo\nbar'), 8917841378505826757n);
  assert.equal(xxHash64('lyft'), 4400747396090729504n);
  assert.equal(xxHash64(''), 17241709254077376921n);
  // Envoy's list form: each value's hash seeds the next.
  assert.equal(xxHash64('bar', xxHash64('foo')), 17745830980996999794n);
});

test("MurmurHash2 matches Envoy's MurmurHash::murmurHash2 test vectors", () => {
  assert.equal(murmurHash2('foo'), 9631199822919835226n);
  assert.equal(murmurHash2('bar'), 11474628671133349555n);
  assert.equal(murmurHash2('foo\nbar'), 16306510975912980159n);
  assert.equal(murmurHash2('lyft'), 12847078931730529320n);
  assert.equal(murmurHash2(''), 6142509188972423790n);
});

// A direct BigInt transcription of the xxHash64 specification, to check the 32-bit-halves
// implementation on every input length path (< 4, < 8, < 32, ≥ 32 bytes) and on seeds.
const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n, P2 = 0xc2b2ae3d27d4eb4fn, P3 = 0x165667b19e3779f9n, P4 = 0x85ebca77c2b2ae63n, P5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const rd64 = (b: Uint8Array, i: number) => { let v = 0n; for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]!); return v; };
const rd32 = (b: Uint8Array, i: number) => { let v = 0n; for (let k = 3; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]!); return v; };
const round = (acc: bigint, input: bigint) => (rotl((acc + input * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, v: bigint) => (((acc ^ round(0n, v)) * P1) + P4) & M;
function reference(b: Uint8Array, seed: bigint): bigint {
  let i = 0;
  let h: bigint;
  if (b.length >= 32) {
    let v1 = (seed + P1 + P2) & M, v2 = (seed + P2) & M, v3 = seed, v4 = (seed - P1) & M;
    for (; i + 32 <= b.length; i += 32) {
      v1 = round(v1, rd64(b, i)); v2 = round(v2, rd64(b, i + 8)); v3 = round(v3, rd64(b, i + 16)); v4 = round(v4, rd64(b, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = (seed + P5) & M;
  }
  h = (h + BigInt(b.length)) & M;
  for (; i + 8 <= b.length; i += 8) h = ((rotl(h ^ round(0n, rd64(b, i)), 27n) * P1) + P4) & M;
  if (i + 4 <= b.length) { h = ((rotl(h ^ ((rd32(b, i) * P1) & M), 23n) * P2) + P3) & M; i += 4; }
  for (; i < b.length; i++) h = (rotl(h ^ ((BigInt(b[i]!) * P5) & M), 11n) * P1) & M;
  h ^= h >> 33n; h = (h * P2) & M; h ^= h >> 29n; h = (h * P3) & M; h ^= h >> 32n;
  return h;
}

test('xxHash64 agrees with the specification on lengths 0..130 and random seeds', () => {
  const r = seededRandom(7);
  for (let len = 0; len <= 130; len++) {
    const b = Uint8Array.from({ length: len }, () => Math.floor(r.next() * 256));
    const seed = (BigInt(Math.floor(r.next() * 2 ** 32)) << 32n) | BigInt(Math.floor(r.next() * 2 ** 32));
    assert.equal(xxHash64(b), reference(b, 0n), `len ${len}`);
    assert.equal(xxHash64(b, seed), reference(b, seed), `len ${len} seed ${seed}`);
  }
});

test('strings hash as their UTF-8 bytes', () => {
  for (const s of ['10.0.0.1:8080_0', 'é', 'x'.repeat(300) + '日本', '']) assert.equal(xxHash64(s), xxHash64(new TextEncoder().encode(s)));
});
