// The config and debugging commands of `rig` as a user runs them, against a real control
// plane (`rig pilot --config-dir`) and two real sidecars (`rig proxy`), each on its own
// loopback address with its admin API on :15000 as a pod has it: apply, re-apply, an
// invalid apply, proxy-status, proxy-config, analyze, delete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { rig, startRig, type Proc } from '../helpers/process.js';
import { RawAdsStream } from '../helpers/ads-stream.js';
import { TypeUrl } from '../../src/api/envoy/types.js';
import { until as waitUntil } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-cli-config-'));
const configDir = join(dir, 'config');
// Pod addresses of this run, away from those other tests use.
const net = `127.${200 + (process.pid % 50)}.${(process.pid >> 6) % 250}`;
const PRODUCTPAGE_IP = `${net}.1`;
const REVIEWS_IP = `${net}.2`;
const nodeId = (ip: string, pod: string) => `sidecar~${ip}~${pod}.default~default.svc.cluster.local`;

let pilot: Proc | undefined;
const proxies: Proc[] = [];
let monitoring = '';
let xdsAddress = '';
let env: NodeJS.ProcessEnv = {};

const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

// Istio's Bookinfo services, and the reviews DestinationRule and VirtualService from its
// request-routing task, unchanged.
const services = file(
  'services.yaml',
  `apiVersion: v1
kind: Service
metadata:
  name: reviews
  labels:
    app: reviews
    service: reviews
spec:
  ports:
  - port: 9080
    name: http
  selector:
    app: reviews
---
apiVersion: v1
kind: Service
metadata:
  name: productpage
  labels:
    app: productpage
    service: productpage
spec:
  ports:
  - port: 9080
    name: http
  selector:
    app: productpage
`,
);
const destinationRule = file(
  'destination-rule-reviews.yaml',
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
  - name: v3
    labels:
      version: v3
`,
);
const virtualService = file(
  'virtual-service-reviews-test-v2.yaml',
  `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: reviews
        subset: v2
  - route:
    - destination:
        host: reviews
        subset: v1
`,
);

/** An address where nothing listens: a port that was free a moment ago. */
async function deadAddress(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return `127.0.0.1:${port}`;
}

const until = <T>(fn: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> => waitUntil(fn, what, ms, 100);

before(async () => {
  pilot = startRig(['pilot', '--config-dir', configDir, '--xds-port', '0', '--monitoring-port', '0']);
  const xds = (await pilot.waitFor(/xDS \(ADS, plaintext\)\s+(\S+)/))[1]!;
  xdsAddress = xds;
  monitoring = (await pilot.waitFor(/status and metrics\s+http:\/\/(\S+?)\/debug/))[1]!;
  env = { RIG_MONITORING_ADDRESS: monitoring, RIG_HOME: join(dir, 'home') };
  // The pods behind the services, as the local platform registers them.
  for (const [name, ip, app] of [
    ['productpage-v1-1', PRODUCTPAGE_IP, 'productpage'],
    ['reviews-v1-1', REVIEWS_IP, 'reviews'],
  ] as const) {
    const res = await fetch(`http://${monitoring}/rig/v1/workloads/default/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ labels: { app, version: 'v1' }, ip, ports: [{ name: 'http', port: 9080 }], hasSidecar: true }),
    });
    assert.ok(res.status < 300, await res.text());
    // Explicit mode (INTERCEPTION_MODE NONE): the sidecar binds only its own address. With
    // capture it would bind 0.0.0.0:15001/15006 on this host, and no other sidecar here
    // could then bind its pod address on those ports (Linux refuses a specific bind under a
    // listening wildcard).
    const p = startRig(['proxy', '--xds', xds, '--node-id', nodeId(ip, name), '--metadata', JSON.stringify({ NAMESPACE: 'default', INTERCEPTION_MODE: 'NONE', LABELS: { app, version: 'v1' } }), '--admin-address', ip, '--admin-port', '15000']);
    proxies.push(p);
  }
  for (const p of proxies) await p.waitFor(/admin\s+http:\/\//);
});

