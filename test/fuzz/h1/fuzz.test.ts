// The codec's fuzz suite as a fast, deterministic test: every seed-corpus entry (whole, byte by
// byte, random splits, and mutations of it), then 2,000 generated cases with a fixed seed.
// Longer runs: node --import tsx test/fuzz/h1/fuzz.ts --iterations 1000000 [--seed N]
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCorpus } from './corpus.js';
import { checkInput, mutate, Random, runFuzz, type FuzzFailure } from './fuzz.js';
import { bytewise, record, recordOne } from './recorder.js';

const SEED = 0x5eed_4831;
const RANDOM_CASES = 2_000;
const MUTATIONS_PER_ENTRY = 20;

const report = (failures: FuzzFailure[]): string => failures.map((f) => `${f.kind} ${f.what}\n${f.detail}\n${f.input}`).join('\n\n');

describe('h1 seed corpus', () => {
  const entries = loadCorpus();
  test('has the smuggling classics', () => {
    assert.ok(entries.length >= 40);
    for (const name of ['cl-te.http', 'te-cl.http', 'te-te-xchunked.http', 'te-chunked-identity.http', 'te-tab-prefixed.http']) {
      assert.ok(
        entries.some((e) => e.name === name),
        name,
      );
    }
  });
  for (const e of entries) {
    test(`${e.name}: ${e.why}`, () => {
      const whole = recordOne(e.kind, e.input, e.options);
      const byByte = record(e.kind, bytewise(e.input), e.options);
      for (const [how, rec] of [
        ['whole', whole],
        ['byte by byte', byByte],
      ] as const) {
        switch (e.expect.type) {
          case 'error':
            assert.equal(rec.error?.code, e.expect.code, `${how}: ${rec.error?.message ?? 'no error'}`);
            assert.equal(rec.error?.status, e.expect.status, how);
            break;
          case 'messages':
            assert.equal(rec.error, undefined, `${how}: ${rec.error?.message ?? ''}`);
            assert.equal(rec.messages.filter((m) => m.complete).length, e.expect.count, how);
            break;
          case 'upgrade':
            assert.equal(rec.error, undefined, how);
            assert.notEqual(rec.upgrade, undefined, how);
            break;
        }
      }
      const r = new Random(SEED ^ e.input.length);
      const failures = checkInput(r, e.kind, e.input, e.options);
      for (let i = 0; i < MUTATIONS_PER_ENTRY; i++) failures.push(...checkInput(r, e.kind, mutate(r, e.input), e.options));
      assert.equal(failures.length, 0, report(failures));
    });
  }
});

describe('h1 fuzz', () => {
  test(`${RANDOM_CASES} generated and mutated cases, seed ${SEED}`, () => {
    const { failures, stats } = runFuzz(SEED, RANDOM_CASES);
    assert.equal(failures.length, 0, report(failures));
    assert.equal(stats.cases, RANDOM_CASES);
    // the mutators must reach both outcomes, or the run proves little
    assert.ok(stats.mutatedRejected > stats.mutated / 10, JSON.stringify(stats));
    assert.ok(stats.mutatedRejected < stats.mutated, JSON.stringify(stats));
  });
});
