// The control plane end to end, in one process over real sockets: workloads registered
// over HTTP, Istio YAML applied over HTTP, our xDS client (as a sidecar) and the
// independent @grpc/grpc-js-xds client (proxyless, its own process) receiving the
// translated config and following VirtualService changes live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Pilot } from '../../src/control/pilot.js';
import { XdsClient } from '../../src/proxy/xds-client/index.js';
import { startEchoBackend, type EchoBackend } from '../helpers/echo-backend.js';
import { GrpcXdsClient, tally } from '../helpers/grpc-xds-client.js';

let pilot: Pilot;
let api: string;
const backends: EchoBackend[] = [];
const cleanup: (() => Promise<void> | void)[] = [];

async function http(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { 'content-type': contentType },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const apply = (yaml: string, source = 'test.yaml') => http('POST', `/rig/v1/apply?source=${source}`, yaml, 'application/yaml');

async function until<T>(fn: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const services = `
apiVersion: v1
kind: Service
metadata:
  name: reviews
  labels: {app: reviews}
spec:
  selector: {app: reviews}
  ports:
  - name: grpc
    port: 9080
    targetPort: grpc
---
apiVersion: v1
kind: Service
metadata:
  name: productpage
spec:
  selector: {app: productpage}
  ports:
  - name: http
    port: 9080
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
`;

const weighted = (v1: number, v2: number) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: ${v1}
    - destination: {host: reviews, subset: v2}
      weight: ${v2}
`;

before(async () => {
  pilot = new Pilot({ xdsPort: 0, monitoringPort: 0, debounceQuietMs: 10, debounceMaxMs: 200 });
  await pilot.start();
  cleanup.push(() => pilot.stop());
  api = `http://127.0.0.1:${pilot.monitoringPort}`;
  for (const v of ['v1', 'v2']) {
    const b = await startEchoBackend(`reviews-${v}`);
    backends.push(b);
    cleanup.push(() => b.stop());
    const r = await http('PUT', `/rig/v1/workloads/default/reviews-${v}`, {
      labels: { app: 'reviews', version: v },
      serviceAccount: 'bookinfo-reviews',
      ip: '127.0.0.1',
      ports: [{ name: 'grpc', port: b.port }],
      healthy: true,
    });
    assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.json));
  }
  const pp = await http('PUT', '/rig/v1/workloads/default/productpage-v1', { labels: { app: 'productpage', version: 'v1' }, ip: '127.0.3.1', ports: [{ name: 'http', port: 9080 }], hasSidecar: true });
  assert.ok(pp.status < 300);
  const a = await apply(services);
  assert.equal(a.status, 200, JSON.stringify(a.json));
});

