// The config store's HTTP API over real HTTP (port 0), mounted on the StatusServer the way
// the control plane mounts it, with a MemoryStore behind it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { AdsServer } from '../xds/server.js';
import { MemorySource } from '../xds/source.js';
import { StatusServer } from '../status/server.js';
import type { Resource } from '../../api/istio/meta.js';
import { MemoryStore } from './memory.js';
import { parseLabelSelector, storeApiRoutes, type Status } from './api.js';

let ads: AdsServer;
let status: StatusServer;
let store: MemoryStore;
let base: string;

before(async () => {
  ads = new AdsServer({ source: new MemorySource() });
  store = new MemoryStore();
  status = new StatusServer({ ads, prefixRoutes: storeApiRoutes(store, { maxBodyBytes: 64 * 1024 }) });
  base = `http://127.0.0.1:${await status.listen(0)}`;
});

after(async () => {
  await status.close();
  await ads.close();
});

interface Reply {
  code: number;
  body: unknown;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json', ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { code: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const VS = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';

function vs(name: string, host = name, namespace?: string): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: { hosts: [host], http: [{ route: [{ destination: { host } }] }] },
  };
}

const reason = (r: Reply) => (r.body as Status).reason;

test('create, get, list, update, delete a VirtualService the Kubernetes way', async () => {
  const created = await call('POST', VS, vs('reviews'));
  assert.equal(created.code, 201);
  const obj = created.body as Resource;
  assert.equal(obj.metadata.namespace, 'default');
  assert.equal(obj.metadata.generation, 1);

  const got = await call('GET', `${VS}/reviews`);
  assert.equal(got.code, 200);
  assert.deepEqual(got.body, obj);
  // Served at the version asked for.
  const old = await call('GET', '/apis/networking.istio.io/v1alpha3/namespaces/default/virtualservices/reviews');
  assert.equal((old.body as Resource).apiVersion, 'networking.istio.io/v1alpha3');

  const list = await call('GET', VS);
  assert.equal(list.code, 200);
  const l = list.body as { apiVersion: string; kind: string; items: Resource[]; metadata: { resourceVersion: string } };
  assert.equal(l.kind, 'VirtualServiceList');
  assert.equal(l.apiVersion, 'networking.istio.io/v1');
  assert.deepEqual(
    l.items.map((r) => r.metadata.name),
    ['reviews'],
  );
  assert.equal(l.metadata.resourceVersion, String(store.revision));

  const updated = await call('PUT', `${VS}/reviews`, { ...vs('reviews', 'reviews.v2'), metadata: { name: 'reviews', resourceVersion: obj.metadata.resourceVersion } });
  assert.equal(updated.code, 200);
  assert.equal((updated.body as Resource).metadata.generation, 2);

  const stale = await call('PUT', `${VS}/reviews`, { ...vs('reviews', 'reviews.v3'), metadata: { name: 'reviews', resourceVersion: obj.metadata.resourceVersion } });
  assert.equal(stale.code, 409);
  assert.equal(reason(stale), 'Conflict');
  assert.match((stale.body as Status).message, /resourceVersion \d+ is stale/);

  const del = await call('DELETE', `${VS}/reviews`);
  assert.equal(del.code, 200);
  assert.equal((del.body as Resource).metadata.name, 'reviews');
  const again = await call('DELETE', `${VS}/reviews`);
  assert.equal(again.code, 404);
  assert.deepEqual(again.body, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'VirtualService default/reviews: not found',
    reason: 'NotFound',
    details: { kind: 'VirtualService', group: 'networking.istio.io', name: 'reviews', causes: [{ message: 'VirtualService default/reviews: not found' }] },
    code: 404,
  });
});

