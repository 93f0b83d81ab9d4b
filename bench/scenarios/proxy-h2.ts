// HTTP/2 through one proxy (issue item 3, first part): h2load, 10 connections × 10
// streams, h2c (prior knowledge) downstream, 1 KiB responses; the upstream side is
// HTTP/1.1 for every candidate (the proxy's HTTP/2 upstream is not in yet). Rigging, nginx
// and HAProxy alternated in each repetition, proxy on CPU 1, h2load and upstream on CPU 0.
import { BODY, CANDIDATES, startCandidate, startUpstream, type CandidateName, type Running } from '../lib/candidates.js';
import { ProcGroup } from '../lib/procs.js';
import { runH2load, type H2loadResult } from '../lib/h2load.js';
import { median, round } from '../lib/stats.js';
import { ensureTools } from '../lib/tools.js';
import { loadSeconds, type BenchOptions, type Row, type Scenario } from '../lib/scenario.js';

export const H2_NOTE = 'h2c downstream, HTTP/1.1 upstream';

export const proxyH2: Scenario = {
  name: 'proxy-h2',
  description: `HTTP/2 requests/s through one proxy, h2load -c10 -m10 (${H2_NOTE}): Rigging vs nginx vs HAProxy`,
  async run(opts: BenchOptions) {
    ensureTools(['h2load', 'nginx', 'haproxy', 'taskset']);
    const seconds = loadSeconds(opts, 10, 2);
    const group = new ProcGroup('h2');
    const samples: { candidate: CandidateName; run: number; h2load: H2loadResult }[] = [];
    try {
      const upstream = await startUpstream(group);
      const proxies = new Map<CandidateName, Running>();
      for (const c of CANDIDATES) proxies.set(c, await startCandidate(group, c, upstream.port, { h2c: true }));
      const load = (c: CandidateName, durationS: number) => runH2load(group, { url: `http://127.0.0.1:${proxies.get(c)!.port}${BODY['1k']}`, connections: 10, streams: 10, durationS });
      for (const c of CANDIDATES) await load(c, opts.quick ? 1 : 3); // warm-up, not recorded
      for (let run = 0; run < opts.runs; run++) {
        for (const c of CANDIDATES) {
          const h2load = await load(c, seconds);
          samples.push({ candidate: c, run, h2load });
          console.error(`  run ${run + 1}/${opts.runs} ${c.padEnd(8)} ${Math.round(h2load.rps)} req/s`);
        }
      }
    } finally {
      await group.stop();
    }
    const rows: Row[] = [];
    for (const c of CANDIDATES) {
      const mine = samples.filter((s) => s.candidate === c);
      rows.push({ scenario: 'proxy-h2', case: `${c} (${H2_NOTE})`, metric: 'requests/s', value: Math.round(median(mine.map((s) => s.h2load.rps))), unit: 'req/s' });
      rows.push({ scenario: 'proxy-h2', case: `${c} (${H2_NOTE})`, metric: 'mean request time', value: round(median(mine.map((s) => s.h2load.meanMs))), unit: 'ms' });
    }
    // Ratios: each Rigging run against the other candidate's run of the same repetition, then the median.
    for (const [other, name] of [['nginx', 'nginx'], ['haproxy', 'HAProxy']] as const) {
      const r = samples.filter((s) => s.candidate === 'rigging').map((s) => s.h2load.rps / (samples.find((o) => o.candidate === other && o.run === s.run)?.h2load.rps ?? NaN));
      if (r.every((x) => Number.isFinite(x))) rows.push({ scenario: 'proxy-h2', case: `rigging (${H2_NOTE})`, metric: `ratio Rigging / ${name}`, value: round(median(r)), unit: '×' });
    }
    return { rows, raw: { seconds, connections: 10, streams: 10, note: H2_NOTE, samples } };
  },
};
