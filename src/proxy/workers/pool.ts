// `rig proxy --concurrency N`: the primary process's pool of N worker processes.
//
// Why Node's cluster module, not worker_threads: the listeners must be shared. In Node 20 a
// worker thread cannot share a listening socket with another thread (no SO_REUSEPORT, no
// handle passing), while cluster workers call listen() as usual and the primary owns each
// listening socket, handing accepted connections to the workers in turn (round robin, so
// keep-alive connections spread evenly). Processes also isolate a crash: one worker dying
// takes its own connections down, never the others', and it is restarted.
//
// The control plane must see one proxy, not N: the primary runs the only xDS client and the
// admin API. It validates and ACKs each update as a single proxy does, then sends the
// merged snapshot (static + dynamic) to every worker as serialized protobuf bytes; each
// worker applies it to its own proxy. A restarted worker first gets the latest snapshot.
// The admin API asks the workers for reports: /stats sums their counters, gauges and histograms,
// /server_info lists each worker with its own request count. SIGTERM drains every worker
// (stop accepting, finish in-flight requests within the drain period), then the primary exits.
import cluster, { type Worker } from 'node:cluster';
import { logger, type Level } from '../../shared/log.js';
import type { ProxyConfigSnapshot } from '../proxy.js';
import { encodeSnapshot, type FromWorker, type ListenerInfo, type ToWorker, type WireSnapshot, type WorkerReport } from './protocol.js';

const log = logger('workers');

/** Restart backoff for a crashing worker: 100 ms doubling up to 5 s; reset after 10 s of uptime. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 5000;
const STABLE_MS = 10_000;
/** How long the admin API waits for a worker's report. */
const REPORT_TIMEOUT_MS = 2000;

export interface WorkerInfo {
  id: number;
  pid: number;
  restarts: number;
  report: WorkerReport | undefined;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  startedAt: number;
  restarts: number;
  failures: number;
  /** Listening for messages (it said 'ready'). */
  ready: boolean;
  /** The last snapshot sequence this worker applied. */
  applied: number;
  listeners: ListenerInfo[];
  timer: NodeJS.Timeout | undefined;
}

export class WorkerPool {
  private readonly slots: Slot[];
  private seq = 0;
  private latest: WireSnapshot | undefined;
  private stopping = false;
  /** Set through the admin API; a restarted worker gets it too. */
  private logLevel: Level | undefined;
  private nextReport = 1;
  private readonly waiters = new Map<number, (r: WorkerReport | undefined) => void>();
  private readonly appliedWaiters: { seq: number; resolve: (errors: string[]) => void; errors: string[]; appliedBy: number }[] = [];

  constructor(readonly size: number) {
    this.slots = Array.from({ length: size }, (_, index) => ({ index, worker: undefined, ready: false, startedAt: 0, restarts: 0, failures: 0, applied: 0, listeners: [], timer: undefined }));
    // Snapshots carry Uint8Arrays: the structured-clone channel keeps them binary.
    cluster.setupPrimary({ serialization: 'advanced' });
  }

  /** Forks every worker; resolves when each is listening for config (or has exited). */
  async start(): Promise<void> {
    await Promise.all(this.slots.map((s) => this.fork(s)));
  }

  private fork(slot: Slot): Promise<void> {
    const w = cluster.fork({ RIG_WORKER_ID: String(slot.index + 1) });
    slot.worker = w;
    slot.startedAt = Date.now();
    slot.applied = 0;
    slot.ready = false;
    slot.listeners = [];
    w.on('message', (m: FromWorker) => this.onMessage(slot, m));
    w.on('error', (err) => log.warn('worker IPC error', { worker: slot.index + 1, err }));
    w.once('exit', (code, signal) => this.onExit(slot, w, code, signal));
    return new Promise((resolve) => {
      w.on('message', (m: FromWorker) => {
        if (m.type !== 'ready') return;
        slot.ready = true;
        if (this.logLevel) this.send(w, { type: 'log-level', level: this.logLevel });
        if (this.latest) this.send(w, { type: 'config', seq: this.seq, snapshot: this.latest });
        resolve();
      });
      w.once('exit', () => resolve());
    });
  }

