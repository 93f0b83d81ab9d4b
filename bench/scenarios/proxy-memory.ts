// Proxy memory (issue item 4, simple form): RSS of an idle `rig proxy` with a small static
// config (one route, one cluster) after 5 s of settling, and its RSS after a throughput
// load (wrk -c50, 1 KiB responses); beside it the same for Rigging, nginx and HAProxy
// with the 100-route table. All are started together, fresh in each repetition.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BODY, CANDIDATES, ROOT, riggingSmallBootstrap, startCandidate, startUpstream, type Running } from '../lib/candidates.js';
import { CPU, ProcGroup, freePort, rssMiB, sleep, waitForPort } from '../lib/procs.js';
import { median, round } from '../lib/stats.js';
import { ensureTools } from '../lib/tools.js';
import { runWrk } from '../lib/wrk.js';
import { loadSeconds, type BenchOptions, type Row, type Scenario } from '../lib/scenario.js';

export const SETTLE_MS = 5_000;
export const SMALL = 'rigging, small config';
const CASES = [SMALL, 'rigging, 100 routes', 'nginx, 100 routes', 'haproxy, 100 routes'];

export interface MemorySample {
  case: string;
  run: number;
  idleMiB: number;
  afterLoadMiB: number;
}

export const proxyMemory: Scenario = {
  name: 'proxy-memory',
  description: 'Proxy RSS idle (after 5 s) and after a wrk -c50 load: rig proxy with a small static config, and the 100-route candidates',
  async run(opts: BenchOptions) {
    ensureTools(['wrk', 'nginx', 'haproxy', 'taskset']);
    const seconds = loadSeconds(opts, 10, 2);
    const samples: MemorySample[] = [];
    for (let run = 0; run < opts.runs; run++) {
      const group = new ProcGroup('memory');
      try {
        const upstream = await startUpstream(group);
        const port = await freePort();
        const file = join(group.dir, 'small.yaml');
        writeFileSync(file, riggingSmallBootstrap(port, upstream.port));
        const small = group.start('rigging-small', CPU.proxy, process.execPath, [join(ROOT, 'bin', 'rig'), 'proxy', '--config', file, '--admin-port', '0'], { RIG_LOG_LEVEL: 'warn' });
        await waitForPort(port, small);
        const proxies: Running[] = [{ name: 'rigging', port, child: small }];
        for (const c of CANDIDATES) proxies.push(await startCandidate(group, c, upstream.port));
        await sleep(SETTLE_MS);
        const idle = proxies.map((p) => rssMiB(p.child.pid));
        const after: number[] = [];
        for (const p of proxies) {
          await runWrk(group, { url: `http://127.0.0.1:${p.port}${BODY['1k']}`, connections: 50, durationS: seconds });
          after.push(rssMiB(p.child.pid));
        }
        CASES.forEach((c, i) => samples.push({ case: c, run, idleMiB: idle[i]!, afterLoadMiB: after[i]! }));
        console.error(`  run ${run + 1}/${opts.runs} ${CASES.map((c, i) => `${c}: ${idle[i]!.toFixed(1)} → ${after[i]!.toFixed(1)} MiB`).join('; ')}`);
      } finally {
        await group.stop();
      }
    }
    return { rows: memoryRows(samples), raw: { settleMs: SETTLE_MS, loadSeconds: seconds, samples } };
  },
};

export function memoryRows(samples: MemorySample[]): Row[] {
  const rows: Row[] = [];
  for (const c of CASES) {
    const mine = samples.filter((s) => s.case === c);
    if (!mine.length) continue;
    rows.push({ scenario: 'proxy-memory', case: c, metric: 'RSS idle (after 5 s)', value: round(median(mine.map((s) => s.idleMiB)), 1), unit: 'MiB' });
    rows.push({ scenario: 'proxy-memory', case: c, metric: 'RSS after wrk -c50 load', value: round(median(mine.map((s) => s.afterLoadMiB)), 1), unit: 'MiB' });
  }
  return rows;
}
