// The proxy's startup heap. Loading the proxy allocates ≈ 10 MB of objects that live as
// long as the process (protobuf descriptors, module state). V8 reads their survival as a
// young generation too small for the program and doubles it, up to its maximum: 16 MB of
// semi-spaces that then stay resident while a sidecar idles. So bin/rig pins V8's new-space
// growth factor to 1 before it loads the proxy (`rig proxy` only, and only when no
// semi-space flag was given), and the proxy calls `releaseStartupHeapPin` once it is ready
// to serve: V8's default growth (2) comes back and the request path grows its young
// generation as it needs, so throughput is unchanged. Measured: idle RSS 81 → 68 MB.
import v8 from 'node:v8';

/** Set by bin/rig when it pinned the growth factor. */
export const STARTUP_PIN_ENV = 'RIG_STARTUP_NEW_SPACE';

/** V8's default --semi-space-growth-factor (Node 20, V8 11.3). */
const V8_DEFAULT_GROWTH_FACTOR = 2;

/** Restores V8's new-space growth if bin/rig pinned it; a no-op otherwise or when called again. */
export function releaseStartupHeapPin(): void {
  if (process.env[STARTUP_PIN_ENV] !== 'pinned') return;
  delete process.env[STARTUP_PIN_ENV];
  v8.setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
}
