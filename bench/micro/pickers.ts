// Micro-benchmark of the load balancer's hot and slow paths: pick() per policy with 10 and
// 1,000 hosts (picks/s), picker rebuilds (what an EDS push or an ejection costs), and
// request hashing.
// Run: node --import tsx bench/micro/pickers.ts [--json]
import { create } from '@bufbuild/protobuf';
import { machineInfo } from '../lib/machine.js';
import { median, round } from '../lib/stats.js';
import { seededRandom } from '../../src/shared/clock.js';
import { RouteAction_HashPolicySchema } from '../../src/api/gen/envoy/config/route/v3/route_components_pb.js';
import type { Cluster } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { HostSet } from '../../src/proxy/balance/host-set.js';
import { createPicker, type PickContext, type Picker } from '../../src/proxy/balance/picker.js';
import { compileHashPolicy } from '../../src/proxy/balance/hash-policy.js';
import { addresses, clusterOf, Cluster_LbPolicy, HealthStatus, loadAssignment } from '../../src/proxy/balance/testing.js';
import { xxHash64 } from '../../src/proxy/balance/xxhash64.js';

/** Runs `fn` `batch` times per sample; returns the median of `samples` rates (ops/s). */
function measure(fn: () => void, batch: number, samples = 7): number {
  for (let i = 0; i < batch; i++) fn(); // warm up
  const rates: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0);
    rates.push(batch / (ns / 1e9));
  }
  return median(rates);
}

