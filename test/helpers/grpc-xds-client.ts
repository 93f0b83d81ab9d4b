// The parent side of an independent xDS client: spawns grpc-xds-client-child.ts (a
// proxyless gRPC client built on @grpc/grpc-js-xds, in its own process) with a bootstrap
// pointing at an ADS server, asks it to run RPCs and collects the results as they arrive.
//
//   const client = await GrpcXdsClient.start({ serviceName: 'echo', xdsServer: '127.0.0.1:15010', nodeId: 'n1' });
//   const results = await client.run(20);            // 20 sequential RPCs
//   const live = client.startRun({ intervalMs: 20 }); // one every 20 ms until stopped
//   await live.waitFor((r) => r.ok && r.backend === 'b', 5000, 'traffic on b');
//   await live.stop();
//   await client.close();
//
// Every wait is bounded; a timeout or an exited child rejects with the child's stderr tail.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { ECHO_METHOD } from './echo-backend.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CHILD = join(import.meta.dirname, 'grpc-xds-client-child.ts');
const STDERR_KEEP = 64 * 1024;

export interface GrpcXdsClientOptions {
  /** The name after `xds:///`: the Listener the client subscribes to. */
  serviceName: string;
  /** host:port of the ADS server (bootstrap xds_servers[0].server_uri). */
  xdsServer: string;
  nodeId: string;
  nodeCluster?: string;
  /** node.metadata (e.g. { GENERATOR: 'grpc', NAMESPACE: 'default' } for Rigging's proxyless gRPC config). */
  metadata?: Record<string, unknown>;
  /** node.locality; grpc-js-xds requires the field to be present. */
  locality?: { region?: string; zone?: string; sub_zone?: string };
  /** Full method path of the unary RPC (default the echo backend's). */
  method?: string;
  /** Extra environment for the child (e.g. GRPC_TRACE=xds_client, GRPC_VERBOSITY=DEBUG). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export type RpcResult = {
  seq: number;
  /** Child-measured latency of this RPC. */
  ms: number;
  /** performance.now() in this (parent) process when the result arrived. */
  at: number;
} & ({ ok: true; backend: string } | { ok: false; code: number; message: string });

export interface RunOptions {
  /** RPCs to issue; absent = until stop(). */
  count?: number;
  /** One RPC every intervalMs at a fixed rate; absent = sequentially. */
  intervalMs?: number;
  /** Per-RPC deadline (default 5000 ms). */
  deadlineMs?: number;
}

type ChildEvent =
  | { type: 'ready'; pid: number }
  | ({ type: 'rpc'; id: number; seq: number; ms: number } & ({ ok: true; backend: string } | { ok: false; code: number; message: string }))
  | { type: 'done'; id: number; count: number }
  | { type: 'error'; message: string };

interface Waiter {
  pred: (r: RpcResult) => boolean;
  resolve: (r: RpcResult) => void;
}

/** One batch of RPCs in the child; results accumulate in `results` as they arrive. */
export class RpcRun {
  readonly results: RpcResult[] = [];
  /** Resolves with all results when the child reports the run done. */
  readonly done: Promise<RpcResult[]>;
  private settle!: { resolve: (r: RpcResult[]) => void; reject: (e: Error) => void };
  private finished = false;
  private failure: Error | undefined;
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly client: GrpcXdsClient,
    readonly id: number,
  ) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // A run nobody awaits must not become an unhandled rejection when the child dies.
    void this.done.catch(() => undefined);
  }

  /** Resolves with the first result (already received or still to come, from index `from`) matching pred. */
  waitFor(pred: (r: RpcResult) => boolean, timeoutMs: number, what: string, from = 0): Promise<RpcResult> {
    const found = this.results.slice(from).find(pred);
    if (found) return Promise.resolve(found);
    if (this.failure) return Promise.reject(this.failure);
    if (this.finished) return Promise.reject(this.client.error(`run ${this.id} ended before ${what}`, this.results));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pred,
        resolve: (r) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(this.client.error(`timed out after ${timeoutMs} ms waiting for ${what}`, this.results));
      }, timeoutMs);
      this.waiters.add(waiter);
      void this.done.then(
        () => {
          if (!this.waiters.has(waiter)) return;
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(this.client.error(`run ${this.id} ended before ${what}`, this.results));
        },
        (e: Error) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(e);
        },
      );
    });
  }

  /** Stops issuing RPCs; resolves with all results once in-flight RPCs have reported. */
  stop(timeoutMs = 10_000): Promise<RpcResult[]> {
    if (!this.finished) this.client.send({ op: 'stop', id: this.id });
    return this.client.bounded(this.done, timeoutMs, `run ${this.id} to stop`, this.results);
  }

  /** @internal */
  onResult(r: RpcResult): void {
    this.results.push(r);
    for (const w of [...this.waiters]) if (w.pred(r)) w.resolve(r);
  }

  /** @internal */
  onDone(): void {
    this.finished = true;
    this.settle.resolve(this.results);
  }

  /** @internal */
  onFail(e: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = e;
    this.settle.reject(e);
  }
}

export class GrpcXdsClient {
  private readonly runs = new Map<number, RpcRun>();
  private nextId = 1;
  private stderrTail = '';
  private exitInfo: string | undefined;
  private readonly exited: Promise<void>;
  private readonly ready: Promise<number>;

