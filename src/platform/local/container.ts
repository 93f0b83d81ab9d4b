// One container of a local pod: a process (in its own process group, so a shell's children
// go with it), its log file, its restarts with backoff, and its readiness probe.
//   - A crash restarts it after a backoff (1 s doubling to 30 s, with jitter); two quick
//     crashes in a row (each within 10 s of starting) and it waits in CrashLoopBackOff.
//   - stop(): SIGTERM to the whole process group, SIGKILL after the grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { Backoff } from '../../shared/backoff.js';
import { logger } from '../../shared/log.js';
import type { ContainerSpec, ContainerStatus, Probe, RestartPolicy } from './pod.js';

const log = logger('container');

/** A run shorter than this counts as a quick crash. */
export const QUICK_CRASH_MS = 10_000;
const PROBE_TIMEOUT_MS = 1000;
/** A container's log is rotated (on its next start) past this size. */
export const MAX_LOG_BYTES = 10 * 1024 * 1024;

export interface ContainerOptions {
  spec: ContainerSpec;
  /** argv and environment after `$(VAR)` expansion. */
  argv: string[];
  env: Record<string, string>;
  logFile: string;
  restartPolicy: RestartPolicy;
  /** Address probes go to when they name no host (the pod IP or the app address). */
  probeHost: string;
  previous?: ContainerStatus;
  onChange: () => void;
  onEvent: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

export class Container {
  readonly status: ContainerStatus;
  private child: ChildProcess | undefined;
  private startedAtMs = 0;
  private quickCrashes = 0;
  private readonly backoff = new Backoff({ baseMs: 1000, maxMs: 30_000 });
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private exited: Promise<void> = Promise.resolve();
  private probing = false;

  constructor(private readonly o: ContainerOptions) {
    this.status = {
      name: o.spec.name,
      image: o.spec.image ?? '',
      state: 'Waiting',
      reason: 'ContainerCreating',
      ready: false,
      restartCount: o.previous?.restartCount ?? 0,
      ...(o.previous?.lastTermination ? { lastTermination: o.previous.lastTermination } : {}),
    };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopping) return;
    this.restartTimer = undefined;
    let fd: number;
    try {
      // One older generation is kept: past MAX_LOG_BYTES the log moves to <file>.1 on a (re)start.
      if ((statSync(this.o.logFile, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_BYTES) renameSync(this.o.logFile, `${this.o.logFile}.1`);
      fd = openSync(this.o.logFile, 'a');
    } catch (err) {
      this.fail(`cannot open the log file ${this.o.logFile}: ${(err as Error).message}`);
      return;
    }
    const [cmd, ...args] = this.o.argv as [string, ...string[]];
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { cwd: this.o.spec.workingDir, env: this.o.env, detached: true, stdio: ['ignore', fd, fd] });
    } catch (err) {
      closeSync(fd);
      this.fail(`cannot start ${cmd}: ${(err as Error).message}`);
      return;
    }
    this.child = child;
    this.startedAtMs = Date.now();
    let done!: () => void;
    this.exited = new Promise((r) => (done = r));
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
      writeLine(fd, `rig: cannot start ${cmd}: ${err.message}`);
    });
    child.once('spawn', () => {
      Object.assign(this.status, { state: 'Running', reason: undefined, pid: child.pid, startedAt: new Date().toISOString(), exitCode: undefined });
      this.o.onEvent('Normal', 'Started', `Started container ${this.o.spec.name}`);
      this.o.onChange();
    });
    child.once('close', (code, signal) => {
      closeSync(fd);
      this.child = undefined;
      this.onExit(spawnError ? 127 : code, signal);
      done();
    });
  }

  private fail(message: string): void {
    this.o.onEvent('Warning', 'Failed', message);
    this.onExit(127, null);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const ranMs = Date.now() - this.startedAtMs;
    this.status.lastTermination = { exitCode: code, signal, finishedAt: new Date().toISOString() };
    this.status.ready = false;
    this.status.pid = undefined;
    const failed = code !== 0;
    if (this.stopping || this.o.restartPolicy === 'Never' || (this.o.restartPolicy === 'OnFailure' && !failed)) {
      Object.assign(this.status, { state: 'Terminated', reason: failed ? 'Error' : 'Completed', exitCode: code ?? 137 });
      this.o.onChange();
      return;
    }
    if (ranMs < QUICK_CRASH_MS) this.quickCrashes++;
    else {
      this.quickCrashes = 0;
      this.backoff.reset();
    }
    const delay = Math.round(this.backoff.next());
    Object.assign(this.status, { state: 'Waiting', reason: this.quickCrashes >= 2 ? 'CrashLoopBackOff' : failed ? 'Error' : 'Completed', exitCode: code ?? undefined });
    this.o.onEvent('Warning', 'BackOff', `container ${this.o.spec.name} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)}s`);
    log.info('container exited; restarting', { container: this.o.spec.name, code, signal, delayMs: delay });
    this.restartTimer = setTimeout(() => {
      this.status.restartCount++;
      this.start();
    }, delay);
    this.o.onChange();
  }

  /** Runs the readiness probe once (no probe: ready while running). */
  async probe(): Promise<void> {
    if (this.probing || this.status.state !== 'Running') return;
    this.probing = true;
    try {
      const ok = await runProbe(this.o.spec.readinessProbe, this.o.probeHost);
      if (this.status.state === 'Running' && ok !== this.status.ready) {
        this.status.ready = ok;
        this.o.onChange();
      }
    } finally {
      this.probing = false;
    }
  }

  /** SIGTERM to the process group, SIGKILL after graceMs; resolves when it has exited. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child?.pid) {
      if (this.status.state !== 'Terminated') Object.assign(this.status, { state: 'Terminated', reason: 'Completed', ready: false });
      return;
    }
    signalGroup(child.pid, 'SIGTERM');
    const t = setTimeout(() => {
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(t);
    // Whatever the process left behind in its group goes too.
    if (child.pid) signalGroup(child.pid, 'SIGKILL');
  }
}

function writeLine(fd: number, line: string): void {
  try {
    writeSync(fd, line + '\n');
  } catch {
    // the log file is best effort
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** No probe → true (ready while running). */
export function runProbe(p: Probe | undefined, defaultHost: string): Promise<boolean> {
  if (p?.httpGet) {
    const g = p.httpGet;
    return new Promise((resolve) => {
      const req = request({ host: g.host ?? defaultHost, port: g.port, path: g.path, agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) < 400);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(false));
      req.end();
    });
  }
  if (p?.tcpSocket) {
    const t = p.tcpSocket;
    return new Promise((resolve) => {
      const s = connect({ host: t.host ?? defaultHost, port: t.port });
      s.setTimeout(PROBE_TIMEOUT_MS, () => s.destroy(new Error('timeout')));
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
  }
  return Promise.resolve(true);
}