  private onExit(slot: Slot, w: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== w) return;
    slot.worker = undefined;
    if (this.stopping) return;
    this.settleApplied();
    const uptime = Date.now() - slot.startedAt;
    slot.failures = uptime > STABLE_MS ? 1 : slot.failures + 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (slot.failures - 1));
    log.error('worker exited; restarting it', { worker: slot.index + 1, pid: w.process.pid, code, signal, restartInMs: delay });
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.stopping) return;
      slot.restarts++;
      void this.fork(slot);
    }, delay);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    switch (m.type) {
      case 'applied':
        slot.applied = m.seq;
        slot.listeners = m.listeners;
        for (const w of this.appliedWaiters) {
          if (m.seq < w.seq) continue;
          w.errors.push(...m.errors);
          w.appliedBy++;
        }
        this.settleApplied();
        return;
      case 'ready':
        return;
      case 'report': {
        const done = this.waiters.get(m.id);
        this.waiters.delete(m.id);
        done?.(m.report);
        return;
      }
    }
  }

  /** Resolves the apply() calls every live worker has caught up with. */
  private settleApplied(): void {
    for (const w of [...this.appliedWaiters]) {
      if (!this.slots.every((s) => !s.worker || s.applied >= w.seq)) continue;
      this.appliedWaiters.splice(this.appliedWaiters.indexOf(w), 1);
      w.resolve(w.appliedBy > 0 ? [...new Set(w.errors)] : ['no worker is running to apply the config (they exit as they start: see the log above)']);
    }
  }

  private send(w: Worker, m: ToWorker): void {
    if (w.isConnected()) w.send(m);
  }

  /**
   * Sends a snapshot to every worker; resolves with the errors they reported applying it
   * (the same config gives the same errors in every worker, so they are deduplicated).
   */
  apply(s: ProxyConfigSnapshot): Promise<string[]> {
    const seq = ++this.seq;
    this.latest = encodeSnapshot(s);
    const done = new Promise<string[]>((resolve) => this.appliedWaiters.push({ seq, resolve, errors: [], appliedBy: 0 }));
    for (const slot of this.slots) if (slot.worker && slot.ready) this.send(slot.worker, { type: 'config', seq, snapshot: this.latest });
    return done;
  }

  /** The listeners as the first worker that applied the latest config reports them. */
  listenerList(): ListenerInfo[] {
    return this.slots.find((s) => s.worker && s.applied === this.seq)?.listeners ?? [];
  }

  /** Every live worker's report (undefined for one that did not answer in time). */
  async reports(): Promise<WorkerInfo[]> {
    const live = this.slots.filter((s): s is Slot & { worker: Worker } => s.worker !== undefined && s.ready);
    return Promise.all(
      live.map(async (s) => {
        const id = this.nextReport++;
        const report = await new Promise<WorkerReport | undefined>((resolve) => {
          const t = setTimeout(() => {
            this.waiters.delete(id);
            resolve(undefined);
          }, REPORT_TIMEOUT_MS);
          this.waiters.set(id, (r) => {
            clearTimeout(t);
            resolve(r);
          });
          this.send(s.worker, { type: 'report', id });
        });
        return { id: s.index + 1, pid: s.worker.process.pid ?? 0, restarts: s.restarts, report };
      }),
    );
  }

  /** Every worker stops accepting (Envoy's /drain_listeners). */
  drainListeners(): void {
    for (const s of this.slots) if (s.worker) this.send(s.worker, { type: 'drain' });
  }

  /** The admin API's /logging?level=, for every worker. */
  setLogLevel(level: Level): void {
    this.logLevel = level;
    for (const s of this.slots) if (s.worker && s.ready) this.send(s.worker, { type: 'log-level', level });
  }

  /** Drains and stops every worker: resolves when all have exited (killed after drainMs + 2 s). */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    for (const s of this.slots) clearTimeout(s.timer);
    for (const w of this.appliedWaiters.splice(0)) w.resolve(w.errors);
    await Promise.all(
      this.slots.map(async (s) => {
        const w = s.worker;
        if (!w) return;
        const exited = new Promise<void>((r) => w.once('exit', () => r()));
        this.send(w, { type: 'stop', drainMs });
        const kill = setTimeout(() => w.process.kill('SIGKILL'), drainMs + 2000);
        await exited;
        clearTimeout(kill);
      }),
    );
  }
}
