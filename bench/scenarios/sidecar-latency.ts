// Sidecar pair latency by Istio's method (issue item 1): client → proxy A → proxy B →
// server, HTTP/1.1, 1 KiB response, about 1,000 requests/s from 16 (and 4) connections
// (wrk with a delay() hook), against the same load sent straight to the server. Pairs of
// Rigging, nginx and HAProxy proxies in the same run, alternated within each repetition.
// Plaintext between the proxies; mTLS arrives with the security work. Both proxies of a
// pair are pinned to CPU 1, wrk and the server to CPU 0. Reports p50/p90/p99/p99.9 added
// over direct, and each sidecar's CPU seconds per 1,000 requests and RSS.
import { BODY, CANDIDATES, startCandidate, startUpstream, type CandidateName, type Running } from '../lib/candidates.js';
import { ProcGroup, cpuSeconds, rssMiB } from '../lib/procs.js';
import { median, round } from '../lib/stats.js';
import { ensureTools } from '../lib/tools.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import { loadSeconds, type BenchOptions, type Row, type Scenario } from '../lib/scenario.js';

export const RATE = 1000;
const CONNECTIONS = [16, 4];
const PERCENTILES = ['p50', 'p90', 'p99', 'p999'] as const;
type Pct = (typeof PERCENTILES)[number];
type Target = 'direct' | CandidateName;
const TARGETS: Target[] = ['direct', ...CANDIDATES];
export const TRANSPORT_NOTE = 'plaintext; mTLS arrives with the security work';

export interface LatencySample {
  target: Target;
  connections: number;
  run: number;
  rps: number;
  latencyMs: Record<Pct, number>;
  /** Per sidecar (A = client side, B = server side); absent for direct. */
  cpuSPer1kRequests?: { a: number; b: number };
  wrk: WrkResult;
}

interface Pair {
  a: Running;
  b: Running;
}

export const sidecarLatency: Scenario = {
  name: 'sidecar-latency',
  description: `Sidecar pair added latency at ${RATE} req/s, 1 KiB, 16 and 4 connections (${TRANSPORT_NOTE}): Rigging vs nginx vs HAProxy pairs`,
  async run(opts: BenchOptions) {
    ensureTools(['wrk', 'nginx', 'haproxy', 'taskset']);
    const seconds = loadSeconds(opts, 30, 3);
    const group = new ProcGroup('latency');
    const samples: LatencySample[] = [];
    const rss: Partial<Record<CandidateName, { a: number; b: number }>> = {};
    try {
      const server = await startUpstream(group, 'server');
      const pairs = new Map<CandidateName, Pair>();
      for (const c of CANDIDATES) {
        const b = await startCandidate(group, c, server.port, { label: `${c}-b` });
        const a = await startCandidate(group, c, b.port, { label: `${c}-a` });
        pairs.set(c, { a, b });
      }
      const url = (t: Target) => `http://127.0.0.1:${t === 'direct' ? server.port : pairs.get(t)!.a.port}${BODY['1k']}`;
      // Warm-up at the same rate (JIT, connection pools); not recorded.
      for (const t of TARGETS) await runWrk(group, { url: url(t), connections: 16, durationS: opts.quick ? 1 : 3, rate: RATE });
      for (const connections of CONNECTIONS) {
        for (let run = 0; run < opts.runs; run++) {
          for (const t of TARGETS) {
            const pair = t === 'direct' ? undefined : pairs.get(t)!;
            const before = pair && { a: cpuSeconds(pair.a.child.pid), b: cpuSeconds(pair.b.child.pid) };
            const wrk = await runWrk(group, { url: url(t), connections, durationS: seconds, rate: RATE });
            const per1k = (pid: number, s0: number) => (cpuSeconds(pid) - s0) / (wrk.requests / 1000);
            const { p50, p90, p99, p999 } = wrk.latencyMs;
            samples.push({
              target: t,
              connections,
              run,
              rps: wrk.rps,
              latencyMs: { p50, p90, p99, p999 },
              ...(pair && before ? { cpuSPer1kRequests: { a: per1k(pair.a.child.pid, before.a), b: per1k(pair.b.child.pid, before.b) } } : {}),
              wrk,
            });
            console.error(`  c${connections} run ${run + 1}/${opts.runs} ${t.padEnd(8)} ${Math.round(wrk.rps)} req/s p50 ${p50.toFixed(3)} ms p99 ${p99.toFixed(3)} ms`);
          }
        }
      }
      for (const [c, p] of pairs) rss[c] = { a: rssMiB(p.a.child.pid), b: rssMiB(p.b.child.pid) };
    } finally {
      await group.stop();
    }
    return { rows: latencyRows(samples, rss), raw: { seconds, rate: RATE, transport: TRANSPORT_NOTE, samples, rssAfterMiB: rss } };
  },
};

export function latencyRows(samples: LatencySample[], rss: Partial<Record<CandidateName, { a: number; b: number }>>): Row[] {
  const rows: Row[] = [];
  const row = (c: string, metric: string, value: number, unit: string) => rows.push({ scenario: 'sidecar-latency', case: c, metric, value, unit });
  for (const connections of CONNECTIONS) {
    const direct = samples.filter((s) => s.target === 'direct' && s.connections === connections);
    if (!direct.length) continue;
    const label = (t: Target) => `${t}${t === 'direct' ? '' : ' pair'}, ${connections} conns`;
    for (const t of TARGETS) {
      const mine = samples.filter((s) => s.target === t && s.connections === connections);
      if (!mine.length) continue;
      for (const p of PERCENTILES) row(label(t), p.replace('p999', 'p99.9'), round(median(mine.map((s) => s.latencyMs[p])), 3), 'ms');
      row(label(t), 'rate achieved', Math.round(median(mine.map((s) => s.rps))), 'req/s');
      if (t === 'direct') continue;
      // Added latency: each run against the direct run of the same repetition, then the median.
      const added = (p: Pct) => median(mine.map((s) => s.latencyMs[p] - (direct.find((d) => d.run === s.run) ?? direct[0]!).latencyMs[p]));
      for (const p of PERCENTILES) row(label(t), `added ${p.replace('p999', 'p99.9')} (pair)`, round(added(p), 3), 'ms');
      row(label(t), 'added p50 per proxy', round(added('p50') / 2, 3), 'ms');
      const cpu = mine.map((s) => s.cpuSPer1kRequests).filter((x) => x !== undefined);
      row(label(t), 'CPU per 1,000 requests, client sidecar', round(median(cpu.map((x) => x.a)), 4), 's');
      row(label(t), 'CPU per 1,000 requests, server sidecar', round(median(cpu.map((x) => x.b)), 4), 's');
    }
  }
  for (const c of CANDIDATES) {
    const r = rss[c];
    if (!r) continue;
    row(`${c} pair`, 'RSS after the load, client sidecar', round(r.a, 1), 'MiB');
    row(`${c} pair`, 'RSS after the load, server sidecar', round(r.b, 1), 'MiB');
  }
  return rows;
}
