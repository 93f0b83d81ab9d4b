// The proxy's own memory figures through bench/memory-probe.mjs (preloaded with --import):
// SIGUSR2 makes it print `rig-bench-memory {…process.memoryUsage()…}`; this sends the signal
// and parses the line.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sleep, type Child } from './procs.js';

/** node arguments that preload the probe. */
export const MEMORY_PROBE_ARGS = ['--import', pathToFileURL(join(import.meta.dirname, '..', 'memory-probe.mjs')).href];

export interface NodeMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

const LINE = /^rig-bench-memory (\{.*\})$/gm;

/** The last `rig-bench-memory {…}` line of out, or undefined if there is none. */
export function parseMemoryProbe(out: string): NodeMemory | undefined {
  let last: string | undefined;
  for (const m of out.matchAll(LINE)) last = m[1];
  if (last === undefined) return undefined;
  const v = JSON.parse(last) as Partial<NodeMemory>;
  for (const k of ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const) {
    if (typeof v[k] !== 'number') throw new Error(`rig-bench-memory line without a numeric ${k}: ${last}`);
  }
  return v as NodeMemory;
}

/** Signals the child and waits (≤ 5 s) for the probe's line. */
export async function readMemoryProbe(child: Child): Promise<NodeMemory> {
  const before = child.out.length;
  child.proc.kill('SIGUSR2');
  const deadline = Date.now() + 5000;
  for (;;) {
    // (child.out keeps only its last 20,000 characters; the line is new, so it is near the end.)
    const got = parseMemoryProbe(child.out.slice(Math.max(0, Math.min(before, child.out.length - 2000))));
    if (got) return got;
    if (!child.running) throw new Error(`${child.name} exited before printing its memory:\n${child.out}`);
    if (Date.now() > deadline) throw new Error(`${child.name} printed no rig-bench-memory line within 5 s of SIGUSR2 (was it started with ${MEMORY_PROBE_ARGS.join(' ')}?):\n${child.out.slice(-2000)}`);
    await sleep(20);
  }
}
