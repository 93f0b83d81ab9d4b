// The sleep sample: a pod that does nothing but stay up, to run curl (or `rig sample load`)
// from with `rig exec`. Exits 0 on SIGTERM.
import { untilAborted, type SampleContext } from '../lib/server.js';

export async function run(ctx: SampleContext): Promise<number> {
  ctx.out('sleep: running until stopped (SIGTERM); run requests from this pod with `rig exec`');
  // A pending timer keeps the process up: an abort listener alone does not.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await untilAborted(ctx.signal);
  clearInterval(keepAlive);
  return 0;
}
