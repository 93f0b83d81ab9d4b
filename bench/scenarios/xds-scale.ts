// Control-plane scale: N simulated proxies (a separate process, each its own connection,
// ACKing like a real proxy) and M services × 10 endpoints. Measures time until all are
// first synced, convergence p50/p99 after a route change and after an endpoint change
// (change → ACK, debounce included), control-plane CPU and RSS, and bytes per proxy.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AdsServer } from '../../src/control/xds/server.js';
import { MemorySource, type NamedResource } from '../../src/control/xds/source.js';
import { TypeUrl, pack } from '../../src/api/envoy/types.js';
import { HCM_FILTER, httpConnectionManager, socketAddress, duration } from '../../src/api/envoy/build.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { median, percentile, round } from '../lib/stats.js';
import type { BenchOptions, Row, Scenario } from '../lib/scenario.js';

const host = (i: number) => `svc-${i}.bench.svc.cluster.local`;
const clusterName = (i: number) => `outbound|9080||${host(i)}`;

function cla(i: number, extra = 0): NamedResource {
  const eps = Array.from({ length: 10 + extra }, (_, k) => ({
    hostIdentifier: { case: 'endpoint' as const, value: { address: socketAddress(`10.${(i >> 8) & 255}.${i & 255}.${k + 1}`, 9080) } },
  }));
  return { name: clusterName(i), resource: pack(ClusterLoadAssignmentSchema, { clusterName: clusterName(i), endpoints: [{ locality: { zone: 'z' }, lbEndpoints: eps }] }) };
}

function routes(m: number, marker: string): NamedResource {
  const virtualHosts = Array.from({ length: m }, (_, i) => ({
    name: `${host(i)}:9080`,
    domains: [host(i), `${host(i)}:9080`, `svc-${i}`, `svc-${i}.bench`],
    routes: [{ name: marker, match: { pathSpecifier: { case: 'prefix' as const, value: '/' } }, action: { case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: clusterName(i) }, timeout: duration(0) } } }],
  }));
  return { name: '9080', resource: pack(RouteConfigurationSchema, { name: '9080', virtualHosts }) };
}

function buildSource(m: number): MemorySource {
  const src = new MemorySource();
  src.set(
    TypeUrl.Cluster,
    Array.from({ length: m }, (_, i) => ({
      name: clusterName(i),
      resource: pack(ClusterSchema, {
        name: clusterName(i),
        clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
        edsClusterConfig: { serviceName: clusterName(i), edsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } },
        connectTimeout: duration(10_000),
      }),
    })),
  );
  src.set(TypeUrl.ClusterLoadAssignment, Array.from({ length: m }, (_, i) => cla(i)));
  src.set(TypeUrl.Listener, [
    {
      name: '0.0.0.0_9080',
      resource: pack(ListenerSchema, {
        name: '0.0.0.0_9080',
        address: socketAddress('0.0.0.0', 9080),
        filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'outbound_0.0.0.0_9080', rds: '9080' }) } }] }],
      }),
    },
  ]);
  src.set(TypeUrl.RouteConfiguration, [routes(m, 'v0')]);
  return src;
}

interface RunFigures {
  firstSyncMs: number;
  routeConvergeP50: number;
  routeConvergeP99: number;
  routeAllMs: number;
  endpointConvergeP50: number;
  endpointConvergeP99: number;
  endpointAllMs: number;
  cpuSeconds: number;
  rssMiB: number;
  bytesPerProxy: number;
}

async function once(n: number, m: number): Promise<RunFigures> {
  const src = buildSource(m);
  const samples: { typeUrl: string; ms: number }[] = [];
  let onSample: (() => void) | undefined;
  const server = new AdsServer({
    source: src,
    onConverged: (e) => {
      samples.push({ typeUrl: e.typeUrl, ms: e.ms });
      onSample?.();
    },
  });
  const port = await server.listen(0);
  const cpu0 = process.cpuUsage();
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'xds-clients.ts'), `127.0.0.1:${port}`, String(n), '9080'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const firstSyncMs = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('simulated proxies did not sync within 300 s')), 300_000);
      let buf = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const m = /\{"event":"synced","ms":([\d.]+)\}/.exec(buf);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code) => reject(new Error(`simulated proxies exited (${code})`)));
    });
    const status = server.status();
    const bytes = status.map((s) => Object.values(s.types).reduce((a, t) => a + t.bytes, 0));
    const waitFor = (typeUrl: string, from: number) =>
      new Promise<number[]>((resolve, reject) => {
        const t0 = performance.now();
        const t = setTimeout(() => reject(new Error(`convergence of ${typeUrl} incomplete after 120 s`)), 120_000);
        onSample = () => {
          const got = samples.slice(from).filter((s) => s.typeUrl === typeUrl);
          if (got.length >= n) {
            clearTimeout(t);
            onSample = undefined;
            resolve([...got.map((s) => s.ms), performance.now() - t0]);
          }
        };
      });
    let from = samples.length;
    let p = waitFor(TypeUrl.RouteConfiguration, from);
    src.set(TypeUrl.RouteConfiguration, [routes(m, 'v1')]);
    const route = await p;
    const routeAll = route.pop()!;
    from = samples.length;
    p = waitFor(TypeUrl.ClusterLoadAssignment, from);
    src.set(TypeUrl.ClusterLoadAssignment, [cla(0, 1), ...Array.from({ length: m - 1 }, (_, i) => cla(i + 1))]);
    const ep = await p;
    const epAll = ep.pop()!;
    const cpu = process.cpuUsage(cpu0);
    return {
      firstSyncMs,
      routeConvergeP50: percentile(route, 50),
      routeConvergeP99: percentile(route, 99),
      routeAllMs: routeAll,
      endpointConvergeP50: percentile(ep, 50),
      endpointConvergeP99: percentile(ep, 99),
      endpointAllMs: epAll,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      bytesPerProxy: median(bytes),
    };
  } finally {
    child.stdin!.end();
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await server.close();
  }
}

export const xdsScale: Scenario = {
  name: 'xds-scale',
  description: 'Control plane: N proxies × M services (10 endpoints each): first sync, convergence, CPU, RSS, bytes',
  async run(opts: BenchOptions) {
    const cases = opts.quick ? [{ n: 50, m: 100 }] : [{ n: 100, m: 1000 }, { n: 1000, m: 1000 }];
    const rows: Row[] = [];
    const raw: Record<string, RunFigures[]> = {};
    for (const { n, m } of cases) {
      const key = `${n} proxies × ${m} services`;
      raw[key] = [];
      for (let r = 0; r < opts.runs; r++) raw[key].push(await once(n, m));
      const med = (f: keyof RunFigures) => round(median(raw[key]!.map((x) => x[f])));
      const add = (metric: string, f: keyof RunFigures, unit: string) => rows.push({ scenario: 'xds-scale', case: key, metric, value: med(f), unit });
      add('first sync, all proxies', 'firstSyncMs', 'ms');
      add('route change → ACK p50', 'routeConvergeP50', 'ms');
      add('route change → ACK p99', 'routeConvergeP99', 'ms');
      add('endpoint change → ACK p50', 'endpointConvergeP50', 'ms');
      add('endpoint change → ACK p99', 'endpointConvergeP99', 'ms');
      add('control plane CPU (whole run)', 'cpuSeconds', 's');
      add('control plane RSS', 'rssMiB', 'MiB');
      add('config bytes per proxy', 'bytesPerProxy', 'B');
    }
    return { rows, raw };
  },
};
