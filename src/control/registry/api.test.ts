import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { workloadApiHandler } from './api.js';
import { AggregateRegistry, type RegistryChange } from './registry.js';
import { bookinfoServices, bookinfoWorkloads, ListWatchStore } from './test-fixtures.js';
import { WorkloadRegistry } from './workloads.js';

const workloads = new WorkloadRegistry();
const registry = new AggregateRegistry({ store: new ListWatchStore(bookinfoServices()), workloads });
const changes: RegistryChange[] = [];
registry.onChange((c) => changes.push(c));
const handler = workloadApiHandler(workloads);
let server: Server;
let base: string;

before(async () => {
  // The control plane mounts the handler beside its own routes; anything it declines is 404 here.
  server = createServer((req, res) => {
    if (handler(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not mine\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; body: unknown; headers: Headers }> {
  const r = await fetch(base + path, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, body: r.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as unknown) : text, headers: r.headers };
}

test('PUT registers (201) then updates (200); the registry sees the endpoints', async () => {
  const [, , , reviewsV1] = bookinfoWorkloads();
  const { namespace: _ns, name: _name, ...body } = reviewsV1!;
  const created = await call('PUT', '/rig/v1/workloads/default/reviews-v1', body);
  assert.equal(created.status, 201);
  assert.deepEqual(created.body, reviewsV1);
  assert.deepEqual(changes.pop(), { hostnames: ['reviews.default.svc.cluster.local'], endpointsOnly: true });
  assert.equal(registry.endpoints('reviews.default.svc.cluster.local', 9080)[0]!.address, '127.0.10.4');

  const updated = await call('PUT', '/rig/v1/workloads/default/reviews-v1', { ...body, healthy: false });
  assert.equal(updated.status, 200);
  assert.equal(registry.endpoints('reviews.default.svc.cluster.local', 9080)[0]!.health, 'UNHEALTHY');
});

test('GET lists (sorted, filterable by namespace) and reads one', async () => {
  await call('PUT', '/rig/v1/workloads/staging/ratings-v1', { ip: '127.0.11.3', labels: { app: 'ratings' } });
  await call('PUT', '/rig/v1/workloads/default/details-v1', { ip: '127.0.10.1', labels: { app: 'details' } });
  const all = await call('GET', '/rig/v1/workloads');
  assert.equal(all.status, 200);
  assert.deepEqual(
    (all.body as { items: { namespace: string; name: string }[] }).items.map((w) => `${w.namespace}/${w.name}`),
    ['default/details-v1', 'default/reviews-v1', 'staging/ratings-v1'],
  );
  const staging = await call('GET', '/rig/v1/workloads?namespace=staging');
  assert.deepEqual(
    (staging.body as { items: { name: string }[] }).items.map((w) => w.name),
    ['ratings-v1'],
  );
  const one = await call('GET', '/rig/v1/workloads/staging/ratings-v1');
  assert.equal(one.status, 200);
  assert.equal((one.body as { serviceAccount: string }).serviceAccount, 'default');
  assert.equal((await call('GET', '/rig/v1/workloads/staging/nope')).status, 404);
});

test('DELETE unregisters (200), then 404', async () => {
  const del = await call('DELETE', '/rig/v1/workloads/default/reviews-v1');
  assert.equal(del.status, 200);
  assert.equal((del.body as { name: string }).name, 'reviews-v1');
  assert.deepEqual(registry.endpoints('reviews.default.svc.cluster.local', 9080), []);
  const again = await call('DELETE', '/rig/v1/workloads/default/reviews-v1');
  assert.equal(again.status, 404);
  assert.deepEqual(again.body, { error: { code: 'NotFound', message: 'workload default/reviews-v1 is not registered' } });
});

test('errors: validation, bad JSON, identity mismatch, media type, methods, size, paths', async () => {
  const invalid = await call('PUT', '/rig/v1/workloads/default/x', { ip: 'nope', ports: [{ port: 70000 }] });
  assert.equal(invalid.status, 400);
  assert.deepEqual(invalid.body, {
    error: { code: 'Invalid', message: 'workload default/x is invalid', details: ['ip: "nope" is not an IP address', 'ports[0].port: must be an integer 1-65535'] },
  });
  const mismatch = await call('PUT', '/rig/v1/workloads/default/x', { name: 'y', ip: '127.0.0.9' });
  assert.equal(mismatch.status, 400);
  assert.equal((await call('PUT', '/rig/v1/workloads/default/x', '{not json')).status, 400);
  assert.equal((await call('PUT', '/rig/v1/workloads/default/x', '{}', { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await call('PUT', '/rig/v1/workloads/Default/x', { ip: '127.0.0.9' })).status, 400);
  assert.equal((await call('PUT', '/rig/v1/workloads/default/x', 'x'.repeat((1 << 20) + 10))).status, 413);

  const post = await call('POST', '/rig/v1/workloads/default/x', {});
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD, PUT, DELETE');
  assert.equal((await call('DELETE', '/rig/v1/workloads')).status, 405);
  assert.equal((await call('GET', '/rig/v1/workloads/default')).status, 404);
  assert.equal((await call('GET', '/rig/v1/workloads/a/b/c')).status, 404);

  // Paths that are not the API's fall through to the server's other routes.
  const other = await call('GET', '/rig/v1/workloadsX');
  assert.deepEqual([other.status, other.body], [404, 'not mine\n']);
  assert.equal((await call('GET', '/debug/syncz')).body, 'not mine\n');
  assert.equal(workloads.get('default', 'x'), undefined);
});
