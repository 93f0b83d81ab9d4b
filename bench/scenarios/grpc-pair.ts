// gRPC unary through two sidecars (issue item 3, second part): h2load → proxy A (h2c
// listener) → proxy B (HTTP/2 upstream) → a grpc-js echo server, 4 connections × 10
// streams, a 100-byte message each way; beside it the same load straight to the server
// (direct) and through nginx (`grpc_pass`) and HAProxy (`proto h2`) pairs, alternated in
// each repetition. h2load sees only HTTP statuses, so every target is first checked with a
// grpc-js client (grpc-status 0, the echoed bytes), and again after the load. Both proxies
// of a pair on CPU 1, h2load and the server on CPU 0.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CANDIDATES, type CandidateName } from '../lib/candidates.js';
import { ProcGroup, cpuSeconds } from '../lib/procs.js';
import { runH2load, type H2loadResult } from '../lib/h2load.js';
import { ECHO_PATH, grpcFrame, startGrpcProxy, startGrpcServer, verifyGrpc, type Endpoint } from '../lib/grpc.js';
import { median, round } from '../lib/stats.js';
import { ensureTools } from '../lib/tools.js';
import { loadSeconds, type BenchOptions, type Row, type Scenario } from '../lib/scenario.js';

type Target = 'direct' | CandidateName;
const TARGETS: Target[] = ['direct', ...CANDIDATES];
export const CONNECTIONS = 4;
export const STREAMS = 10;
export const PAYLOAD_BYTES = 100;
export const GRPC_NOTE = 'h2c both hops, plaintext';

const NAMES: Record<CandidateName, string> = { rigging: 'Rigging', nginx: 'nginx', haproxy: 'HAProxy' };

export interface GrpcSample {
  target: Target;
  run: number;
  h2load: H2loadResult;
  /** CPU seconds of both proxies of the pair per 1,000 calls; absent for direct. */
  cpuSPer1kCalls?: number;
}

export const grpcPair: Scenario = {
  name: 'grpc-pair',
  description: `gRPC unary through a sidecar pair, h2load -c${CONNECTIONS} -m${STREAMS} (${GRPC_NOTE}): Rigging vs nginx vs HAProxy pairs vs direct`,
  async run(opts: BenchOptions) {
    ensureTools(['h2load', 'nginx', 'haproxy', 'taskset']);
    const seconds = loadSeconds(opts, 10, 2);
    const group = new ProcGroup('grpc');
    const samples: GrpcSample[] = [];
    const payload = Buffer.alloc(PAYLOAD_BYTES, 'g');
    const msg = join(group.dir, 'msg.bin');
    writeFileSync(msg, grpcFrame(payload));
    try {
      const server = await startGrpcServer(group);
      const pairs = new Map<CandidateName, { a: Endpoint; b: Endpoint }>();
      for (const c of CANDIDATES) {
        const b = await startGrpcProxy(group, c, `${c}-b`, server.port);
        const a = await startGrpcProxy(group, c, `${c}-a`, b.port);
        pairs.set(c, { a, b });
      }
      const port = (t: Target) => (t === 'direct' ? server.port : pairs.get(t)!.a.port);
      for (const t of TARGETS) await verifyGrpc(port(t), payload);
      const load = (t: Target, durationS: number) =>
        runH2load(group, {
          url: `http://127.0.0.1:${port(t)}${ECHO_PATH}`,
          connections: CONNECTIONS,
          streams: STREAMS,
          durationS,
          extraArgs: ['-H', 'content-type: application/grpc', '-H', 'te: trailers', '-d', msg],
        });
      for (const t of TARGETS) await load(t, 1); // warm-up, not recorded
      for (let run = 0; run < opts.runs; run++) {
        for (const t of TARGETS) {
          const pair = t === 'direct' ? undefined : pairs.get(t)!;
          const before = pair ? cpuSeconds(pair.a.child.pid) + cpuSeconds(pair.b.child.pid) : 0;
          const h2load = await load(t, seconds);
          const cpu = pair ? (cpuSeconds(pair.a.child.pid) + cpuSeconds(pair.b.child.pid) - before) / (h2load.requests / 1000) : undefined;
          samples.push({ target: t, run, h2load, ...(cpu !== undefined ? { cpuSPer1kCalls: cpu } : {}) });
          console.error(`  run ${run + 1}/${opts.runs} ${t.padEnd(8)} ${Math.round(h2load.rps)} calls/s mean ${h2load.meanMs.toFixed(2)} ms`);
        }
      }
      // Still answering gRPC correctly after the load.
      for (const t of TARGETS) await verifyGrpc(port(t), payload, 5);
    } finally {
      await group.stop();
    }
    return { rows: grpcRows(samples), raw: { seconds, connections: CONNECTIONS, streams: STREAMS, payloadBytes: PAYLOAD_BYTES, note: GRPC_NOTE, samples } };
  },
};

export function grpcRows(samples: GrpcSample[]): Row[] {
  const rows: Row[] = [];
  const label = (t: Target) => (t === 'direct' ? 'direct (no proxy)' : `${t} pair (${GRPC_NOTE})`);
  const row = (t: Target, metric: string, value: number, unit: string) => rows.push({ scenario: 'grpc-pair', case: label(t), metric, value, unit });
  for (const t of TARGETS) {
    const mine = samples.filter((s) => s.target === t);
    if (!mine.length) continue;
    row(t, 'calls/s', Math.round(median(mine.map((s) => s.h2load.rps))), 'req/s');
    row(t, 'mean call time', round(median(mine.map((s) => s.h2load.meanMs))), 'ms');
    if (t === 'direct') continue;
    // Ratios per repetition (against the direct run of the same repetition), then the median.
    const direct = (run: number) => samples.find((s) => s.target === 'direct' && s.run === run)?.h2load;
    const ratios = mine.map((s) => s.h2load.rps / (direct(s.run)?.rps ?? NaN)).filter(Number.isFinite);
    if (ratios.length) row(t, 'ratio pair / direct, calls/s', round(median(ratios)), '×');
    const added = mine.map((s) => s.h2load.meanMs - (direct(s.run)?.meanMs ?? NaN)).filter(Number.isFinite);
    if (added.length) row(t, 'added mean call time (pair)', round(median(added)), 'ms');
    const cpu = mine.map((s) => s.cpuSPer1kCalls).filter((x) => x !== undefined);
    if (cpu.length) row(t, 'CPU per 1,000 calls, both proxies', round(median(cpu), 4), 's');
  }
  // Rigging against the other pairs, per repetition, then the median.
  for (const other of ['nginx', 'haproxy'] as const) {
    const r = samples.filter((s) => s.target === 'rigging').map((s) => s.h2load.rps / (samples.find((o) => o.target === other && o.run === s.run)?.h2load.rps ?? NaN));
    if (r.length && r.every(Number.isFinite)) row('rigging', `ratio Rigging / ${NAMES[other]}, calls/s`, round(median(r)), '×');
  }
  return rows;
}