test('errors are Status objects: Invalid 422 with every cause, AlreadyExists 409, mismatches 400, unknown paths 404, wrong methods 405', async () => {
  const bad = { ...vs('bad'), spec: { hosts: ['bad'], http: [{ route: [{ destination: { host: 'a' }, weight: 10 }, { destination: { host: 'b' }, weight: 20 }] }] } };
  const inv = await call('POST', VS, bad);
  assert.equal(inv.code, 422);
  const s = inv.body as Status;
  assert.equal(s.reason, 'Invalid');
  assert.equal(s.status, 'Failure');
  assert.ok(s.details.causes.length >= 1 && s.details.causes.every((c) => c.message.startsWith('VirtualService default/bad: spec.http[0]')));

  assert.equal((await call('POST', VS, vs('dup'))).code, 201);
  const dup = await call('POST', VS, vs('dup'));
  assert.equal(dup.code, 409);
  assert.equal(reason(dup), 'AlreadyExists');

  const wrongNs = await call('POST', VS, vs('x', 'x', 'prod'));
  assert.equal(wrongNs.code, 400);
  assert.match((wrongNs.body as Status).message, /namespace of the object \(prod\) does not match/);
  const wrongKind = await call('POST', VS, { ...vs('x'), kind: 'DestinationRule' });
  assert.equal(wrongKind.code, 400);
  const wrongName = await call('PUT', `${VS}/y`, vs('x'));
  assert.equal(wrongName.code, 400);
  assert.equal((await call('POST', VS, 'a: [unclosed')).code, 400);

  assert.equal((await call('GET', '/apis/networking.istio.io/v9/namespaces/default/virtualservices')).code, 404);
  assert.equal((await call('GET', '/apis/networking.istio.io/v1/namespaces/default/nothings')).code, 404);
  assert.equal((await call('GET', '/api/v1/namespaces/default/virtualservices')).code, 404);
  assert.equal((await call('GET', `${VS}/missing`)).code, 404);
  assert.equal((await call('PATCH', `${VS}/dup`, {})).code, 405);
  assert.equal((await call('POST', '/apis/networking.istio.io/v1/virtualservices', vs('z'))).code, 405);
  assert.equal((await call('GET', '/rig/v1/apply')).code, 405);
  // The status server's own paths are untouched.
  assert.equal((await fetch(`${base}/ready`)).status, 200);
  assert.equal((await fetch(`${base}/version`, { method: 'POST' })).status, 405);
});

test('core kinds under /api/v1: namespaces (cluster-scoped) and services; lists across namespaces; label selectors', async () => {
  const ns = await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } });
  assert.equal(ns.code, 201);
  assert.equal((ns.body as Resource).metadata.namespace, undefined);
  assert.equal((await call('GET', '/api/v1/namespaces/shop')).code, 200);
  const nsList = await call('GET', '/api/v1/namespaces');
  assert.equal((nsList.body as { kind: string }).kind, 'NamespaceList');

  const svc = (name: string, namespace: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, labels }, spec: { ports: [{ port: 80 }] } });
  assert.equal((await call('POST', '/api/v1/namespaces/shop/services', svc('cart', 'shop', { app: 'cart', tier: 'back' }))).code, 201);
  assert.equal((await call('POST', '/api/v1/namespaces/default/services', svc('web', 'default', { app: 'web' }))).code, 201);
  const all = await call('GET', '/api/v1/services');
  assert.deepEqual(
    (all.body as { items: Resource[] }).items.map((r) => `${r.metadata.namespace}/${r.metadata.name}`),
    ['default/web', 'shop/cart'],
  );
  const shop = await call('GET', '/api/v1/namespaces/shop/services');
  assert.deepEqual(
    (shop.body as { items: Resource[] }).items.map((r) => r.metadata.name),
    ['cart'],
  );
  const sel = await call('GET', '/api/v1/services?labelSelector=' + encodeURIComponent('app=cart,tier'));
  assert.deepEqual(
    (sel.body as { items: Resource[] }).items.map((r) => r.metadata.name),
    ['cart'],
  );
  assert.equal((await call('GET', '/api/v1/services?labelSelector=' + encodeURIComponent('a=b=c'))).code, 400);

  const del = await call('DELETE', '/api/v1/namespaces/default/services/web', { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: '1' } });
  assert.equal(del.code, 409);
  assert.equal((await call('DELETE', '/api/v1/namespaces/default/services/web')).code, 200);
});

test('label selector parsing', () => {
  const m = parseLabelSelector('app=reviews, version!=v1,!canary,team');
  assert.equal(m({ app: 'reviews', version: 'v2', team: 'x' }), true);
  assert.equal(m({ app: 'reviews', version: 'v1', team: 'x' }), false);
  assert.equal(m({ app: 'reviews', team: 'x', canary: 'y' }), false);
  assert.equal(m({ app: 'reviews' }), false);
  assert.equal(parseLabelSelector('')(undefined), true);
  assert.equal(parseLabelSelector('app==x')({ app: 'x' }), true);
});

const MANIFESTS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: productpage}
spec:
  hosts: [productpage]
  http: [{route: [{destination: {host: productpage}}]}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: productpage, namespace: bookinfo}