after(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

test('a sidecar gets Bookinfo-shaped config and a VirtualService applied later reaches it live', async (t) => {
  const client = new XdsClient({
    bootstrap: {
      node: { id: 'sidecar~127.0.3.1~productpage-v1.default~default.svc.cluster.local', cluster: 'productpage.default', metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage', version: 'v1' } } },
      xdsServer: `127.0.0.1:${pilot.xdsPort}`,
    },
  });
  cleanup.push(() => client.stop());
  client.start();
  await client.ready();
  const snap = client.snapshot();
  assert.ok(snap.clusters.has('outbound|9080|v1|reviews.default.svc.cluster.local'));
  assert.ok(snap.clusters.has('inbound|9080||'), 'its own inbound cluster');
  assert.ok(snap.listeners.has('virtualInbound') && snap.listeners.has('0.0.0.0_9080'));
  const eps = snap.endpoints.get('outbound|9080|v2|reviews.default.svc.cluster.local')!;
  const ep = eps.endpoints[0]!.lbEndpoints[0]!.hostIdentifier;
  assert.ok(ep.case === 'endpoint' && ep.value.address?.address.case === 'socketAddress');
  assert.equal(ep.value.address.address.value.portSpecifier.value, backends[1]!.port, 'the named targetPort resolved to the v2 workload port');

  const t0 = performance.now();
  const r = await apply(weighted(80, 20));
  assert.equal(r.status, 200);
  await until(() => {
    const vh = client.snapshot().routes.get('9080')?.virtualHosts.find((v) => v.name === 'reviews.default.svc.cluster.local:9080');
    const a = vh?.routes[0]?.action;
    return a?.case === 'route' && a.value.clusterSpecifier.case === 'weightedClusters' ? true : undefined;
  }, 'the weighted route in the sidecar');
  t.diagnostic(`VirtualService apply → sidecar snapshot: ${(performance.now() - t0).toFixed(0)} ms`);
  const status = pilot.ads.status().find((s) => s.nodeId.startsWith('sidecar~127.0.3.1'))!;
  await until(() => (pilot.ads.status().find((s) => s.nodeId === status.nodeId)?.types.RDS?.state === 'SYNCED' ? true : undefined), 'RDS SYNCED');
});

test('an invalid VirtualService is rejected with the field and nothing applied is harmed', async () => {
  const r = await apply(weighted(80, 10), 'reviews-bad.yaml');
  assert.equal(r.status, 422);
  const text = JSON.stringify(r.json);
  assert.match(text, /reviews-bad\.yaml/);
  assert.match(text, /VirtualService default\/reviews: spec\.http\[0\]\.route\[1\]\.weight: weights must sum to 100, got 90/);
  const stored = (await http('GET', '/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews')).json as { spec: { http: { route: { weight: number }[] }[] } };
  assert.deepEqual(stored.spec.http[0]!.route.map((d) => d.weight), [80, 20]);
});

test('proxyless gRPC follows VirtualService weights and subsets with no sidecar', { timeout: 60_000 }, async () => {
  await apply(weighted(80, 20));
  const client = await GrpcXdsClient.start({
    serviceName: 'reviews.default.svc.cluster.local:9080',
    xdsServer: `127.0.0.1:${pilot.xdsPort}`,
    nodeId: 'grpc~127.0.3.9~client.default~default.svc.cluster.local',
    metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' },
  });
  cleanup.push(() => client.close());
  let results = await client.run(400);
  let counts = tally(results);
  const v1 = (counts.get('reviews-v1') ?? 0) / results.length;
  assert.equal(counts.get('!error') ?? 0, 0, JSON.stringify([...counts]));
  assert.ok(v1 > 0.7 && v1 < 0.9, `v1 share ${v1} should be 0.8 ± 0.1`);
  // Shift everything to v2; the client follows without a restart.
  await apply(weighted(0, 100));
  await until(() => pilot.ads.status().find((s) => s.nodeId.startsWith('grpc~'))?.types.RDS?.state === 'SYNCED' || undefined, 'gRPC client RDS SYNCED');
  await new Promise((r) => setTimeout(r, 200));
  results = await client.run(50);
  counts = tally(results);
  assert.equal(counts.get('reviews-v2'), 50, JSON.stringify([...counts]));
});

test('analysis and config dump are served', async () => {
  const a = await http('GET', '/debug/analyze');
  assert.ok(Array.isArray(a.json.messages));
  const ids = pilot.ads.status().map((s) => s.nodeId);
  const dump = await http('GET', `/debug/config_dump?proxyID=${encodeURIComponent(ids.find((i) => i.startsWith('sidecar'))!)}`);
  assert.equal(dump.status, 200);
  assert.ok((dump.json.CDS as { name: string }[]).some((c) => c.name === 'outbound|9080|v1|reviews.default.svc.cluster.local'));
});

test('a disconnected proxy leaves nothing cached in the control plane', async () => {
  const node = { id: 'sidecar~127.0.3.7~temp-1.default~default.svc.cluster.local', cluster: 'temp.default', metadata: { NAMESPACE: 'default' } };
  const before = pilot.mesh!.cachedProxies;
  const client = new XdsClient({ bootstrap: { node, xdsServer: `127.0.0.1:${pilot.xdsPort}` } });
  client.start();
  await client.ready();
  assert.equal(pilot.mesh!.cachedProxies, before + 1);
  client.stop();
  await until(() => (pilot.mesh!.cachedProxies === before ? true : undefined), 'the cache entry to go');
});
