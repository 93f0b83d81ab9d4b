// The proxy's startup heap. Loading the proxy allocates ≈ 10 MB of objects that live as
// long as the process (protobuf descriptors, module state). V8 reads their survival as a
// young generation too small for the program and doubles it, up to its maximum: 16 MB of
// semi-spaces that then stay resident while a sidecar idles. So bin/rig pins V8's new-space
// growth factor to 1 before it loads the proxy (`rig proxy` only, and only when no
// semi-space flag was given), and the proxy calls `releaseStartupHeapPin` once it is ready
// to serve: V8's default growth (2) comes back and the request path grows its young
// generation as it needs, so throughput is unchanged. Measured: idle RSS 81 → 68 MB.
//
// Startup also leaves garbage in the old generation (the parsed bootstrap, decoded
// descriptor protos, the compiled top-level code of every module), spread over pages that
// also hold live objects, and an idle proxy runs no full GC to free them: V8's memory
// reducer gets to it only ≈ 8 s later. So once ready, the proxy runs one full GC that
// compacts every page and drops the bytecode of functions not running (they compile again
// if called): ≈ 2 MB less resident, one ≈ 20 ms pause before the first request is likely.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Set by bin/rig when it pinned the growth factor. */
export const STARTUP_PIN_ENV = 'RIG_STARTUP_NEW_SPACE';

/** V8's default --semi-space-growth-factor (Node 20, V8 11.3). */
const V8_DEFAULT_GROWTH_FACTOR = 2;

/**
 * Restores V8's new-space growth if bin/rig pinned it, and schedules the compacting GC of
 * the startup garbage; a no-op otherwise or when called again.
 */
export function releaseStartupHeapPin(): void {
  if (process.env[STARTUP_PIN_ENV] !== 'pinned') return;
  delete process.env[STARTUP_PIN_ENV];
  v8.setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
  // After the caller's turn, when what startup held on its stack is garbage too.
  setImmediate(collectStartupGarbage).unref();
}

/**
 * One full GC that compacts every page and flushes the bytecode of functions not on the
 * stack. Both flags are V8 switches read at each GC and turned off again right after;
 * `--expose-gc` only puts `gc` in contexts created while it is on, so a throwaway one
 * hands it over and the global object stays as it was.
 */
export function collectStartupGarbage(): void {
  const exposed = (globalThis as { gc?: unknown }).gc;
  let gc: unknown = exposed;
  if (typeof gc !== 'function') {
    v8.setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc');
    v8.setFlagsFromString('--no-expose-gc');
  }
  if (typeof gc !== 'function') return;
  v8.setFlagsFromString('--compact-on-every-full-gc');
  v8.setFlagsFromString('--stress-flush-code');
  try {
    (gc as () => void)();
  } finally {
    v8.setFlagsFromString('--no-stress-flush-code');
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
}
