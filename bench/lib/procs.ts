// Child processes of a load scenario (proxies, upstreams, load generators): started pinned
// to a CPU with taskset, waited for until their port accepts connections, measured through
// /proc (CPU seconds, RSS of the whole process tree), and all stopped at the end — on
// error and on Ctrl-C too.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** CPUs used for pinning: the proxy under test gets its own, the rest share the other. */
export const CPU = { proxy: '1', load: '0' } as const;

export class Child {
  out = '';
  readonly exited: Promise<number | null>;
  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out = (this.out + d).slice(-20_000)));
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.out = (this.out + d).slice(-20_000)));
    proc.on('error', (err) => (this.out += `\nspawn error: ${err.message}`));
    this.exited = new Promise((resolve) => proc.once('close', (code) => resolve(code)));
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves with the first match of re in the output, or rejects (with the output) after timeoutMs. */
  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.out.match(re);
      if (m) return m;
      if (!this.running) throw new Error(`${this.name} exited (${this.proc.exitCode ?? this.proc.signalCode}) before printing ${re}:\n${this.out}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print ${re} within ${timeoutMs} ms:\n${this.out}`);
      await sleep(25);
    }
  }

  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** Every process a scenario starts, plus its temp dir; stop() ends them all. */
export class ProcGroup {
  readonly dir: string;
  private readonly children: Child[] = [];
  private readonly onSignal = () => {
    for (const c of this.children) if (c.running) c.proc.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
    process.exit(130);
  };

  constructor(label: string) {
    this.dir = mkdtempSync(join(tmpdir(), `rig-bench-${label}-`));
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  /** Starts cmd pinned to cpu ('' = not pinned). */
  start(name: string, cpu: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    const [file, argv] = cpu ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args];
    const c = new Child(name, spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd: join(import.meta.dirname, '..', '..') }));
    this.children.push(c);
    return c;
  }

  async stopChild(c: Child): Promise<void> {
    await c.stop();
    const i = this.children.indexOf(c);
    if (i >= 0) this.children.splice(i, 1);
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.stop()));
    this.children.length = 0;
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A loopback port that was free a moment ago (for tools whose config needs a number). */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.on('error', () => {});
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Waits until 127.0.0.1:port accepts a TCP connection; while waiting, the child must stay up. */
export async function waitForPort(port: number, child: Child, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!child.running) throw new Error(`${child.name} exited (${child.proc.exitCode ?? child.proc.signalCode}) before listening on ${port}:\n${child.out}`);
    if (Date.now() > deadline) throw new Error(`${child.name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${child.out}`);
    await sleep(50);
  }
}

/** pid and all its descendants (nginx's and HAProxy's workers), from /proc. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tids) {
      try {
        for (const c of readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
      } catch {
        /* the task ended meanwhile */
      }
    }
  }
  return out;
}

const CLK_TCK = 100;

/** User + system CPU seconds of a process tree (the taskset wrapper execs, so pid is the program). */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks / CLK_TCK;
}

/** Resident set size of a process tree in MiB (VmRSS summed). */
export function rssMiB(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}
