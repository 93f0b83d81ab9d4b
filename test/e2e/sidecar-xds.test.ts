// A real `rig proxy` process as a sidecar (explicit mode: the app uses it as its HTTP
// proxy), configured by the control plane over xDS from Istio YAML, routing real HTTP to
// real upstream workloads — and following a VirtualService change live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { Pilot } from '../../src/control/pilot.js';
import { startRig, type Proc } from '../helpers/process.js';
import * as grpc from '@grpc/grpc-js';
import { until as waitUntil } from '../helpers/wait.js';

let pilot: Pilot;
let api = '';
let sidecar: Proc | undefined;
let admin = '';
let health = '';
const servers: Server[] = [];
let grpcServer: grpc.Server | undefined;
/** A proto-less unary method: raw bytes both ways. */
const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const ECHO: grpc.ServiceDefinition = {
  Echo: { path: '/test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
};
const POD_IP = '127.0.5.1';
const NODE_ID = `sidecar~${POD_IP}~productpage-v1-1.default~default.svc.cluster.local`;

async function serve(ip: string, name: string): Promise<number> {
  const s = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, url: req.url, host: req.headers.host, user: req.headers['end-user'] ?? null }));
  });
  await new Promise<void>((r) => s.listen(0, ip, r));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

async function call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${api}${path}`, { method, headers: { 'content-type': contentType }, ...(body ? { body } : {}), signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}

function viaSidecar(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; flags?: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: POD_IP, port: 15001, path: url, headers: { host: u.host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, ...(res.headers['x-rig-response-flags'] ? { flags: String(res.headers['x-rig-response-flags']) } : {}) }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const until = <T>(fn: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> => waitUntil(fn, what, ms, 50, () => sidecar?.stderr.slice(-3000) ?? '');

const vs = (rules: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
${rules}`;

