// Sidecar memory in a mesh (issue item 4, first part): RSS of an idle `rig proxy` sidecar
// configured over xDS by a real control plane (a `Pilot` in this process) with a small mesh
// (10 services) and a large one (1,000 services × 1 endpoint) — without a Sidecar resource,
// then with one scoping the proxy's egress to its own namespace plus one service. Measured
// after the control plane reports the proxy SYNCED for CDS, EDS, LDS and RDS and 5 s idle:
// VmRSS (of the whole process, from /proc), V8's heapUsed and heapTotal (read inside the
// proxy by the preloaded bench/memory-probe.mjs on SIGUSR2) and RSS minus heapUsed (code,
// runtime, free heap pages: the part config size hardly changes). Fresh proxies in
// each repetition, one at a time, the cases' order rotated between repetitions.
import { Pilot } from '../../src/control/pilot.js';
import { ROOT } from '../lib/candidates.js';
import { CPU, ProcGroup, rssMiB, sleep, type Child } from '../lib/procs.js';
import { MEMORY_PROBE_ARGS, readMemoryProbe } from '../lib/memory-probe.js';
import { median, round } from '../lib/stats.js';
import { join } from 'node:path';
import type { BenchOptions, Row, Scenario } from '../lib/scenario.js';

export const SETTLE_MS = 5_000;
const SERVICES_NS = 'bench';
const CLIENT_NS = 'client';
export const SIDECAR_EGRESS = ['./*', `${SERVICES_NS}/svc-0.${SERVICES_NS}.svc.cluster.local`];

interface MeshCase {
  name: string;
  mesh: 'small' | 'large';
  app: string;
}

const CASES: MeshCase[] = [
  { name: '10 services', mesh: 'small', app: 'client' },
  { name: '1,000 services, no Sidecar', mesh: 'large', app: 'client' },
  { name: '1,000 services, Sidecar: own namespace + 1 service', mesh: 'large', app: 'client-scoped' },
];

export interface MeshMemorySample {
  case: string;
  run: number;
  rssMiB: number;
  /** From process.memoryUsage() inside the proxy (bench/memory-probe.mjs). */
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  rssMinusHeapUsedMiB: number;
  syncMs: number;
  configBytes: number;
}