after(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await pilot?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('apply: created, then unchanged; one request for all files', { timeout: 60_000 }, async () => {
  const first = await rig(['apply', '-f', services, '-f', destinationRule, '-f', virtualService], env);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(
    first.stdout,
    'service/reviews created\nservice/productpage created\ndestinationrule.networking.istio.io/reviews created\nvirtualservice.networking.istio.io/reviews created\n',
  );
  const again = await rig(['apply', '-f', destinationRule, '-f', virtualService], env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'destinationrule.networking.istio.io/reviews unchanged\nvirtualservice.networking.istio.io/reviews unchanged\n');
});

test('apply of an invalid document: exit 1, the message names file and field, and nothing is applied', { timeout: 60_000 }, async () => {
  const ratings = file('ratings.yaml', `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ratings\nspec:\n  hosts: [ratings]\n  http:\n  - route:\n    - destination: {host: ratings}\n`);
  const bad = file('bad.yaml', `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: details\nspec:\n  hosts: [details]\n  http:\n  - route:\n    - destination:\n        hots: details\n`);
  const r = await rig(['apply', '-f', ratings, '-f', bad], env);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /bad\.yaml: document 1: VirtualService default\/details: spec\.http\[0\]\.route\[0\]\.destination\.hots: unknown field "hots"; did you mean "host"\?/);
  assert.match(r.stderr, /Nothing was applied\. Fix the fields named above/);
  const res = await fetch(`http://${monitoring}/apis/networking.istio.io/v1/namespaces/default/virtualservices/ratings`);
  assert.equal(res.status, 404, 'the valid file of the same command was not applied');
});

test('proxy-status: both proxies SYNCED on every type they use', { timeout: 60_000 }, async () => {
  const out = await until(async () => {
    const r = await rig(['proxy-status'], env);
    assert.equal(r.code, 0, r.stderr);
    return /productpage-v1-1\.default\s+local\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED/.test(r.stdout) && /reviews-v1-1\.default\s+local\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED/.test(r.stdout) ? r.stdout : undefined;
  }, 'both proxies to be SYNCED');
  const lines = out.trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+ECDS\s+ISTIOD\s+VERSION$/);
  assert.equal(lines.length, 3);
  const one = await rig(['proxy-status', 'reviews-v1-1.default', '-o', 'json'], env);
  assert.equal(one.code, 0, one.stderr);
  assert.equal((JSON.parse(one.stdout) as { nodeId: string }).nodeId, nodeId(REVIEWS_IP, 'reviews-v1-1'));
});

test("a NACK: proxy-status shows it with the proxy's message; proxy-config falls back to the control plane's view", { timeout: 60_000 }, async () => {
  // An xDS client that rejects what it is sent, and has no admin API.
  const stream = new RawAdsStream(xdsAddress);
  try {
    const id = nodeId(`${net}.9`, 'legacy-1');
    stream.send({ node: { id, metadata: { fields: { NAMESPACE: { kind: { case: 'stringValue', value: 'default' } } } } }, typeUrl: TypeUrl.Cluster });
    const sent = await stream.next(5000);
    stream.send({ typeUrl: TypeUrl.Cluster, versionInfo: '', responseNonce: sent.nonce, errorDetail: { code: 3, message: 'cluster "outbound|9080||reviews.default.svc.cluster.local": lb_policy MAGLEV: not supported' } });
    const status = await until(async () => {
      const r = await rig(['proxy-status', 'legacy-1.default'], env);
      assert.equal(r.code, 0, r.stderr);
      return /^CDS\s+NACKED/m.test(r.stdout) ? r.stdout : undefined;
    }, 'the NACK to show');
    assert.match(status, /CDS NACKED: the proxy rejected the response with nonce \S+ and keeps its last accepted config \(none\):\n {2}cluster "outbound\|9080\|\|reviews\.default\.svc\.cluster\.local": lb_policy MAGLEV: not supported/);
    const [table, pc] = await Promise.all([rig(['proxy-status'], env), rig(['proxy-config', 'cluster', 'legacy-1.default', '--subset', 'v1'], env)]);
    assert.match(table.stdout, /^legacy-1\.default\s+local\s+NACKED\s+NOT SENT/m);
    assert.equal(pc.code, 0, pc.stderr);
    assert.ok(pc.stderr.startsWith(`note: the proxy admin API at ${net}.9:15000 did not answer (ECONNREFUSED); showing what the control plane at ${monitoring} sends this proxy\n`), pc.stderr);
    assert.match(pc.stdout, /^reviews\.default\.svc\.cluster\.local\s+9080\s+v1\s+outbound\s+EDS\s+reviews\.default$/m);
  } finally {
    stream.close();
  }
});