/** Median milliseconds of `fn` over `samples` runs. */
function timeMs(fn: () => void, samples = 7): number {
  fn();
  const ms: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

interface Case {
  name: string;
  cluster: Cluster;
  hostSet: (n: number) => HostSet;
  ctx?: PickContext[];
}

const flat = (n: number) => HostSet.fromClusterLoadAssignment(loadAssignment([{ endpoints: addresses(n) }]));
const weighted = (n: number) => HostSet.fromClusterLoadAssignment(loadAssignment([{ endpoints: addresses(n).map((address, i) => ({ address, weight: 1 + (i % 5) })) }]));
/** Three zones weighted 1:2:3, locality weighted LB. */
const zones = (n: number) =>
  HostSet.fromClusterLoadAssignment(
    loadAssignment([0, 1, 2].map((z) => ({ locality: { zone: `z${z}` }, weight: z + 1, endpoints: addresses(Math.ceil(n / 3), z * Math.ceil(n / 3)) }))),
  );
/** P0 with half its hosts unhealthy (70 % stays), P1 healthy. */
const spill = (n: number) =>
  HostSet.fromClusterLoadAssignment(
    loadAssignment([
      { priority: 0, endpoints: addresses(n / 2).map((address, i) => ({ address, health: i % 2 ? HealthStatus.UNHEALTHY : HealthStatus.HEALTHY })) },
      { priority: 1, endpoints: addresses(n / 2, n / 2) },
    ]),
  );

const hashCtx: PickContext[] = Array.from({ length: 1024 }, (_, i) => ({ hash: xxHash64(`session-${i}`) }));

const CASES: Case[] = [
  { name: 'round_robin', cluster: clusterOf(Cluster_LbPolicy.ROUND_ROBIN), hostSet: flat },
  { name: 'round_robin_weighted', cluster: clusterOf(Cluster_LbPolicy.ROUND_ROBIN), hostSet: weighted },
  { name: 'least_request_p2c', cluster: clusterOf(Cluster_LbPolicy.LEAST_REQUEST), hostSet: flat },
  { name: 'least_request_weighted', cluster: clusterOf(Cluster_LbPolicy.LEAST_REQUEST), hostSet: weighted },
  { name: 'random', cluster: clusterOf(Cluster_LbPolicy.RANDOM), hostSet: flat },
  { name: 'ring_hash', cluster: clusterOf(Cluster_LbPolicy.RING_HASH), hostSet: flat, ctx: hashCtx },
  { name: 'maglev', cluster: clusterOf(Cluster_LbPolicy.MAGLEV), hostSet: flat, ctx: hashCtx },
  { name: 'rr_locality_weighted', cluster: clusterOf(Cluster_LbPolicy.ROUND_ROBIN, { commonLbConfig: { localityConfigSpecifier: { case: 'localityWeightedLbConfig', value: {} } } }), hostSet: zones },
  { name: 'rr_priority_spill', cluster: clusterOf(Cluster_LbPolicy.ROUND_ROBIN), hostSet: spill },
];

function main(): void {
  const json = process.argv.includes('--json');
  const random = seededRandom(1);
  const picks: Record<string, Record<string, number>> = {};
  const builds: Record<string, Record<string, number>> = {};
  for (const c of CASES) {
    picks[c.name] = {};
    builds[c.name] = {};
    for (const n of [10, 1000]) {
      const hs = c.hostSet(n);
      hs.hosts.forEach((h, i) => (h.state.activeRequests = i % 7));
      const picker: Picker = createPicker(c.cluster, hs, { random });
      let i = 0;
      const ctx = c.ctx;
      const rate = ctx ? measure(() => picker.pick(ctx[i++ & 1023]), 500_000) : measure(() => picker.pick(), 500_000);
      picks[c.name]![`hosts${n}`] = round(rate, 0);
      builds[c.name]![`hosts${n}`] = round(timeMs(() => picker.rebuild()), 3);
    }
  }

  // A retry: one host of the previous attempt excluded.
  const retryPicker = createPicker(clusterOf(Cluster_LbPolicy.ROUND_ROBIN), flat(10), { random });
  const exclude = new Set([retryPicker.pick()!]);
  const retryRate = measure(() => retryPicker.pick({ exclude }), 500_000);

  // Request hashing: one header policy, and header + cookie.
  const headers: Record<string, string> = { 'x-user': 'user-12345', cookie: 'theme=dark; session=abcdef0123456789' };
  const req = { header: (n: string) => headers[n], query: () => undefined, sourceIp: '10.1.2.3' };
  const byHeader = compileHashPolicy([create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'header', value: { headerName: 'x-user' } } })]);
  const byTwo = compileHashPolicy([
    create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'header', value: { headerName: 'x-user' } } }),
    create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'cookie', value: { name: 'session' } } }),
  ]);
  const hashing = {
    header: round(measure(() => byHeader(req), 500_000), 0),
    headerAndCookie: round(measure(() => byTwo(req), 500_000), 0),
  };

  const results = { benchmark: 'pickers', machine: machineInfo(), picksPerSecond: picks, rebuildMs: builds, retryPickExcludingOne: round(retryRate, 0), hashesPerSecond: hashing };
  if (json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(`load balancer micro-benchmark on ${results.machine.cpuModel}, node ${results.machine.node} (median of 7)`);
  console.log(`  ${'policy'.padEnd(24)} ${'picks/s 10'.padStart(12)} ${'picks/s 1000'.padStart(13)} ${'rebuild ms 10'.padStart(14)} ${'rebuild ms 1000'.padStart(16)}`);
  for (const c of CASES) {
    const p = picks[c.name]!;
    const b = builds[c.name]!;
    console.log(
      `  ${c.name.padEnd(24)} ${p.hosts10!.toLocaleString('en-US').padStart(12)} ${p.hosts1000!.toLocaleString('en-US').padStart(13)} ${String(b.hosts10).padStart(14)} ${String(b.hosts1000).padStart(16)}`,
    );
  }
  console.log(`  retry pick, 1 of 10 excluded (RR)   ${results.retryPickExcludingOne.toLocaleString('en-US')} picks/s`);
  console.log(`  hash_policy header                  ${hashing.header.toLocaleString('en-US')} hashes/s`);
  console.log(`  hash_policy header + cookie         ${hashing.headerAndCookie.toLocaleString('en-US')} hashes/s`);
}

main();