/** Istio YAML for n services svc-0…svc-(n-1) in SERVICES_NS, the client's own Service, and the scoping Sidecar. */
export function meshYaml(n: number): string {
  const svc = (name: string, ns: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector: {app: ${name}}
  ports:
  - name: http
    port: 9080
    targetPort: http`;
  const sidecar = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: scoped
  namespace: ${CLIENT_NS}
spec:
  workloadSelector:
    labels: {app: client-scoped}
  egress:
  - hosts: [${SIDECAR_EGRESS.map((h) => JSON.stringify(h)).join(', ')}]`;
  return [svc('client', CLIENT_NS), ...Array.from({ length: n }, (_, i) => svc(`svc-${i}`, SERVICES_NS)), sidecar].join('\n---\n') + '\n';
}

async function startMesh(n: number): Promise<Pilot> {
  const pilot = new Pilot({ xdsPort: 0, monitoringPort: 0, debounceQuietMs: 10, debounceMaxMs: 200 });
  await pilot.start();
  try {
    for (let i = 0; i < n; i++) {
      pilot.workloads.register({ namespace: SERVICES_NS, name: `svc-${i}-0`, labels: { app: `svc-${i}` }, serviceAccount: 'default', ip: `10.1.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 9080 }], healthy: true, hasSidecar: false });
    }
    const res = await fetch(`http://127.0.0.1:${pilot.monitoringPort}/rig/v1/apply?source=mesh-memory.yaml`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: meshYaml(n), signal: AbortSignal.timeout(60_000) });
    if (res.status !== 200) throw new Error(`applying the ${n}-service mesh answered ${res.status}: ${(await res.text()).slice(0, 2000)}`);
  } catch (err) {
    await pilot.stop();
    throw err;
  }
  return pilot;
}

/** Starts a sidecar for c against pilot, waits for SYNCED and SETTLE_MS, measures, stops it. */
async function measure(group: ProcGroup, pilot: Pilot, c: MeshCase, ip: string, run: number): Promise<MeshMemorySample> {
  const nodeId = `sidecar~${ip}~${c.app}-1.${CLIENT_NS}~${CLIENT_NS}.svc.cluster.local`;
  pilot.workloads.register({ namespace: CLIENT_NS, name: `${c.app}-1`, labels: { app: c.app }, serviceAccount: 'default', ip, ports: [{ name: 'http', port: 9080 }], healthy: true, hasSidecar: true });
  const t0 = performance.now();
  const child: Child = group.start(`sidecar-${c.mesh}`, CPU.proxy, process.execPath, [
    ...MEMORY_PROBE_ARGS,
    join(ROOT, 'bin', 'rig'),
    'proxy',
    '--xds',
    `127.0.0.1:${pilot.xdsPort}`,
    '--node-id',
    nodeId,
    '--metadata',
    JSON.stringify({ NAMESPACE: CLIENT_NS, INTERCEPTION_MODE: 'NONE', LABELS: { app: c.app } }),
    '--admin-address',
    ip,
    '--admin-port',
    '0',
    '--health-port',
    '0',
  ], { RIG_LOG_LEVEL: 'warn' });
  try {
    await child.waitFor(/admin\s+http:\/\//, 60_000);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const st = pilot.ads.status().find((s) => s.nodeId === nodeId);
      if (st && ['CDS', 'EDS', 'LDS', 'RDS'].every((t) => st.types[t]?.state === 'SYNCED')) break;
      if (!child.running) throw new Error(`the sidecar exited before it was synced:\n${child.out}`);
      if (Date.now() > deadline) throw new Error(`the sidecar was not SYNCED within 120 s (${JSON.stringify(st?.types ?? 'not connected')}):\n${child.out}`);
      await sleep(50);
    }
    const syncMs = performance.now() - t0;
    const status = pilot.ads.status().find((s) => s.nodeId === nodeId)!;
    const configBytes = Object.values(status.types).reduce((a, t) => a + t.bytes, 0);
    await sleep(SETTLE_MS);
    const rss = rssMiB(child.pid);
    const mem = await readMemoryProbe(child);
    const heapUsed = mem.heapUsed / 2 ** 20;
    return { case: c.name, run, rssMiB: rss, heapUsedMiB: heapUsed, heapTotalMiB: mem.heapTotal / 2 ** 20, externalMiB: mem.external / 2 ** 20, rssMinusHeapUsedMiB: rss - heapUsed, syncMs, configBytes };
  } finally {
    await group.stopChild(child);
    pilot.workloads.unregister(CLIENT_NS, `${c.app}-1`);
  }
}

export const meshMemory: Scenario = {
  name: 'mesh-memory',
  description: 'Idle rig proxy sidecar RSS over xDS from a real control plane: 10 services, 1,000 services, 1,000 scoped by a Sidecar',
  async run(opts: BenchOptions) {
    const samples: MeshMemorySample[] = [];
    const group = new ProcGroup('mesh-memory');
    const pilots: Partial<Record<MeshCase['mesh'], Pilot>> = {};
    try {
      pilots.small = await startMesh(10);
      pilots.large = await startMesh(1000);
      for (let run = 0; run < opts.runs; run++) {
        // Rotate the order so that no case always runs first (or last) in a repetition.
        const order = CASES.map((_, i) => CASES[(i + run) % CASES.length]!);
        for (const [i, c] of order.entries()) {
          const s = await measure(group, pilots[c.mesh]!, c, `127.0.9.${run * CASES.length + i + 1}`, run);
          samples.push(s);
          console.error(`  run ${run + 1}/${opts.runs} ${c.name}: RSS ${s.rssMiB.toFixed(1)} MiB, heapUsed ${s.heapUsedMiB.toFixed(1)} MiB, synced in ${Math.round(s.syncMs)} ms, ${s.configBytes} config bytes`);
        }
      }
    } finally {
      await group.stop();
      await Promise.all(Object.values(pilots).map((p) => p.stop()));
    }
    return { rows: meshMemoryRows(samples), raw: { settleMs: SETTLE_MS, sidecarEgress: SIDECAR_EGRESS, samples } };
  },
};

export function meshMemoryRows(samples: MeshMemorySample[]): Row[] {
  const rows: Row[] = [];
  for (const c of CASES) {
    const mine = samples.filter((s) => s.case === c.name);
    if (!mine.length) continue;
    const row = (metric: string, f: (s: MeshMemorySample) => number, unit: string, digits = 1) => rows.push({ scenario: 'mesh-memory', case: c.name, metric, value: round(median(mine.map(f)), digits), unit });
    row('RSS idle (SYNCED + 5 s)', (s) => s.rssMiB, 'MiB');
    row('V8 heapUsed', (s) => s.heapUsedMiB, 'MiB');
    row('RSS minus heapUsed', (s) => s.rssMinusHeapUsedMiB, 'MiB');
    row('V8 heapTotal', (s) => s.heapTotalMiB, 'MiB');
    row('start → SYNCED', (s) => s.syncMs, 'ms', 0);
    row('config bytes pushed', (s) => s.configBytes, 'B', 0);
  }
  return rows;
}
