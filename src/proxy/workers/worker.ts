// One worker of `rig proxy --concurrency N`: a proxy that serves traffic on the listeners
// it shares with the other workers (through the primary, Node's cluster module) and applies
// each config snapshot the primary sends. It has no xDS connection and no admin listener of
// its own: it answers the primary's report requests (stats, clusters, listeners) instead.
// It drains and exits when the primary asks, on SIGTERM/SIGINT, or when the primary is gone.
import { Proxy } from '../proxy.js';
import type { FilterLookup } from '../listener/filter-chain.js';
import { clustersText } from '../admin/server.js';
import { logger, setLogLevel } from '../../shared/log.js';
import { fail, type Result } from '../../shared/result.js';
import { releaseStartupHeapPin } from '../startup-heap.js';
import { SnapshotDecoder, type FromWorker, type ToWorker } from './protocol.js';
import { statSamples } from '../stats/samples.js';

const log = logger('worker');

export interface WorkerOptions {
  filters: FilterLookup;
  /** Drain period when the primary is gone without saying how long. */
  drainMs: number;
}

/** Runs this process as a worker until it is told to stop; resolves with the exit code. */
export function runWorker(o: WorkerOptions): Promise<number> {
  const send = (m: FromWorker) => {
    if (process.connected) process.send?.(m);
  };
  const proxy = new Proxy({ filters: o.filters });
  let applying: Promise<void> = Promise.resolve();
  const decoder = new SnapshotDecoder();
  let stopping: Promise<number> | undefined;

  const stop = (drainMs: number): Promise<number> =>
    (stopping ??= (async () => {
      proxy.drainListeners();
      const deadline = Date.now() + drainMs;
      while (proxy.activeConnections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await proxy.close();
      return 0;
    })());

  return new Promise<number>((resolve) => {
    const finish = (drainMs: number) => void stop(drainMs).then(resolve);
    process.on('message', (raw: unknown) => {
      const m = raw as ToWorker;
      switch (m.type) {
        case 'config':
          applying = applying.then(async () => {
            if (stopping) return;
            let r: Result<void>;
            try {
              r = await proxy.apply(decoder.decode(m.snapshot));
            } catch (err) {
              r = fail(`cannot apply the config: ${(err as Error).message}`);
            }
            if (!r.ok) log.warn('part of the config could not be applied; the last good one stays for those listeners', { worker: process.env.RIG_WORKER_ID, errors: r.errors.join('; ') });
            send({ type: 'applied', seq: m.seq, errors: r.ok ? [] : r.errors, listeners: proxy.listenerList() });
            releaseStartupHeapPin();
          });
          return;
        case 'report': {
          send({ type: 'report', id: m.id, report: { stats: statSamples(proxy.stats.snapshot()), clusters: clustersText(proxy), listeners: proxy.listenerList() } });
          return;
        }
        case 'drain':
          proxy.drainListeners();
          return;
        case 'log-level':
          setLogLevel(m.level);
          return;
        case 'stop':
          finish(m.drainMs);
          return;
      }
    });
    // A signal sent to the whole process group reaches the workers too: drain as told.
    process.once('SIGTERM', () => finish(o.drainMs));
    process.once('SIGINT', () => finish(o.drainMs));
    // The primary is gone (crashed or killed): nobody will configure or stop this worker.
    process.once('disconnect', () => finish(Math.min(o.drainMs, 1000)));
    // Messages that arrive before the handler above is installed are lost: the primary
    // sends nothing until this.
    send({ type: 'ready' });
  });
}
