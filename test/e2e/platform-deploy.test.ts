// Declarative workloads on the local platform, end to end, as a user drives them: in a fresh
// RIG_HOME, install the minimal profile, label default for injection, `rig apply -f
// samples/bookinfo/bookinfo.yaml` (Istio's ServiceAccounts, Services and Deployments plus a
// `command`) → six pods `<deployment>-<hash>-<suffix>` Running 2/2, `rig get deploy` 1/1,
// productpage answering through a pod's sidecar with the book and its reviews; then scaling
// by re-applying, a deleted pod recreated, a bare Pod object, a restarted supervisor that
// keeps the same pods, `rig delete -f` removing every pod, and uninstall leaving nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, rig } from '../helpers/process.js';
import { processesOf, until as waitUntil } from '../helpers/wait.js';

const home = mkdtempSync(join(tmpdir(), 'rig-deploy-'));
const env = { RIG_HOME: home, RIG_LOG_LEVEL: 'warn' };
const run = (...args: string[]) => rig(args, env);
const BOOKINFO = join(ROOT, 'samples', 'bookinfo', 'bookinfo.yaml');
const DEPLOYMENTS = ['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3'];

/** Processes whose environment carries this test's RIG_HOME (the supervisor and every container). */
const ourProcesses = (): number[] => processesOf(home);

const until = <T>(fn: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> => waitUntil(fn, what, ms, 200);

type PodRow = { name: string; ready: string; status: string };

async function pods(): Promise<PodRow[]> {
  const r = await run('get', 'pods');
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => {
      const [name, ready, status] = line.split(/\s+/) as [string, string, string];
      return { name, ready, status };
    });
}

/** The pods once every one is 2/2 Running and `check` accepts them. */
function allRunning(check: (rows: PodRow[]) => boolean, what: string, ms?: number): Promise<PodRow[]> {
  return until(async () => {
    const rows = await pods();
    return rows.every((p) => p.ready === '2/2' && p.status === 'Running') && check(rows) ? rows : undefined;
  }, what, ms);
}

const ofDeployment = (rows: PodRow[], d: string) => rows.filter((p) => new RegExp(`^${d}-[a-z0-9]{10}-[a-z0-9]{5}$`).test(p.name));

after(async () => {
  if (ourProcesses().length > 0) await run('uninstall', '-y');
  for (const pid of ourProcesses()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(home, { recursive: true, force: true });
});

let names: string[] = [];

test('rig apply -f bookinfo.yaml: each Deployment replica becomes a pod with a sidecar', async () => {
  const i = await run('install', '--set', 'profile=minimal', '-y');
  assert.equal(i.code, 0, i.stderr);
  assert.equal((await run('label', 'namespace', 'default', 'istio-injection=enabled')).code, 0);
  const a = await run('apply', '-f', BOOKINFO);
  assert.equal(a.code, 0, a.stderr);
  for (const line of ['serviceaccount/bookinfo-details created', 'service/details created', 'deployment.apps/details-v1 created', 'deployment.apps/reviews-v3 created'])
    assert.ok(a.stdout.includes(line), `missing "${line}" in:\n${a.stdout}`);

  const rows = await allRunning((r) => r.length === 6 && DEPLOYMENTS.every((d) => ofDeployment(r, d).length === 1), 'six Bookinfo pods Running 2/2');
  names = rows.map((p) => p.name).sort();

  const d = await run('get', 'deploy');
  assert.equal(d.code, 0, d.stderr);
  const lines = d.stdout.trim().split('\n');
  assert.match(lines[0]!, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
  assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4).join(' ')), DEPLOYMENTS.map((n) => `${n} 1/1 1 1`));

  const sa = await run('get', 'sa');
  assert.deepEqual(sa.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]), ['bookinfo-details', 'bookinfo-productpage', 'bookinfo-ratings', 'bookinfo-reviews']);

  // The pod as Kubernetes shows it: template labels, service account, image kept, owner.
  const reviews = ofDeployment(rows, 'reviews-v2')[0]!.name;
  const j = await run('get', 'pod', reviews, '-o', 'json');
  const pod = JSON.parse(j.stdout) as {
    metadata: { labels: Record<string, string>; ownerReferences: { kind: string; name: string }[] };
    spec: { serviceAccountName: string; containers: { name: string; image: string; command: string[]; env?: { name: string; value: string }[] }[] };
  };
  assert.equal(pod.metadata.labels.app, 'reviews');
  assert.equal(pod.metadata.labels.version, 'v2');
  assert.match(pod.metadata.ownerReferences[0]!.name, /^reviews-v2-[a-z0-9]{10}$/);
  assert.equal(pod.spec.serviceAccountName, 'bookinfo-reviews');
  assert.deepEqual(pod.spec.containers.map((c) => c.name), ['reviews', 'istio-proxy']);
  assert.equal(pod.spec.containers[0]!.image, 'docker.io/istio/examples-bookinfo-reviews-v2:1.17.0');
  assert.deepEqual(pod.spec.containers[0]!.command, ['rig', 'sample', 'reviews']);
  assert.ok(pod.spec.containers[0]!.env?.some((e) => e.name === 'SERVICE_VERSION' && e.value === 'v2'));
  const described = await run('describe', 'pod', reviews);
  assert.match(described.stdout, /^Controlled By:\s+ReplicaSet\/reviews-v2-[a-z0-9]{10} \(Deployment reviews-v2\)$/m);
  assert.match(described.stdout, /^Service Account:\s+bookinfo-reviews$/m);
});

