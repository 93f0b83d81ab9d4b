// Throughput per core (issue item 2): one proxy pinned to CPU 1, wrk (one thread, 50
// keep-alive connections) and the nginx upstream on CPU 0; a small (2-byte) and a 1 KiB
// response; Rigging, nginx and HAProxy with the same 100-route table, alternated within
// each repetition (A B C A B C …). Reports median requests/s, requests per CPU-second of the
// proxy (what it does per core even when other work takes part of CPU 1), the ratios
// Rigging/nginx and Rigging/HAProxy of both, and each proxy's RSS after the load.
import { CANDIDATES, BODY, startCandidate, startUpstream, type CandidateName, type Running } from '../lib/candidates.js';
import { ProcGroup, cpuSeconds, rssMiB } from '../lib/procs.js';
import { median, round } from '../lib/stats.js';
import { ensureTools } from '../lib/tools.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import { loadSeconds, type BenchOptions, type Row, type Scenario } from '../lib/scenario.js';

export const CONNECTIONS = 50;
type Size = keyof typeof BODY;
const SIZES: Size[] = ['small', '1k'];

export interface ThroughputSample {
  candidate: CandidateName;
  size: Size;
  run: number;
  rps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  proxyCpuS: number;
  wrk: WrkResult;
}

export const proxyThroughput: Scenario = {
  name: 'proxy-throughput',
  description: 'Proxy requests/s on one core, wrk -c50 keep-alive, small and 1 KiB responses: Rigging vs nginx vs HAProxy (100 routes)',
  async run(opts: BenchOptions) {
    ensureTools(['wrk', 'nginx', 'haproxy', 'taskset']);
    const seconds = loadSeconds(opts, 10, 2);
    const group = new ProcGroup('throughput');
    const samples: ThroughputSample[] = [];
    const rssAfter: Partial<Record<CandidateName, number>> = {};
    try {
      const upstream = await startUpstream(group);
      const proxies = new Map<CandidateName, Running>();
      for (const c of CANDIDATES) proxies.set(c, await startCandidate(group, c, upstream.port));
      const url = (c: CandidateName, size: Size) => `http://127.0.0.1:${proxies.get(c)!.port}${BODY[size]}`;
      // Warm-up (JIT, connection pools); not recorded.
      for (const c of CANDIDATES) await runWrk(group, { url: url(c, 'small'), connections: CONNECTIONS, durationS: opts.quick ? 1 : 3 });
      for (const size of SIZES) {
        for (let run = 0; run < opts.runs; run++) {
          for (const c of CANDIDATES) {
            const pid = proxies.get(c)!.child.pid;
            const cpu0 = cpuSeconds(pid);
            const wrk = await runWrk(group, { url: url(c, size), connections: CONNECTIONS, durationS: seconds });
            const proxyCpuS = cpuSeconds(pid) - cpu0;
            samples.push({ candidate: c, size, run, rps: wrk.rps, latencyP50Ms: wrk.latencyMs.p50, latencyP99Ms: wrk.latencyMs.p99, proxyCpuS, wrk });
            console.error(`  ${size.padEnd(5)} run ${run + 1}/${opts.runs} ${c.padEnd(8)} ${Math.round(wrk.rps)} req/s`);
          }
        }
      }
      for (const c of CANDIDATES) rssAfter[c] = rssMiB(proxies.get(c)!.child.pid);
    } finally {
      await group.stop();
    }
    return { rows: throughputRows(samples, rssAfter), raw: { seconds, connections: CONNECTIONS, samples, rssAfterMiB: rssAfter } };
  },
};

export function throughputRows(samples: ThroughputSample[], rssAfter: Partial<Record<CandidateName, number>>): Row[] {
  const rows: Row[] = [];
  const row = (c: string, metric: string, value: number, unit: string) => rows.push({ scenario: 'proxy-throughput', case: c, metric, value, unit });
  const perCpuS = (s: ThroughputSample) => (s.proxyCpuS > 0 ? s.wrk.requests / s.proxyCpuS : NaN);
  for (const size of SIZES) {
    for (const c of CANDIDATES) {
      const mine = samples.filter((s) => s.candidate === c && s.size === size);
      if (!mine.length) continue;
      const label = `${c}, ${size} response`;
      row(label, 'requests/s', Math.round(median(mine.map((s) => s.rps))), 'req/s');
      row(label, 'requests per proxy CPU-second', Math.round(median(mine.map(perCpuS))), 'req');
      row(label, 'share of CPU 1 the proxy got', Math.round(median(mine.map((s) => (100 * s.proxyCpuS) / s.wrk.durationS))), '%');
      row(label, 'latency p99 under max load', round(median(mine.map((s) => s.latencyP99Ms))), 'ms');
    }
    // Ratios pair each Rigging run with the other candidate's run of the same repetition (they
    // ran back to back), then take the median: a change in the machine's load hits both alike.
    const ratio = (other: CandidateName, f: (s: ThroughputSample) => number) => {
      const r = samples
        .filter((s) => s.candidate === 'rigging' && s.size === size)
        .map((s) => {
          const o = samples.find((x) => x.candidate === other && x.size === size && x.run === s.run);
          return o ? f(s) / f(o) : NaN;
        })
        .filter((x) => Number.isFinite(x));
      return r.length ? round(median(r)) : undefined;
    };
    for (const [other, name] of [['nginx', 'nginx'], ['haproxy', 'HAProxy']] as const) {
      const wall = ratio(other, (s) => s.rps);
      const cpu = ratio(other, perCpuS);
      if (wall !== undefined) row(`rigging, ${size} response`, `ratio Rigging / ${name}, requests/s`, wall, '×');
      if (cpu !== undefined) row(`rigging, ${size} response`, `ratio Rigging / ${name}, per CPU-second`, cpu, '×');
    }
  }
  for (const c of CANDIDATES) if (rssAfter[c] !== undefined) row(c, 'RSS after the load', round(rssAfter[c], 1), 'MiB');
  return rows;
}
