// Micro-benchmark of the stats hot path: what one request costs when it bumps a counter,
// a gauge, a histogram, a cluster's response-code stats and Istio's request metrics —
// against a labelled counter that looks its series up by key on every call.
// Run: node --import tsx bench/micro/stats.ts [--json]
import { machineInfo } from '../lib/machine.js';
import { median, round } from '../lib/stats.js';
import { Counter as LabelledCounter } from '../../src/shared/metrics.js';
import { clusterStats } from '../../src/proxy/stats/cluster-stats.js';
import { IstioMetrics } from '../../src/proxy/stats/istio-metrics.js';
import { StatsStore } from '../../src/proxy/stats/store.js';

/** Runs `fn(i)` `batch` times per sample; returns the median ns per call over `samples`. */
function nsPerCall(fn: (i: number) => void, batch: number, samples = 9): number {
  for (let i = 0; i < batch; i++) fn(i); // warm up
  const ns: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn(i);
    ns.push(Number(process.hrtime.bigint() - t0) / batch);
  }
  return median(ns);
}

function main(): void {
  const json = process.argv.includes('--json');
  const store = new StatsStore();
  const cluster = clusterStats(store, 'outbound|9080||reviews.default.svc.cluster.local');
  const counter = cluster.upstream_rq_total;
  const gauge = cluster.upstream_rq_active;
  const histogram = cluster.upstream_rq_time;
  const istio = new IstioMetrics(store).peer({ reporter: 'destination', source_workload: 'productpage-v1', destination_service: 'reviews.default.svc.cluster.local' });
  const labelled = new LabelledCounter('requests_total', 'for comparison');
  const labels = { cluster: 'outbound|9080||reviews.default.svc.cluster.local', code: '200' };
  const N = 5_000_000;

  const results = {
    benchmark: 'stats',
    machine: machineInfo(),
    nsPerCall: {
      counterInc: round(nsPerCall(() => counter.inc(), N), 2),
      counterAdd: round(nsPerCall((i) => counter.add(i & 7), N), 2),
      gaugeIncDec: round(nsPerCall(() => (gauge.inc(), gauge.dec()), N), 2),
      histogramRecord: round(nsPerCall((i) => histogram.record(i & 255), N), 2),
      clusterChargeResponse: round(nsPerCall((i) => cluster.chargeResponse(i & 15 ? 200 : 503, i & 63), N), 2),
      istioRecord: round(nsPerCall((i) => istio.record(i & 15 ? 200 : 503, i & 63), N / 5), 2),
      labelledCounterInc: round(nsPerCall(() => labelled.inc(labels), N / 5), 2),
    },
  };
  // Read what was written so nothing above is dead code.
  if (counter.value + gauge.value + histogram.count + labelled.get(labels) < 0) throw new Error('unreachable');
  if (json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(`stats micro-benchmark on ${results.machine.cpuModel}, node ${results.machine.node} (ns per call, median of 9)`);
  for (const [k, v] of Object.entries(results.nsPerCall)) console.log(`  ${k.padEnd(24)} ${v.toFixed(2).padStart(8)}`);
}

main();
