// A fortio-like load generator for the circuit-breaking task: C connections (workers, each
// with one keep-alive connection) send N requests in total (or run for a duration), at a
// target rate or as fast as they can, through HTTP_PROXY when set; then it prints fortio's
// summary: latency percentiles, sockets used and the status-code histogram
// (`Code 200 : 17 (56.7 %)`, `Code -1` for requests that got no answer).
//   rig sample load -c 3 -n 30 http://httpbin:8000/get
//   rig sample fortio load -c 2 -qps 0 -n 20 -loglevel Warning http://httpbin:8000/get
import { Agent } from 'node:http';
import { send } from '../lib/http-client.js';
import type { SampleContext } from '../lib/server.js';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Total requests; 0 = run for durationMs. */
  requests: number;
  durationMs: number;
  /** Target queries per second over all connections; 0 = as fast as possible. */
  qps: number;
  timeoutMs: number;
  headers: Record<string, string>;
}

export interface LoadResult {
  /** Status code → count; -1 for requests with no answer. */
  codes: Map<number, number>;
  latenciesS: number[];
  elapsedMs: number;
  sockets: number;
}

/** `5s`, `250ms`, `1m`, or plain seconds. */
export function parseDuration(s: string): number {
  const m = /^([0-9.]+)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new Error(`invalid duration "${s}": use e.g. 500ms, 5s, 1m`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLoad(o: LoadOptions, signal: AbortSignal, env: Record<string, string | undefined> = process.env): Promise<LoadResult> {
  const codes = new Map<number, number>();
  const latenciesS: number[] = [];
  let sockets = 0;
  const started = performance.now();
  const deadline = o.requests > 0 ? Infinity : started + o.durationMs;
  const perWorker = (i: number) => (o.requests > 0 ? Math.floor(o.requests / o.connections) + (i < o.requests % o.connections ? 1 : 0) : Infinity);
  const intervalMs = o.qps > 0 ? (1000 * o.connections) / o.qps : 0;

  const worker = async (i: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Count every connection the worker opens (a reply with `connection: close` costs one more).
    const create = agent.createConnection.bind(agent);
    agent.createConnection = (...a: Parameters<Agent['createConnection']>) => {
      sockets++;
      return create(...a);
    };
    const count = perWorker(i);
    try {
      for (let k = 0; k < count && !signal.aborted && performance.now() < deadline; k++) {
        const t0 = performance.now();
        let code = -1;
        try {
          const res = await send({ url: o.url, headers: o.headers, timeoutMs: o.timeoutMs, agent, env });
          code = res.status;
        } catch {
          code = -1;
        }
        const dt = performance.now() - t0;
        latenciesS.push(dt / 1000);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (intervalMs > dt) await sleep(intervalMs - dt);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: o.connections }, (_v, i) => worker(i)));
  return { codes, latenciesS, elapsedMs: performance.now() - started, sockets };
}

function fmt(n: number): string {
  return Number(n.toPrecision(6)).toString();
}

/** fortio's summary lines for a result. */
export function report(o: LoadOptions, r: LoadResult): string[] {
  const total = r.latenciesS.length;
  const sorted = [...r.latenciesS].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  const avg = total ? sum / total : 0;
  const sd = total ? Math.sqrt(sorted.reduce((a, b) => a + (b - avg) ** 2, 0) / total) : 0;
  const pct = (p: number) => (total ? sorted[Math.min(total - 1, Math.max(0, Math.ceil((p / 100) * total) - 1))]! : 0);
  const qps = r.elapsedMs > 0 ? (total * 1000) / r.elapsedMs : 0;
  const lines = [
    `Ended after ${fmt(r.elapsedMs)}ms : ${total} calls. qps=${qps.toFixed(2)}`,
    `Aggregated Function Time : count ${total} avg ${fmt(avg)} +/- ${fmt(sd)} min ${fmt(sorted[0] ?? 0)} max ${fmt(sorted[total - 1] ?? 0)} sum ${fmt(sum)}`,
    ...[50, 75, 90, 99, 99.9].map((p) => `# target ${p}% ${fmt(pct(p))}`),
    `Sockets used: ${r.sockets} (for perfect keepalive, would be ${o.connections})`,
    ...[...r.codes.entries()].sort((a, b) => a[0] - b[0]).map(([code, n]) => `Code ${code} : ${n} (${((100 * n) / Math.max(1, total)).toFixed(1)} %)`),
    `All done ${total} calls (plus 0 warmup) ${fmt(avg * 1000)} ms avg, ${qps.toFixed(1)} qps`,
  ];
  return lines;
}

function num(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`-${name} needs a number ≥ 0, got "${String(v)}"`);
  return n;
}

/** Options from `rig sample load` flags and positionals (`[load] URL`). */
export function loadOptions(ctx: SampleContext): LoadOptions {
  const words = ctx.args[0] === 'load' ? ctx.args.slice(1) : ctx.args;
  const url = words[0];
  if (!url || words.length > 1) throw new Error('usage: rig sample load [-c CONNECTIONS] [-n REQUESTS | -t DURATION] [-qps QPS] [-H "Name: value"] URL');
  if (!/^http:\/\//.test(url)) throw new Error(`${url}: give an http:// URL (through the sidecar, plain HTTP is what the app sends)`);
  const headers: Record<string, string> = { 'user-agent': 'rig-sample-load' };
  const hs = ctx.flags.header;
  for (const h of Array.isArray(hs) ? hs : typeof hs === 'string' ? [hs] : []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new Error(`-H "${h}": use "Name: value"`);
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const connections = Math.max(1, Math.floor(num(ctx.flags.connections, 'c', 4)));
  return {
    url,
    connections,
    requests: Math.floor(num(ctx.flags.requests, 'n', 0)),
    durationMs: parseDuration(String(ctx.flags.duration ?? '5s')),
    qps: Number(ctx.flags.qps ?? 0) > 0 ? num(ctx.flags.qps, 'qps', 0) : 0, // fortio: 0 or -1 = as fast as possible
    timeoutMs: parseDuration(String(ctx.flags.timeout ?? '3s')),
    headers,
  };
}

export async function run(ctx: SampleContext): Promise<number> {
  const o = loadOptions(ctx);
  const what = o.requests > 0 ? `for ${o.requests} calls` : `for ${o.durationMs / 1000}s`;
  ctx.out(`rig sample load running at ${o.qps || 'max'} queries per second, ${o.connections} connections, ${what}: ${o.url}`);
  if (o.requests > 0) {
    const each = Math.floor(o.requests / o.connections);
    ctx.out(`Starting at ${o.qps || 'max'} qps with ${o.connections} connection(s) for exactly ${o.requests} calls (${each} per connection + ${o.requests % o.connections})`);
  }
  const r = await runLoad(o, ctx.signal, ctx.env);
  for (const line of report(o, r)) ctx.out(line);
  return 0;
}
