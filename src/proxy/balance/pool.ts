// A HostPool picks among one fixed list of hosts (a priority's healthy hosts, one
// locality's, or all of them in panic) with one policy. Pools are built with the picker and
// never change their host list; only policy cursors (round robin position, EDF deadlines)
// move per pick.
import type { Random } from '../../shared/clock.js';
import type { Host } from './host.js';

export interface HostPool {
  /** Non-empty. */
  readonly hosts: readonly Host[];
  /** One choice; `hi`/`lo` are the request hash halves (hash pools only). */
  choose(hi: number, lo: number): Host;
  /**
   * A choice outside `exclude`, undefined when every host is excluded. Hash pools walk
   * their ring/table from the hashed point so a retry lands on the same next host every
   * time; other pools use chooseExcluding() below.
   */
  chooseExcluding?(hi: number, lo: number, exclude: ReadonlySet<Host>): Host | undefined;
}

/** Policy choices tried before falling back to a scan when the choice is excluded. */
const EXCLUDE_ATTEMPTS = 3;

/** A choice outside `exclude`: the policy's choice when it is allowed, else retries, else a scan from a random start. */
export function chooseExcluding(pool: HostPool, hi: number, lo: number, exclude: ReadonlySet<Host>, random: Random): Host | undefined {
  if (pool.chooseExcluding) return pool.chooseExcluding(hi, lo, exclude);
  for (let a = 0; a < EXCLUDE_ATTEMPTS; a++) {
    const h = pool.choose(hi, lo);
    if (!exclude.has(h)) return h;
  }
  const hosts = pool.hosts;
  const n = hosts.length;
  const start = Math.floor(random.next() * n);
  for (let i = 0; i < n; i++) {
    const h = hosts[(start + i) % n]!;
    if (!exclude.has(h)) return h;
  }
  return undefined;
}

/** Whether every host has the same weight (Envoy then uses the unweighted algorithms). */
export function equalWeights(hosts: readonly Host[]): boolean {
  for (let i = 1; i < hosts.length; i++) if (hosts[i]!.weight !== hosts[0]!.weight) return false;
  return true;
}

/** Uniform integer in [0, n). */
export function randomIndex(random: Random, n: number): number {
  return Math.floor(random.next() * n);
}
