// The local platform's config path end to end: a DirectoryStore on a real temporary
// directory behind the status server's HTTP API. Files written by users and resources
// written over HTTP meet in one store; HTTP writes land in files that survive a restart;
// watchers see file edits, and never an echo of the store's own writes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdsServer } from '../../src/control/xds/server.js';
import { MemorySource } from '../../src/control/xds/source.js';
import { StatusServer } from '../../src/control/status/server.js';
import { DirectoryStore } from '../../src/control/store/directory.js';
import { storeApiRoutes, type Status } from '../../src/control/store/api.js';
import type { Resource } from '../../src/api/istio/meta.js';
import type { WatchEvent } from '../../src/control/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-store-api-'));
const cleanups: (() => Promise<void>)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(): Promise<{ store: DirectoryStore; base: string; stop: () => Promise<void> }> {
  const store = new DirectoryStore({ dir, debounceMs: 20, pollIntervalMs: 250 });
  await store.start();
  const ads = new AdsServer({ source: new MemorySource() });
  const status = new StatusServer({ ads, prefixRoutes: storeApiRoutes(store) });
  const base = `http://127.0.0.1:${await status.listen(0)}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await status.close();
    await ads.close();
    await store.close();
  };
  cleanups.push(stop);
  return { store, base, stop };
}

async function call(base: string, method: string, path: string, body?: string): Promise<{ code: number; body: unknown }> {
  const res = await fetch(base + path, { method, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { code: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const BOOKINFO = `# Bookinfo destination rules, kept by hand.
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
# ratings: only v1 for now
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
spec:
  host: ratings
  subsets:
  - name: v1
    labels: {version: v1}
`;

const ROUTE = (subset: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: ${subset}}
`;

test('user files and HTTP writes meet in one store, persist, and survive a restart', { timeout: 30_000 }, async () => {
  writeFileSync(join(dir, 'bookinfo.yaml'), BOOKINFO);
  const { store, base, stop } = await serve();
  const batches: WatchEvent[][] = [];
  store.watch((e) => batches.push(e));

  // The user's file is served.
  const drs = await call(base, 'GET', '/apis/networking.istio.io/v1/namespaces/default/destinationrules');
  assert.deepEqual(
    (drs.body as { items: Resource[] }).items.map((r) => r.metadata.name),
    ['ratings', 'reviews'],
  );

  // rig apply → its own file.
  const applied = await call(base, 'POST', '/rig/v1/apply?source=reviews-v1.yaml', ROUTE('v1'));
  assert.equal(applied.code, 200, JSON.stringify(applied.body));
  assert.deepEqual(applied.body, { results: [{ kind: 'VirtualService', namespace: 'default', name: 'reviews', action: 'created' }] });
  const own = join(dir, 'default/virtualservice-reviews.yaml');
  assert.match(readFileSync(own, 'utf8'), /subset: v1/);

  // Applying again is unchanged and writes nothing.
  const same = await call(base, 'POST', '/rig/v1/apply?source=reviews-v1.yaml', ROUTE('v1'));
  assert.equal((same.body as { results: { action: string }[] }).results[0]!.action, 'unchanged');

  // PUT of a resource from the user's file: its document is rewritten, the rest stays.
  const current = (await call(base, 'GET', '/apis/networking.istio.io/v1/namespaces/default/destinationrules/ratings')).body as Resource;
  const spec = { host: 'ratings', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] };
  const put = await call(base, 'PUT', '/apis/networking.istio.io/v1/namespaces/default/destinationrules/ratings', JSON.stringify({ ...current, spec }));
  assert.equal(put.code, 200, JSON.stringify(put.body));
  const text = readFileSync(join(dir, 'bookinfo.yaml'), 'utf8');
  assert.match(text, /# Bookinfo destination rules, kept by hand\./);
  assert.match(text, /name: reviews/);
  assert.equal((text.match(/version: v2/g) ?? []).length, 2);

  // A stale PUT is a 409 Conflict.
  const stale = await call(base, 'PUT', '/apis/networking.istio.io/v1/namespaces/default/destinationrules/ratings', JSON.stringify({ ...current, spec }));
  assert.equal(stale.code, 409);

  // A user's edit shows up over HTTP.
  writeFileSync(own, ROUTE('v2'));
  await waitFor('the edited route', async () => {
    const vs = (await call(base, 'GET', '/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews')).body as Resource;
    return JSON.stringify(vs.spec).includes('"subset":"v2"');
  });

  // An invalid user file is reported and contributes nothing.
  writeFileSync(join(dir, 'broken.yaml'), ROUTE('v3').replace('name: reviews', 'name: other').replace('    - destination: {host: reviews, subset: v3}', '    - {destination: {host: reviews, subset: v3}, weight: 10}\n    - {destination: {host: reviews, subset: v1}, weight: 20}'));
  await waitFor('the file error', () => store.fileErrors().some((e) => e.file === 'broken.yaml'));
  assert.match(store.fileErrors()[0]!.errors[0]!, /^broken\.yaml: document 1: VirtualService default\/other: spec\.http\[0\]/);
  assert.equal(store.get('VirtualService', 'default', 'other'), undefined);

  // rig delete of the route removes its file.
  const del = await call(base, 'POST', '/rig/v1/delete?source=reviews.yaml', ROUTE('v2'));
  assert.equal(del.code, 200, JSON.stringify(del.body));
  assert.equal(existsSync(own), false);
  const again = await call(base, 'POST', '/rig/v1/delete?source=reviews.yaml', ROUTE('v2'));
  assert.equal(again.code, 404);
  assert.equal((again.body as Status).reason, 'NotFound');

  // Events: one batch per write and per file edit, no echo of our own writes.
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(
    batches.map((b) => b.map((e) => `${e.type} ${e.resource.kind}/${e.resource.metadata.name}`)),
    [['ADDED VirtualService/reviews'], ['MODIFIED DestinationRule/ratings'], ['MODIFIED VirtualService/reviews'], ['DELETED VirtualService/reviews']],
  );

  // Restart: the same configuration comes back from the files.
  const before = store.list().map((r) => [r.kind, r.metadata.name, r.spec]);
  await stop();
  const second = await serve();
  assert.deepEqual(
    second.store.list().map((r) => [r.kind, r.metadata.name, r.spec]),
    before,
  );
  assert.deepEqual(
    second.store.fileErrors().map((e) => e.file),
    ['broken.yaml'],
  );
});