spec:
  host: productpage
  subsets: [{name: v1, labels: {version: v1}}]
`;

test('POST /rig/v1/apply applies multi-document YAML atomically with kubectl-style results', async () => {
  const r = await call('POST', '/rig/v1/apply?source=bookinfo.yaml&namespace=shop', MANIFESTS);
  assert.equal(r.code, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, {
    results: [
      { kind: 'VirtualService', namespace: 'shop', name: 'productpage', action: 'created' },
      { kind: 'DestinationRule', namespace: 'bookinfo', name: 'productpage', action: 'created' },
    ],
  });
  const again = await call('POST', '/rig/v1/apply', MANIFESTS.replace('subsets: [{name: v1', 'subsets: [{name: v2'), { 'x-rig-source': 'bookinfo.yaml' });
  assert.deepEqual(
    (again.body as { results: { action: string }[] }).results.map((x) => x.action),
    ['created', 'configured'],
  );
  // JSON works too.
  const json = await call('POST', '/rig/v1/apply?source=x.json', JSON.stringify(vs('from-json')));
  assert.equal(json.code, 200);
  assert.ok(store.get('VirtualService', 'default', 'from-json'));

  // One invalid document: nothing applied, every error named by file and document.
  const before = store.revision;
  const broken = `${MANIFESTS}---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bad}\nspec: {hosts: [bad]}\n---\nkind: Nope\n`;
  const inv = await call('POST', '/rig/v1/apply?source=broken.yaml', broken);
  assert.equal(inv.code, 422);
  const causes = (inv.body as Status).details.causes.map((c) => c.message);
  assert.equal(causes.length, 2);
  assert.match(causes[0]!, /^broken\.yaml: document 3: VirtualService default\/bad: spec/);
  assert.match(causes[1]!, /^broken\.yaml: document 4: kind: unknown kind "Nope"/);
  assert.equal(store.revision, before);

  const dup = await call('POST', '/rig/v1/apply?source=dup.yaml', `${MANIFESTS}---\n${MANIFESTS}`);
  assert.equal(dup.code, 422);
  assert.match((dup.body as Status).message, /^dup\.yaml: VirtualService default\/productpage: defined more than once/m);
  assert.equal((await call('POST', '/rig/v1/apply?source=empty.yaml', '# nothing\n')).code, 400);
});

test('POST /rig/v1/delete deletes atomically; --ignore-not-found; specs need not validate', async () => {
  await call('POST', '/rig/v1/apply?source=d.yaml&namespace=del', MANIFESTS);
  const missing = await call('POST', '/rig/v1/delete?source=d.yaml&namespace=del', `${MANIFESTS}---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gone}\n`);
  assert.equal(missing.code, 404);
  assert.deepEqual((missing.body as Status).details.causes, [{ message: 'd.yaml: Gateway del/gone: not found' }]);
  assert.ok(store.get('VirtualService', 'del', 'productpage'));
  // The spec is broken now, but the document still names what to delete.
  const changed = MANIFESTS.replace('hosts: [productpage]', 'hosts: 42') + '---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gone}\n';
  const r = await call('POST', '/rig/v1/delete?source=d.yaml&namespace=del&ignoreNotFound=true', changed);
  assert.equal(r.code, 200, JSON.stringify(r.body));
  // A namespace set in the document wins over the default.
  assert.deepEqual(r.body, {
    results: [
      { kind: 'VirtualService', namespace: 'del', name: 'productpage', action: 'deleted' },
      { kind: 'DestinationRule', namespace: 'bookinfo', name: 'productpage', action: 'deleted' },
    ],
  });
  assert.equal(store.get('VirtualService', 'del', 'productpage'), undefined);
});

test('request bodies are limited: 413 by Content-Length and when streamed', async () => {
  const big = 'a'.repeat(70 * 1024);
  const r = await call('POST', '/rig/v1/apply?source=big.yaml', big);
  assert.equal(r.code, 413);
  assert.equal(reason(r), 'RequestEntityTooLarge');
  // Chunked, without Content-Length.
  const code = await new Promise<number>((resolve, reject) => {
    const req = request(`${base}/rig/v1/apply?source=big.yaml`, { method: 'POST', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    for (let i = 0; i < 10; i++) req.write('b'.repeat(10 * 1024));
    req.end();
  });
  assert.equal(code, 413);
});
