// Translation cost: a PushContext over M services × 10 endpoints (with VirtualServices
// and DestinationRules on a tenth of them), translated for one sidecar, all xDS types;
// and the same with a Sidecar resource scoping the proxy to 10 services.
import type { Resource } from '../../src/api/istio/meta.js';
import { buildPushContext } from '../../src/control/snapshot/build.js';
import { defaultMeshConfig } from '../../src/control/model/mesh.js';
import { translators } from '../../src/control/translate/index.js';
import { registryOf, sidecarProxy, type SvcSpec } from '../../test/helpers/mesh-fixtures.js';
import { median, round } from '../lib/stats.js';
import type { BenchOptions, Row, Scenario } from '../lib/scenario.js';

function inputs(m: number, scoped: boolean): { resources: Resource[]; specs: SvcSpec[] } {
  const specs: SvcSpec[] = [];
  const resources: Resource[] = [];
  for (let i = 0; i < m; i++) {
    specs.push({
      name: `svc-${i}`,
      ports: [[9080, 'HTTP']],
      vip: `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
      pods: Array.from({ length: 10 }, (_, k) => ({ ip: `127.${(i >> 8) & 255}.${i & 255}.${k + 1}`, labels: { version: k % 2 ? 'v2' : 'v1' } })),
    });
    if (i % 10 === 0) {
      resources.push({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: `svc-${i}`, namespace: 'default' }, spec: { host: `svc-${i}`, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } });
      resources.push({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: `svc-${i}`, namespace: 'default' },
        spec: { hosts: [`svc-${i}`], http: [{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: `svc-${i}`, subset: 'v2' } }] }, { route: [{ destination: { host: `svc-${i}`, subset: 'v1' }, weight: 90 }, { destination: { host: `svc-${i}`, subset: 'v2' }, weight: 10 }] }] },
      });
    }
  }
  if (scoped) resources.push({ apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'default', namespace: 'default' }, spec: { egress: [{ hosts: Array.from({ length: 10 }, (_, i) => `./svc-${i}.default.svc.cluster.local`) }] } });
  return { resources, specs };
}

function once(m: number, scoped: boolean) {
  const { resources, specs } = inputs(m, scoped);
  const registry = registryOf(...specs);
  const proxy = sidecarProxy('127.0.0.1', 'svc-0');
  const t0 = performance.now();
  const push = buildPushContext({ resources, registry, mesh: defaultMeshConfig() });
  const t1 = performance.now();
  const clusters = translators.clusters(push, proxy);
  const t2 = performance.now();
  const endpoints = translators.endpoints(push, proxy);
  const t3 = performance.now();
  const listeners = translators.listeners(push, proxy);
  const t4 = performance.now();
  const routes = translators.routes(push, proxy);
  const t5 = performance.now();
  return { push: t1 - t0, cds: t2 - t1, eds: t3 - t2, lds: t4 - t3, rds: t5 - t4, total: t5 - t0, counts: { clusters: clusters.length, endpoints: endpoints.length, listeners: listeners.length, routes: routes.length } };
}

export const translate: Scenario = {
  name: 'translate',
  description: 'Control plane: translate M services × 10 endpoints for one sidecar (all xDS types), unscoped and Sidecar-scoped',
  async run(opts: BenchOptions) {
    const m = opts.quick ? 200 : 1000;
    const rows: Row[] = [];
    const raw: Record<string, unknown[]> = {};
    for (const scoped of [false, true]) {
      const key = `${m} services × 10 endpoints${scoped ? ', Sidecar scoped to 10' : ''}`;
      once(m, scoped); // warm-up (JIT)
      const runs = Array.from({ length: Math.max(3, opts.runs) }, () => once(m, scoped));
      raw[key] = runs;
      for (const f of ['push', 'cds', 'eds', 'lds', 'rds', 'total'] as const) {
        rows.push({ scenario: 'translate', case: key, metric: f === 'total' ? 'total (PushContext + all types)' : f === 'push' ? 'PushContext build' : f.toUpperCase(), value: round(median(runs.map((r) => r[f]))), unit: 'ms' });
      }
    }
    return { rows, raw };
  },
};
