// Server stats, `server.*`: liveness, state, uptime, memory and concurrency. Uptime and
// memory are read when stats are rendered (a store collector), not kept current.
import type { Clock } from '../../shared/clock.js';
import type { StatsStore } from './store.js';
import { gaugeSet, type GaugeSet } from './stat-set.js';

/** Envoy's server.state values. */
export const ServerState = { LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 } as const;
export type ServerState = (typeof ServerState)[keyof typeof ServerState];

const GAUGES = [
  'live',
  'state',
  'uptime',
  'concurrency',
  'memory_allocated',
  'memory_heap_size',
  'memory_physical_size',
  'total_connections',
] as const;

export interface MemoryReading {
  /** Bytes in use (Node: heapUsed + external). */
  allocated: number;
  /** Bytes reserved for the heap (heapTotal). */
  heapSize: number;
  /** Resident set size (rss). */
  physicalSize: number;
}

export interface ServerStatsOptions {
  clock: Clock;
  /** Worker threads serving traffic; 1 for a single event loop. */
  concurrency?: number;
  memory?: () => MemoryReading;
}

export type ServerStats = GaugeSet<(typeof GAUGES)[number]> & {
  setState(state: ServerState): void;
  /** Stops refreshing uptime and memory. */
  close(): void;
};

export function serverStats(store: StatsStore, opts: ServerStatsOptions): ServerStats {
  const g = gaugeSet(store.scope('server'), GAUGES);
  const started = opts.clock.now();
  const memory = opts.memory ?? processMemory;
  g.concurrency.set(opts.concurrency ?? 1);
  g.state.set(ServerState.INITIALIZING);
  const stop = store.addCollector(() => {
    g.uptime.set(Math.floor((opts.clock.now() - started) / 1000));
    const m = memory();
    g.memory_allocated.set(m.allocated);
    g.memory_heap_size.set(m.heapSize);
    g.memory_physical_size.set(m.physicalSize);
  });
  return {
    ...g,
    setState(state: ServerState): void {
      g.state.set(state);
      g.live.set(state === ServerState.LIVE ? 1 : 0);
    },
    close: () => void stop(),
  };
}

function processMemory(): MemoryReading {
  const m = process.memoryUsage();
  return { allocated: m.heapUsed + m.external, heapSize: m.heapTotal, physicalSize: m.rss };
}