test('productpage answers through a pod sidecar with the book, its details and reviews', async () => {
  // A client as users write them: it sends through HTTP_PROXY (the pod's sidecar) when set.
  writeFileSync(
    join(home, 'client.mjs'),
    `import { request } from 'node:http';
const target = new URL(process.argv[2]);
const proxy = process.env.HTTP_PROXY ? new URL(process.env.HTTP_PROXY) : undefined;
const req = request({ host: proxy ? proxy.hostname : target.hostname, port: proxy ? proxy.port : target.port, path: proxy ? target.href : target.pathname, headers: { host: target.host } }, (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => { process.stdout.write(res.statusCode + '\\n' + body); process.exit(res.statusCode === 200 ? 0 : 1); });
});
req.on('error', (e) => { console.error(e.message); process.exit(2); });
req.end();
`,
  );
  const from = names.find((n) => n.startsWith('ratings-v1-'))!;
  const page = await until(async () => {
    const r = await run('exec', from, '--', 'node', join(home, 'client.mjs'), 'http://productpage:9080/productpage');
    return r.code === 0 && r.stdout.includes('Reviewer1') ? r.stdout : undefined;
  }, 'the product page with its reviews', 15_000);
  assert.ok(page.startsWith('200\n'));
  assert.ok(page.includes('The Comedy of Errors'));
  assert.ok(page.includes('Reviewer2'));
  assert.ok(!page.includes('Error fetching product details'), 'details are shown');
});

test('scaling by re-applying, a deleted pod recreated, a bare Pod object', async () => {
  const scaled = readFileSync(BOOKINFO, 'utf8').replace(/(name: reviews-v3\n[\s\S]*?replicas: )1/, '$12');
  assert.notEqual(scaled, readFileSync(BOOKINFO, 'utf8'));
  writeFileSync(join(home, 'bookinfo-scaled.yaml'), scaled);
  const a = await run('apply', '-f', join(home, 'bookinfo-scaled.yaml'));
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /deployment\.apps\/reviews-v3 configured/);
  assert.match(a.stdout, /deployment\.apps\/reviews-v2 unchanged/);
  let rows = await allRunning((r) => ofDeployment(r, 'reviews-v3').length === 2 && r.length === 7, 'reviews-v3 scaled to 2');
  const d = await run('get', 'deploy', 'reviews-v3');
  assert.match(d.stdout, /reviews-v3\s+2\/2\s+2\s+2/);

  const victim = ofDeployment(rows, 'details-v1')[0]!.name;
  const del = await run('delete', 'pod', victim);
  assert.equal(del.code, 0, del.stderr);
  rows = await allRunning((r) => ofDeployment(r, 'details-v1').length === 1 && !r.some((p) => p.name === victim), 'details-v1 recreated');
  assert.equal(rows.length, 7);

  writeFileSync(
    join(home, 'pod.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: sleep\n  labels: { app: sleep }\nspec:\n  containers:\n  - name: sleep\n    image: curlimages/curl\n    command: ["rig", "sample", "sleep"]\n',
  );
  assert.equal((await run('apply', '-f', join(home, 'pod.yaml'))).code, 0);
  await allRunning((r) => r.some((p) => p.name === 'sleep'), 'the sleep Pod');
  const gone = await run('delete', 'pod', 'sleep');
  assert.equal(gone.code, 0, gone.stderr);
  await new Promise((r) => setTimeout(r, 1200)); // more than two controller passes
  assert.ok(!(await pods()).some((p) => p.name === 'sleep'), 'a deleted Pod object stays deleted');

  // A Deployment the platform cannot run is refused, naming the field.
  writeFileSync(join(home, 'bad.yaml'), readFileSync(BOOKINFO, 'utf8').replace('        command: ["rig", "sample", "details"]\n', ''));
  const refused = await run('apply', '-f', join(home, 'bad.yaml'));
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Deployment default\/details-v1: spec\.template\.spec\.containers\[0\]\.command: required on the local platform \(the image is not pulled\)/);
});

test('a restarted supervisor keeps the same pods (no duplicates)', async () => {
  const before = (await pods()).map((p) => p.name).sort();
  const sup = JSON.parse(readFileSync(join(home, 'run', 'supervisor.json'), 'utf8')) as { pid: number };
  process.kill(sup.pid, 'SIGTERM');
  await until(async () => (ourProcesses().length === 0 ? true : undefined), 'the supervisor and its pods to stop');
  const i = await run('install', '--set', 'profile=minimal', '-y');
  assert.equal(i.code, 0, i.stderr);
  const rows = await allRunning((r) => r.length === before.length, 'the pods back after the restart', 30_000);
  await new Promise((r) => setTimeout(r, 1200)); // more than two controller passes
  assert.deepEqual((await pods()).map((p) => p.name).sort(), before);
  assert.equal(rows.length, 7);
});

test('rig delete -f removes every pod; uninstall leaves nothing', async () => {
  const d = await run('delete', '-f', join(home, 'bookinfo-scaled.yaml'));
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /deployment\.apps\/productpage-v1 deleted/);
  await until(async () => ((await pods()).length === 0 ? true : undefined), 'every Bookinfo pod gone', 15_000);
  const g = await run('get', 'deploy');
  assert.match(g.stderr, /No resources found in default namespace/);
  const u = await run('uninstall', '-y');
  assert.equal(u.code, 0, u.stderr);
  assert.deepEqual(ourProcesses(), []);
});
