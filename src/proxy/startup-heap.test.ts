// The startup heap: the pin bin/rig sets is released once, and the GC that follows frees
// garbage and leaves the process as it found it (no `gc` global, no V8 switch left on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { STARTUP_PIN_ENV, collectStartupGarbage, releaseStartupHeapPin } from './startup-heap.js';

test('collectStartupGarbage frees what is no longer referenced and exposes no gc function', () => {
  let junk: { i: number; s: string }[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `item ${i}` }));
  const before = v8.getHeapStatistics().used_heap_size;
  assert.equal(junk.length, 200_000);
  junk = undefined;
  collectStartupGarbage();
  const after = v8.getHeapStatistics().used_heap_size;
  assert.ok(after < before - 5 * 1024 * 1024, `heap used ${before} → ${after}: the garbage was not collected`);
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
  assert.equal(runInNewContext('typeof gc'), 'undefined', '--expose-gc was left on for new contexts');
});

test('releaseStartupHeapPin acts only when bin/rig pinned the heap, and only once', () => {
  delete process.env[STARTUP_PIN_ENV];
  releaseStartupHeapPin();
  assert.equal(process.env[STARTUP_PIN_ENV], undefined);
  process.env[STARTUP_PIN_ENV] = 'pinned';
  releaseStartupHeapPin();
  assert.equal(process.env[STARTUP_PIN_ENV], undefined, 'the pin is released');
  releaseStartupHeapPin();
  assert.equal(process.env[STARTUP_PIN_ENV], undefined);
});
