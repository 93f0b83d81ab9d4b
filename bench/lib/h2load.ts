// h2load as the HTTP/2 load generator (h2c with prior knowledge), pinned to the load CPU,
// and the parser for its summary.
import { CPU, type ProcGroup } from './procs.js';

export interface H2loadResult {
  rps: number;
  requests: number;
  succeeded: number;
  failed: number;
  status2xx: number;
  /** Responses with a 3xx, 4xx or 5xx status. */
  statusOther: number;
  /** Mean and max request time in ms (h2load does not print percentiles). */
  meanMs: number;
  maxMs: number;
}

const unitMs: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

/** Parses h2load's summary (`finished in …, N req/s`, `requests: …`, `status codes: …`, `time for request: …`). */
export function parseH2load(out: string): H2loadResult {
  const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out);
  const req = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const time = /time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(out);
  if (!rps || !req || !codes) throw new Error(`h2load printed no summary:\n${out}`);
  return {
    rps: Number(rps[1]),
    requests: Number(req[1]),
    succeeded: Number(req[2]),
    failed: Number(req[3]),
    status2xx: Number(codes[1]),
    statusOther: Number(codes[2]) + Number(codes[3]) + Number(codes[4]),
    meanMs: time ? Number(time[5]) * unitMs[time[6]!]! : NaN,
    maxMs: time ? Number(time[3]) * unitMs[time[4]!]! : NaN,
  };
}

/** h2load -c connections -m streams for durationS (after a 1 s warm-up), plus extraArgs (headers, -d body); non-2xx answers are an error. */
export async function runH2load(group: ProcGroup, run: { url: string; connections: number; streams: number; durationS: number; extraArgs?: string[] }): Promise<H2loadResult> {
  const child = group.start('h2load', CPU.load, 'h2load', ['-t1', `-c${run.connections}`, `-m${run.streams}`, `-D${run.durationS}`, '--warm-up-time=1', ...(run.extraArgs ?? []), run.url]);
  const code = await child.exited;
  await group.stopChild(child);
  if (code !== 0) throw new Error(`h2load exited ${code}:\n${child.out}`);
  const r = parseH2load(child.out);
  // (In timed mode h2load's status counts can trail its request count a little; only non-2xx answers count against.)
  if (r.requests === 0 || r.statusOther + r.failed > r.requests * 0.001) throw new Error(`h2load to ${run.url}: ${r.failed} failed and ${r.statusOther} non-2xx of ${r.requests}; the proxy under test is not answering 2xx over h2c:\n${child.out}`);
  return r;
}
