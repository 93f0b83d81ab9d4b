// Waiting in end-to-end tests: poll until a condition yields a value, and find the
// processes a test's mesh started (by the RIG_HOME in their environment).
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Calls `fn` every `everyMs` until it returns something other than undefined, and returns
 * that. An error thrown by `fn` counts as "not yet"; on timeout the last one is reported,
 * with `detail()` (e.g. a process's stderr) when given.
 */
export async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 10_000, everyMs = 100, detail?: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}${detail ? `\n${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Pids of the processes (other than this one) whose environment has RIG_HOME=home. */
export function processesOf(home: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`RIG_HOME=${home}`)) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}
