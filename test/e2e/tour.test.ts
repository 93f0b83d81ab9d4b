// Istio's traffic-management tour, run on the local platform as a user runs it: install the
// demo profile, deploy Bookinfo with sidecars, expose it through the ingress gateway, then
// apply the YAML of each of Istio's task pages (the files in samples/bookinfo/networking/,
// or the page's inline YAML verbatim) and check the outcome the page describes, through the
// ingress gateway: request routing, fault injection, traffic shifting, request timeouts,
// circuit breaking, ingress by host, and mirroring.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { rig, ROOT } from '../helpers/process.js';
import { until as waitUntil } from '../helpers/wait.js';

const home = mkdtempSync(join(tmpdir(), 'rig-tour-'));
const env = { RIG_HOME: home, RIG_LOG_LEVEL: 'warn' };
// The ingress gateway gets a loopback address of its own, so its port 8080 is free whatever else runs here.
const ingressIP = `127.${200 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}.1`;
const GATEWAY = `http://${ingressIP}:8080`;
const networking = (f: string) => join(ROOT, 'samples', 'bookinfo', 'networking', f);

async function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return rig(args, env);
}

async function ok(...args: string[]): Promise<string> {
  const r = await run(...args);
  assert.equal(r.code, 0, `rig ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Applies inline YAML (as the task pages do with `kubectl apply -f - <<EOF`). */
async function applyYaml(name: string, yaml: string): Promise<void> {
  const file = join(home, `${name}.yaml`);
  writeFileSync(file, yaml);
  await ok('apply', '-f', file);
}

const until = <T>(fn: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> => waitUntil(fn, what, ms, 200);

/** Signs in on productpage (POST /login through the gateway); returns the session cookie. */
async function login(user: string): Promise<string> {
  const res = await fetch(`${GATEWAY}/login`, { method: 'POST', body: new URLSearchParams({ username: user, passwd: 'password' }), redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  const cookie = res.headers.get('set-cookie');
  assert.ok(cookie, `login as ${user} set no cookie (${res.status})`);
  return cookie.split(';')[0]!;
}

async function page(cookie?: string, timeoutMs = 15_000): Promise<{ status: number; html: string; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(`${GATEWAY}/productpage`, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, html: await res.text(), ms: Date.now() - t0 };
}

/** The reviews version a page shows: v1 no stars, v2 black stars, v3 red stars. */
function stars(html: string): 'none' | 'black' | 'red' {
  if (/<font color="red">/.test(html)) return 'red';
  if (/<font color="black">/.test(html)) return 'black';
  return 'none';
}

/** Until `n` pages in a row show `want` (config pushes take a moment to reach the sidecars). */
async function steady(want: ReturnType<typeof stars>, cookie?: string, n = 5): Promise<void> {
  await until(async () => {
    for (let i = 0; i < n; i++) if (stars((await page(cookie)).html) !== want) return undefined;
    return true;
  }, `${n} pages in a row with ${want} stars${cookie ? ' (signed in)' : ''}`);
}

interface PodRow {
  name: string;
  ready: string;
  status: string;
  ip: string;
}

async function pods(namespace = 'default'): Promise<PodRow[]> {
  const out = await ok('get', 'pods', '-n', namespace, '-o', 'wide');
  return out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/))
    .map((c) => ({ name: c[0]!, ready: c[1]!, status: c[2]!, ip: c[5]! }));
}

async function podOf(prefix: string): Promise<PodRow> {
  return until(async () => (await pods()).find((p) => p.name.startsWith(prefix) && p.status === 'Running' && p.ready === '2/2'), `a running ${prefix} pod`, 60_000);
}

const INSTALL = ['install', '--set', 'profile=demo', '--set', `values.gateways.istio-ingressgateway.bindAddress=${ingressIP}`, '--set', 'values.gateways.istio-ingressgateway.httpPort=8080', '--set', 'values.gateways.istio-ingressgateway.httpsPort=8443', '-y'];
let external: Server | undefined;

before(async () => {
  await ok(...INSTALL);
  await ok('label', 'namespace', 'default', 'istio-injection=enabled');
  await ok('apply', '-f', join(ROOT, 'samples', 'bookinfo', 'bookinfo.yaml'));
  await ok('apply', '-f', networking('bookinfo-gateway.yaml'));
  await ok('apply', '-f', networking('destination-rule-all.yaml'));
  await until(async () => {
    const p = await pods();
    return p.length >= 6 && p.every((x) => x.ready === '2/2' && x.status === 'Running') ? true : undefined;
  }, 'the six Bookinfo pods to be 2/2 Running', 120_000);
  await until(async () => ((await page()).html.includes('The Comedy of Errors') ? true : undefined), 'productpage through the ingress gateway', 60_000);
});

after(async () => {
  external?.close();
  await run('uninstall', '-y', '--purge');
  rmSync(home, { recursive: true, force: true });
});

test('request routing: all traffic to v1, then jason to v2 and everyone else to v1', { timeout: 120_000 }, async () => {
  await ok('apply', '-f', networking('virtual-service-all-v1.yaml'));
  await steady('none');
  await ok('apply', '-f', networking('virtual-service-reviews-test-v2.yaml'));
  const jason = await login('jason');
  await steady('black', jason);
  await steady('none');
  const signedIn = await page(jason);
  assert.match(signedIn.html, /jason/);
});

test('fault injection: a 7 s delay for jason shows the reviews error; an abort shows ratings unavailable', { timeout: 120_000 }, async () => {
  await ok('apply', '-f', networking('virtual-service-ratings-test-delay.yaml'));
  const jason = await login('jason');
  // productpage gives reviews 3 s and one retry; reviews v2 waits up to 10 s for ratings.
  const slow = await until(async () => {
    const p = await page(jason, 20_000);
    return p.html.includes('Sorry, product reviews are currently unavailable for this book.') ? p : undefined;
  }, 'the delay to reach the sidecars', 60_000);
  assert.ok(slow.ms >= 5_500 && slow.ms < 9_000, `the page took ${slow.ms} ms (productpage: two 3 s attempts)`);
  const other = await page();
  assert.ok(other.ms < 3_000, 'others are not delayed');
  assert.equal(stars(other.html), 'none');

  await ok('apply', '-f', networking('virtual-service-ratings-test-abort.yaml'));
  await until(async () => ((await page(jason)).html.includes('Ratings service is currently unavailable') ? true : undefined), 'the abort to apply for jason');
  assert.equal(stars((await page()).html), 'none');
});

test('traffic shifting: 50/50 between v1 and v3 over 200 requests, then all to v3', { timeout: 180_000 }, async () => {
  await ok('apply', '-f', networking('virtual-service-all-v1.yaml'));
  await steady('none');
  await ok('apply', '-f', networking('virtual-service-reviews-50-v3.yaml'));
  await until(async () => (stars((await page()).html) === 'red' ? true : undefined), 'v3 to get traffic');
  const seen = { none: 0, red: 0, black: 0 };
  for (let i = 0; i < 200; i++) seen[stars((await page()).html)]++;
  assert.equal(seen.black, 0);
  assert.ok(seen.red >= 70 && seen.red <= 130, `v3 got ${seen.red} of 200 (expected about 100)`);
  await ok('apply', '-f', networking('virtual-service-reviews-v3.yaml'));
  await steady('red', undefined, 10);
});

test('request timeouts: a 2 s ratings delay, then a 0.5 s timeout on reviews fails fast', { timeout: 120_000 }, async () => {
  await ok('apply', '-f', networking('virtual-service-all-v1.yaml'));
  await applyYaml(
    'timeouts-1',
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v2
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - fault:
      delay:
        percentage:
          value: 100
        fixedDelay: 2s
    route:
    - destination:
        host: ratings
        subset: v1
`,
  );
  const delayed = await until(async () => {
    const p = await page();
    return stars(p.html) === 'black' && p.ms >= 1_900 ? p : undefined;
  }, 'the 2 s ratings delay');
  assert.ok(delayed.ms < 4_000, `the page took ${delayed.ms} ms`);
  await applyYaml(
    'timeouts-2',
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v2
    timeout: 0.5s
`,
  );
  const fast = await until(async () => {
    const p = await page();
    return p.html.includes('Sorry, product reviews are currently unavailable for this book.') ? p : undefined;
  }, 'the reviews timeout');
  // productpage retries reviews once: two 0.5 s timeouts.
  assert.ok(fast.ms < 1_900, `the page took ${fast.ms} ms, not about 1 s`);
});

test('circuit breaking: over maxConnections 1 / http1MaxPendingRequests 1, fortio sees 503s and the client sidecar counts pending overflow', { timeout: 120_000 }, async () => {
  await ok('apply', '-f', join(ROOT, 'samples', 'httpbin', 'httpbin.yaml'));
  await ok('apply', '-f', join(ROOT, 'samples', 'httpbin', 'sample-client', 'fortio-deploy.yaml'));
  await applyYaml(
    'circuit-breaker',
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 1
      http:
        http1MaxPendingRequests: 1
        maxRequestsPerConnection: 1
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
`,
  );
  await podOf('httpbin-');
  const fortio = await podOf('fortio-deploy-');
  const one = await until(async () => {
    const r = await run('exec', fortio.name, '-c', 'fortio', '--', 'rig', 'sample', 'fortio', 'load', '-c', '1', '-n', '1', 'http://httpbin:8000/get');
    return r.code === 0 && /^Code 200 : 1 /m.test(r.stdout) ? r : undefined;
  }, 'one request from fortio to httpbin', 30_000);
  assert.ok(one);
  const load = await run('exec', fortio.name, '-c', 'fortio', '--', 'rig', 'sample', 'fortio', 'load', '-c', '3', '-qps', '0', '-n', '30', '-loglevel', 'Warning', 'http://httpbin:8000/get');
  assert.equal(load.code, 0, load.stderr);
  const codes = Object.fromEntries([...load.stdout.matchAll(/^Code (-?\d+) : (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
  assert.ok((codes['200'] ?? 0) > 0, load.stdout);
  assert.ok((codes['503'] ?? 0) > 0, `some requests are cut off by the circuit breaker:\n${load.stdout}`);
  const stats = await (await fetch(`http://${fortio.ip}:15000/stats`)).text();
  const overflow = Number(/^cluster\.outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local\.upstream_rq_pending_overflow: (\d+)/m.exec(stats)?.[1] ?? 0);
  assert.ok(overflow > 0, 'upstream_rq_pending_overflow counts the 503 UO answers');
});

test('ingress: a Gateway for httpbin.example.com routes by host; another host gets 404', { timeout: 60_000 }, async () => {
  await applyYaml(
    'httpbin-ingress',
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: httpbin-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "httpbin.example.com"
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - "httpbin.example.com"
  gateways:
  - httpbin-gateway
  http:
  - match:
    - uri:
        prefix: /status
    - uri:
        prefix: /delay
    route:
    - destination:
        port:
          number: 8000
        host: httpbin
`,
  );
  // Envoy-style: a Host header picks the virtual host (fetch cannot set Host, so use node:http).
  const { request } = await import('node:http');
  const get = (host: string, path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: ingressIP, port: 8080, path, headers: { host } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end();
    });
  await until(async () => ((await get('httpbin.example.com', '/status/200')) === 200 ? true : undefined), 'httpbin through the gateway');
  assert.equal(await get('httpbin.example.com', '/status/418'), 418);
  assert.equal(await get('other.example.com', '/status/200'), 404);
  assert.equal(await get('httpbin.example.com', '/headers'), 404, 'only /status and /delay are routed');
});

test('mirroring: all traffic to httpbin v1, mirrored 100 % to v2; v2 logs the copies', { timeout: 120_000 }, async () => {
  await ok('delete', '-f', join(ROOT, 'samples', 'httpbin', 'httpbin.yaml'));
  // The task's httpbin-v1/v2 Deployments, with `rig sample httpbin` for the gunicorn command and port 8080 for 80.
  const deployment = (v: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin-${v}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: httpbin
      version: ${v}
  template:
    metadata:
      labels:
        app: httpbin
        version: ${v}
    spec:
      containers:
      - image: docker.io/kennethreitz/httpbin
        imagePullPolicy: IfNotPresent
        name: httpbin
        command: ["rig", "sample", "httpbin"]
        ports:
        - containerPort: 8080
`;
  await applyYaml(
    'mirror-deploy',
    `${deployment('v1')}---
${deployment('v2')}---
apiVersion: v1
kind: Service
metadata:
  name: httpbin
  labels:
    app: httpbin
spec:
  ports:
  - name: http
    port: 8000
    targetPort: 8080
  selector:
    app: httpbin
`,
  );
  await ok('apply', '-f', join(ROOT, 'samples', 'sleep', 'sleep.yaml'));
  await applyYaml(
    'mirror-v1',
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
    - httpbin
  http:
  - route:
    - destination:
        host: httpbin
        subset: v1
      weight: 100
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`,
  );
  const v1 = await podOf('httpbin-v1-');
  const v2 = await podOf('httpbin-v2-');
  const sleep = await podOf('sleep-');
  assert.ok(sleep.name.startsWith('sleep-'));
  // kubectl's form, as Istio's task types it: `exec deploy/sleep`.
  const curl = () => run('exec', 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://httpbin:8000/headers');
  await until(async () => ((await curl()).stdout === '200' ? true : undefined), 'sleep → httpbin v1', 30_000);
  await applyYaml(
    'mirror',
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin
  http:
  - route:
    - destination:
        host: httpbin
        subset: v1
      weight: 100
    mirror:
      host: httpbin
      subset: v2
    mirrorPercentage:
      value: 100.0
`,
  );
  assert.ok(v2.name.startsWith('httpbin-v2-'));
  const mirrored = async () => ((await ok('logs', 'deploy/httpbin-v2', '-c', 'httpbin')).match(/GET \/headers/g) ?? []).length;
  await until(async () => {
    assert.equal((await curl()).stdout, '200');
    return (await mirrored()) > 0 ? true : undefined;
  }, 'v2 to log a mirrored request');
  const before = await mirrored();
  for (let i = 0; i < 5; i++) assert.equal((await curl()).stdout, '200');
  await until(async () => ((await mirrored()) >= before + 5 ? true : undefined), 'v2 to log every mirrored request');
  assert.ok(((await ok('logs', v1.name, '-c', 'httpbin')).match(/GET \/headers/g) ?? []).length >= 6, 'v1 served every request');
});

test('egress: REGISTRY_ONLY blocks an unregistered host, a ServiceEntry lets it through, the egress gateway carries it', { timeout: 120_000 }, async () => {
  // A local server stands in for edition.cnn.com (no network here); the ServiceEntry points at it.
  const extIP = `127.${200 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}.9`;
  const seen: string[] = [];
  external = createServer((req, res) => {
    seen.push(`${req.headers.host ?? ''} ${req.url ?? ''}`);
    res.end('external site\n');
  });
  await new Promise<void>((r) => external!.listen(0, extIP, r));
  const extPort = (external.address() as { port: number }).port;
  await ok(...INSTALL.slice(0, -1), '--set', 'meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY', '-y');
  const sleep = await podOf('sleep-');
  const curl = async (url: string) => (await run('exec', sleep.name, '-c', 'sleep', '--', 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', url)).stdout;
  await until(async () => ((await curl('http://edition.cnn.com/politics')) === '502' ? true : undefined), 'REGISTRY_ONLY to block the unregistered host');
  const why = await run('exec', sleep.name, '-c', 'sleep', '--', 'curl', '-sS', 'http://edition.cnn.com/politics');
  assert.match(why.stdout, /outboundTrafficPolicy is REGISTRY_ONLY .* add a ServiceEntry/, 'the 502 says why');
  assert.equal(seen.length, 0);

  await applyYaml(
    'egress-se',
    `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
spec:
  hosts:
  - edition.cnn.com
  ports:
  - number: 80
    name: http-port
    protocol: HTTP
  resolution: STATIC
  endpoints:
  - address: ${extIP}
    ports:
      http-port: ${extPort}
`,
  );
  await until(async () => ((await curl('http://edition.cnn.com/politics')) === '200' ? true : undefined), 'the ServiceEntry to let the call through');
  assert.equal(seen.at(-1), 'edition.cnn.com /politics');

  await applyYaml(
    'egress-gateway',
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
spec:
  selector:
    istio: egressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - edition.cnn.com
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: egressgateway-for-cnn
spec:
  host: rig-egressgateway.rig-system.svc.cluster.local
  subsets:
  - name: cnn
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: direct-cnn-through-egress-gateway
spec:
  hosts:
  - edition.cnn.com
  gateways:
  - istio-egressgateway
  - mesh
  http:
  - match:
    - gateways:
      - mesh
      port: 80
    route:
    - destination:
        host: rig-egressgateway.rig-system.svc.cluster.local
        subset: cnn
        port:
          number: 80
      weight: 100
  - match:
    - gateways:
      - istio-egressgateway
      port: 80
    route:
    - destination:
        host: edition.cnn.com
        port:
          number: 80
      weight: 100
`,
  );
  const egress = await until(async () => (await pods('rig-system')).find((p) => p.name.startsWith('rig-egressgateway-') && p.status === 'Running'), 'the egress gateway pod');
  const egressServed = async () => Number(/^cluster\.outbound\|80\|\|edition\.cnn\.com\.upstream_rq_2xx: (\d+)/m.exec(await (await fetch(`http://${egress.ip}:15000/stats`)).text())?.[1] ?? 0);
  await until(async () => ((await curl('http://edition.cnn.com/politics')) === '200' && (await egressServed()) > 0 ? true : undefined), 'the call to go through the egress gateway');
  const before = await egressServed();
  for (let i = 0; i < 3; i++) assert.equal(await curl('http://edition.cnn.com/politics'), '200');
  assert.equal(await egressServed(), before + 3, 'every call went through the egress gateway');
});