before(async () => {
  pilot = new Pilot({ xdsPort: 0, monitoringPort: 0, debounceQuietMs: 10, debounceMaxMs: 200 });
  await pilot.start();
  api = `http://127.0.0.1:${pilot.monitoringPort}`;
  for (const [ip, v] of [['127.0.6.1', 'v1'], ['127.0.6.2', 'v2']] as const) {
    const port = await serve(ip, `reviews-${v}`);
    const r = await call('PUT', `/rig/v1/workloads/default/reviews-${v}`, JSON.stringify({ labels: { app: 'reviews', version: v }, ip, ports: [{ name: 'http', port }], hasSidecar: false }));
    assert.ok(r.status < 300, r.text);
  }
  grpcServer = new grpc.Server();
  grpcServer.addService(ECHO, {
    Echo: (c: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from(`${String(c.metadata.get('x-request-id')[0] ? 'traced ' : '')}echo:`), c.request])),
  });
  const grpcPort = await new Promise<number>((res, rej) => grpcServer!.bindAsync('127.0.6.3:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  const reg = await call('PUT', '/rig/v1/workloads/default/echo-1', JSON.stringify({ labels: { app: 'echo' }, ip: '127.0.6.3', ports: [{ name: 'grpc', port: grpcPort }], hasSidecar: false }));
  assert.ok(reg.status < 300, reg.text);
  const applied = await call(
    'POST',
    '/rig/v1/apply?source=bookinfo.yaml',
    `
apiVersion: v1
kind: Service
metadata:
  name: echo
spec:
  selector: {app: echo}
  ports:
  - name: grpc
    port: 7070
    targetPort: grpc
---
apiVersion: v1
kind: Service
metadata:
  name: reviews
spec:
  selector: {app: reviews}
  ports:
  - name: http
    port: 9080
    targetPort: http
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
---
${vs(`  - match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v1}`)}`,
    'application/yaml',
  );
  assert.equal(applied.status, 200, applied.text);
  sidecar = startRig([
    'proxy',
    '--xds',
    `127.0.0.1:${pilot.xdsPort}`,
    '--node-id',
    NODE_ID,
    '--metadata',
    JSON.stringify({ NAMESPACE: 'default', INTERCEPTION_MODE: 'NONE', LABELS: { app: 'productpage', version: 'v1' } }),
    '--admin-address',
    POD_IP,
    '--admin-port',
    '0',
    '--health-port',
    '0',
  ]);
  admin = (await sidecar.waitFor(/admin\s+(http:\/\/\S+)\//))[1]!;
  health = (await sidecar.waitFor(/health\s+(http:\/\/\S+)/))[1]!;
  await until(async () => ((await fetch(`${admin}/ready`)).status === 200 ? true : undefined), 'the sidecar to be ready');
});

after(async () => {
  await sidecar?.stop();
  await pilot?.stop();
  grpcServer?.forceShutdown();
  for (const s of servers) s.closeAllConnections?.();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

test('requests by service name go through the sidecar to the subset the VirtualService picks', async () => {
  const jason = await viaSidecar('http://reviews:9080/reviews/1', { 'end-user': 'jason' });
  assert.equal(jason.status, 200, JSON.stringify(jason));
  assert.equal((JSON.parse(jason.body) as { name: string }).name, 'reviews-v2');
  const other = await viaSidecar('http://reviews:9080/reviews/1');
  assert.equal((JSON.parse(other.body) as { name: string }).name, 'reviews-v1');
  const fqdn = await viaSidecar('http://reviews.default.svc.cluster.local:9080/x');
  assert.equal((JSON.parse(fqdn.body) as { name: string; url: string }).url, '/x');
  const status = pilot.ads.status().find((s) => s.nodeId === NODE_ID)!;
  for (const t of ['CDS', 'EDS', 'LDS', 'RDS']) assert.equal(status.types[t]!.state, 'SYNCED', t);
});

test('a VirtualService change reaches the running sidecar', async () => {
  const r = await call('POST', '/rig/v1/apply?source=shift.yaml', vs(`  - route:
    - destination: {host: reviews, subset: v2}`), 'application/yaml');
  assert.equal(r.status, 200, r.text);
  await until(async () => {
    const x = await viaSidecar('http://reviews:9080/');
    return (JSON.parse(x.body) as { name: string }).name === 'reviews-v2' ? true : undefined;
  }, 'traffic to move to v2');
  for (let i = 0; i < 10; i++) assert.equal((JSON.parse((await viaSidecar('http://reviews:9080/')).body) as { name: string }).name, 'reviews-v2');
});

test('fault injection from a VirtualService: an HTTP 500 abort for jason, a delay for the rest', async () => {
  const r = await call('POST', '/rig/v1/apply?source=fault.yaml', vs(`  - match:
    - headers:
        end-user:
          exact: jason
    fault:
      abort:
        percentage:
          value: 100.0
        httpStatus: 500
    route:
    - destination: {host: reviews, subset: v1}
  - fault:
      delay:
        percentage:
          value: 100.0
        fixedDelay: 0.3s
    route:
    - destination: {host: reviews, subset: v1}`), 'application/yaml');
  assert.equal(r.status, 200, r.text);
  const aborted = await until(async () => {
    const x = await viaSidecar('http://reviews:9080/', { 'end-user': 'jason' });
    return x.status === 500 ? x : undefined;
  }, 'the abort to apply');
  assert.equal(aborted.flags, 'FI');
  const t0 = Date.now();
  const delayed = await viaSidecar('http://reviews:9080/');
  assert.equal(delayed.status, 200);
  assert.ok(Date.now() - t0 >= 290, 'delayed by the fault');
  assert.equal((JSON.parse(delayed.body) as { name: string }).name, 'reviews-v1');
});

test("Istio's health endpoint answers ready once the sidecar has its config", async () => {
  const r = await fetch(health);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'ready\n');
});

test('the admin API shows the config the sidecar runs', async () => {
  const dump = (await (await fetch(`${admin}/config_dump`)).json()) as { configs: { '@type': string; dynamic_listeners?: { name: string }[] }[] };
  const listeners = dump.configs.find((c) => c['@type'].endsWith('ListenersConfigDump'))!.dynamic_listeners!.map((l) => l.name);
  assert.ok(listeners.includes('virtualOutbound'));
  const clusters = await (await fetch(`${admin}/clusters`)).text();
  assert.match(clusters, /outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local::127\.0\.6\.2:\d+::health_flags::healthy/);
  const stats = await (await fetch(`${admin}/stats`)).text();
  assert.match(stats, /cluster\.outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local\.upstream_rq_2xx: [1-9]/);
});

test('gRPC through the sidecar: the grpc port gets an HTTP/2 cluster, a grpc-js call succeeds', async () => {
  const client = new grpc.Client(`${POD_IP}:15001`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'echo:7070' });
  try {
    const reply = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest('/test.Echo/Echo', raw.serialize, raw.deserialize, Buffer.from('hi'), new grpc.Metadata(), { deadline: Date.now() + 5000 }, (e, v) => (e ? reject(e) : resolve(v!))),
    );
    assert.equal(reply.toString(), 'traced echo:hi', 'answered by the server, with the x-request-id the sidecar added');
  } finally {
    client.close();
  }
  const stats = await (await fetch(`${admin}/stats`)).text();
  assert.match(stats, /cluster\.outbound\|7070\|\|echo\.default\.svc\.cluster\.local\.upstream_cx_http2_total: 1/);
  assert.match(stats, /cluster\.outbound\|7070\|\|echo\.default\.svc\.cluster\.local\.upstream_rq_200: 1/);
});

test('SIGTERM stops the sidecar cleanly', async () => {
  assert.equal(await sidecar!.stop(), 0);
  sidecar = undefined;
});