  private constructor(
    private readonly child: ChildProcess,
    readonly options: GrpcXdsClientOptions,
  ) {
    let onReady!: (pid: number) => void;
    let onReadyFail!: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => ((onReady = resolve), (onReadyFail = reject)));
    void this.ready.catch(() => undefined);

    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-STDERR_KEEP);
    });
    child.stdin!.on('error', () => undefined); // EPIPE once the child is gone; 'exit' reports it
    child.on('error', (e) => onReadyFail(this.error(`cannot spawn the xDS client: ${e.message}`)));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        const e = this.error(`xDS client process exited (${this.exitInfo})`);
        onReadyFail(e);
        for (const run of this.runs.values()) run.onFail(e);
        resolve();
      });
    });

    createInterface({ input: child.stdout! }).on('line', (line) => {
      let ev: ChildEvent;
      try {
        ev = JSON.parse(line) as ChildEvent;
      } catch {
        this.stderrTail = (this.stderrTail + `[stdout] ${line}\n`).slice(-STDERR_KEEP);
        return;
      }
      const at = performance.now();
      switch (ev.type) {
        case 'ready':
          onReady(ev.pid);
          break;
        case 'rpc': {
          const { type: _t, id, ...rest } = ev;
          this.runs.get(id)?.onResult({ ...rest, at });
          break;
        }
        case 'done':
          this.runs.get(ev.id)?.onDone();
          this.runs.delete(ev.id);
          break;
        case 'error':
          this.stderrTail = (this.stderrTail + `[child error] ${ev.message}\n`).slice(-STDERR_KEEP);
          break;
      }
    });
  }

  /** Spawns the client process and waits until it is ready to take commands. */
  static async start(options: GrpcXdsClientOptions): Promise<GrpcXdsClient> {
    const bootstrap = {
      xds_servers: [{ server_uri: options.xdsServer, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: {
        id: options.nodeId,
        cluster: options.nodeCluster ?? 'grpc-xds-interop',
        ...(options.metadata ? { metadata: options.metadata } : {}),
        locality: options.locality ?? { region: 'local', zone: 'local-a', sub_zone: '' },
      },
    };
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) };
    delete env.GRPC_XDS_BOOTSTRAP; // a file path would win over nothing, but be unambiguous
    delete env.NODE_TEST_CONTEXT; // the child is not a test file
    const config = { target: `xds:///${options.serviceName}`, method: options.method ?? ECHO_METHOD };
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const client = new GrpcXdsClient(child, options);
    try {
      await client.bounded(client.ready, options.startTimeoutMs ?? 20_000, 'the xDS client to start');
    } catch (e) {
      await client.close();
      throw e;
    }
    return client;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last 64 KiB the child wrote to stderr (grpc-js logs, GRPC_TRACE output). */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Starts a run and returns at once; results arrive in run.results. */
  startRun(opts: RunOptions = {}): RpcRun {
    const run = new RpcRun(this, this.nextId++);
    this.runs.set(run.id, run);
    if (this.exitInfo) run.onFail(this.error(`xDS client process exited (${this.exitInfo})`));
    else this.send({ op: 'run', id: run.id, ...opts });
    return run;
  }

  /** Runs `count` RPCs (sequentially unless intervalMs) and resolves with their results. */
  run(count: number, opts: Omit<RunOptions, 'count'> & { timeoutMs?: number } = {}): Promise<RpcResult[]> {
    const { timeoutMs, ...rest } = opts;
    const run = this.startRun({ ...rest, count });
    const budget = timeoutMs ?? 10_000 + count * ((rest.intervalMs ?? 0) + 50);
    return this.bounded(run.done, budget, `${count} RPCs`, run.results).catch(async (e: unknown) => {
      await run.stop(1000).catch(() => undefined);
      throw e;
    });
  }

  /** Ends the child: asks politely, then SIGKILL after graceMs. Safe to call twice. */
  async close(graceMs = 2000): Promise<void> {
    if (this.exitInfo === undefined && this.child.exitCode === null && this.child.signalCode === null) {
      this.send({ op: 'exit' });
      this.child.stdin?.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** @internal */
  send(cmd: Record<string, unknown>): void {
    if (this.exitInfo !== undefined || !this.child.stdin?.writable) return;
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
  }

  /** @internal Rejects after timeoutMs with diagnostics. */
  bounded<T>(p: Promise<T>, timeoutMs: number, what: string, results?: RpcResult[]): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.error(`timed out after ${timeoutMs} ms waiting for ${what}`, results)), timeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  /** @internal An Error carrying the last results and the child's stderr tail. */
  error(message: string, results?: RpcResult[]): Error {
    const parts = [message];
    if (results) parts.push(`last results (${results.length} in all): ${JSON.stringify(results.slice(-5))}`);
    parts.push(`xDS client stderr (tail):\n${this.stderrTail.slice(-8000) || '(empty)'}`);
    return new Error(parts.join('\n'));
  }
}

/** Count of successful results per backend name, plus failures under '!error'. */
export function tally(results: readonly RpcResult[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of results) {
    const key = r.ok ? r.backend : '!error';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