test("proxy-config: the sidecar's outbound clusters and endpoints, read from its own admin API", { timeout: 60_000 }, async () => {
  const [r, ep, json] = await Promise.all([
    rig(['proxy-config', 'cluster', 'productpage-v1-1.default', '--fqdn', 'reviews.default.svc.cluster.local'], env),
    rig(['proxy-config', 'endpoint', 'productpage-v1-1', '--cluster', 'outbound|9080|v1|reviews.default.svc.cluster.local'], env),
    rig(['proxy-config', 'route', 'productpage-v1-1.default', '--name', '9080', '-o', 'json'], env),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no note: the proxy admin API answered');
  assert.deepEqual(
    r.stdout.trimEnd().split('\n').map((l) => l.split(/\s{3,}/)),
    [
      ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'],
      ['reviews.default.svc.cluster.local', '9080', '-', 'outbound', 'EDS', 'reviews.default'],
      ['reviews.default.svc.cluster.local', '9080', 'v1', 'outbound', 'EDS', 'reviews.default'],
      ['reviews.default.svc.cluster.local', '9080', 'v2', 'outbound', 'EDS', 'reviews.default'],
      ['reviews.default.svc.cluster.local', '9080', 'v3', 'outbound', 'EDS', 'reviews.default'],
    ],
  );
  assert.equal(ep.code, 0, ep.stderr);
  assert.match(ep.stdout, new RegExp(`^${REVIEWS_IP.replace(/\./g, '\\.')}:9080\\s+HEALTHY\\s+OK\\s+outbound\\|9080\\|v1\\|reviews\\.default\\.svc\\.cluster\\.local$`, 'm'));
  assert.equal(json.code, 0, json.stderr);
  const routes = JSON.parse(json.stdout) as { name: string; virtualHosts: { name: string }[] }[];
  assert.deepEqual(routes.map((x) => x.name), ['9080']);
  assert.ok(routes[0]!.virtualHosts.some((v) => v.name === 'reviews.default.svc.cluster.local:9080'));
});

test('analyze: IST0101 for a VirtualService to a missing host, exit non-zero; clean again after delete -f', { timeout: 60_000 }, async () => {
  const missing = file('reviews2.yaml', `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews2\nspec:\n  hosts: [reviews2]\n  http:\n  - route:\n    - destination:\n        host: reviews2\n`);
  const applied = await rig(['apply', '-f', missing], env);
  assert.equal(applied.stdout, 'virtualservice.networking.istio.io/reviews2 created\n', applied.stderr);
  const [a, offline] = await Promise.all([rig(['analyze'], env), rig(['analyze', '-f', missing], { ...env, RIG_MONITORING_ADDRESS: await deadAddress() })]);
  assert.notEqual(a.code, 0);
  assert.match(a.stdout, /^Error \[IST0101\] \(VirtualService default\/reviews2\) .*referenced host not found: "reviews2"/m);
  assert.match(a.stderr, /Analyzers found issues when analyzing namespace: default/);
  assert.notEqual(offline.code, 0, 'files are analyzed without a control plane');
  assert.match(offline.stdout, /Error \[IST0101\] \(VirtualService default\/reviews2\)/);

  const del = await rig(['delete', '-f', missing, '-f', virtualService], env);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout, 'virtualservice.networking.istio.io/reviews2 deleted\nvirtualservice.networking.istio.io/reviews deleted\n');
  const [gone, ignored, clean] = await Promise.all([rig(['delete', '-f', virtualService], env), rig(['delete', '-f', virtualService, '--ignore-not-found'], env), rig(['analyze', '-n', 'default'], env)]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /VirtualService default\/reviews: not found[\s\S]*--ignore-not-found/);
  assert.equal(ignored.code, 0, ignored.stderr);
  assert.equal(ignored.stdout, '');
  assert.equal(clean.code, 0, 'warnings alone are not a failure');
  assert.doesNotMatch(clean.stdout, /IST0101/);
});

test('a control plane that is not there: exit 1 and what to do', { timeout: 60_000 }, async () => {
  const dead = await deadAddress();
  const r = await rig(['proxy-status'], { ...env, RIG_MONITORING_ADDRESS: dead });
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n')[0], `error: cannot reach the control plane at ${dead} (from RIG_MONITORING_ADDRESS): connection refused`);
  assert.match(r.stderr, /Start it with `rig install` or `rig pilot`/);
});
