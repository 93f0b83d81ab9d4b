// MemoryStore semantics: validation on write, server metadata, optimistic concurrency,
// atomic apply, watch batches, unchanged detection, immutability of what it returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../api/istio/meta.js';
import { MemoryStore } from './memory.js';
import type { WatchEvent } from './store.js';

function vs(name: string, host = name, extra: Partial<Resource['metadata']> = {}): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default', ...extra },
    spec: { hosts: [host], http: [{ route: [{ destination: { host } }] }] },
  };
}

/** A VirtualService whose weights do not add up: invalid. */
function badVs(name: string): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default' },
    spec: { hosts: [name], http: [{ route: [{ destination: { host: name }, weight: 10 }, { destination: { host: 'x' }, weight: 20 }] }] },
  };
}

function newStore(): MemoryStore {
  let n = 0;
  return new MemoryStore({ now: () => new Date('2024-05-01T10:20:30.456Z'), newUid: () => `uid-${++n}` });
}

function recorder(store: MemoryStore): WatchEvent[][] {
  const batches: WatchEvent[][] = [];
  store.watch((events) => batches.push(events));
  return batches;
}

const summary = (batches: WatchEvent[][]) => batches.map((b) => b.map((e) => `${e.type} ${e.resource.kind}/${e.resource.metadata.name}`));

test('create sets server metadata; a second create is AlreadyExists', async () => {
  const store = newStore();
  const r = await store.create(vs('reviews'));
  assert.ok(r.ok);
  assert.deepEqual(r.value.metadata, { name: 'reviews', namespace: 'default', resourceVersion: '1', generation: 1, creationTimestamp: '2024-05-01T10:20:30Z', uid: 'uid-1' });
  assert.equal(store.revision, 1);
  const again = await store.create(vs('reviews'));
  assert.deepEqual(again, { ok: false, code: 'AlreadyExists', errors: ['VirtualService default/reviews: already exists'] });
  assert.equal(store.revision, 1);
});

test('the namespace defaults to "default"; server fields given by the client are ignored', async () => {
  const store = newStore();
  const input = vs('ratings', 'ratings', { resourceVersion: '99', uid: 'mine', generation: 7 });
  delete input.metadata.namespace;
  const r = await store.create(input);
  assert.ok(r.ok);
  assert.equal(r.value.metadata.namespace, 'default');
  assert.equal(r.value.metadata.resourceVersion, '1');
  assert.equal(r.value.metadata.uid, 'uid-1');
  assert.equal(r.value.metadata.generation, 1);
  assert.ok(store.get('VirtualService', 'default', 'ratings'));
});

test('an invalid resource is rejected with every message and nothing changes', async () => {
  const store = newStore();
  await store.create(vs('reviews'));
  const batches = recorder(store);
  const r = await store.update(badVs('reviews'));
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.code === 'Invalid');
  assert.ok(!r.ok && r.errors.length >= 1 && r.errors.every((e) => e.startsWith('VirtualService default/reviews: spec.http[0]')), JSON.stringify(r));
  assert.deepEqual(store.get('VirtualService', 'default', 'reviews')!.spec, vs('reviews').spec);
  assert.equal(store.revision, 1);
  assert.deepEqual(batches, []);
  const c = await store.create({ apiVersion: 'networking.istio.io/v1', kind: 'Nope', metadata: { name: 'x' }, spec: {} });
  assert.ok(!c.ok && c.code === 'Invalid' && /unknown kind "Nope"/.test(c.errors[0]!));
});

test('update bumps resourceVersion always and generation only when the spec changes', async () => {
  const store = newStore();
  const created = await store.create(vs('reviews'));
  assert.ok(created.ok);
  const labelled = await store.update({ ...vs('reviews'), metadata: { ...vs('reviews').metadata, labels: { app: 'reviews' } } });
  assert.ok(labelled.ok);
  assert.equal(labelled.value.metadata.resourceVersion, '2');
  assert.equal(labelled.value.metadata.generation, 1);
  assert.equal(labelled.value.metadata.uid, 'uid-1');
  assert.equal(labelled.value.metadata.creationTimestamp, created.value.metadata.creationTimestamp);
  const respec = await store.update({ ...vs('reviews', 'reviews.other'), metadata: { ...labelled.value.metadata } });
  assert.ok(respec.ok);
  assert.equal(respec.value.metadata.resourceVersion, '3');
  assert.equal(respec.value.metadata.generation, 2);
});

test('update of a missing resource is NotFound; a stale resourceVersion is Conflict naming both versions', async () => {
  const store = newStore();
  const missing = await store.update(vs('nope'));
  assert.deepEqual(missing, { ok: false, code: 'NotFound', errors: ['VirtualService default/nope: not found'] });
  await store.create(vs('reviews'));
  await store.update(vs('reviews', 'r2'));
  const stale = await store.update(vs('reviews', 'r3', { resourceVersion: '1' }));
  assert.ok(!stale.ok && stale.code === 'Conflict');
  assert.ok(!stale.ok && /VirtualService default\/reviews/.test(stale.errors[0]!) && /resourceVersion 1 is stale/.test(stale.errors[0]!) && /current resourceVersion is 2/.test(stale.errors[0]!), stale.ok ? '' : stale.errors[0]);
  const fresh = await store.update(vs('reviews', 'r3', { resourceVersion: '2' }));
  assert.ok(fresh.ok);
});

test('delete: NotFound when missing, Conflict when stale, DELETED event at a new revision', async () => {
  const store = newStore();
  assert.deepEqual(await store.delete({ kind: 'VirtualService', namespace: 'default', name: 'x' }), { ok: false, code: 'NotFound', errors: ['VirtualService default/x: not found'] });
  await store.create(vs('reviews'));
  await store.update(vs('reviews', 'r2'));
  const batches = recorder(store);
  const stale = await store.delete({ kind: 'VirtualService', namespace: 'default', name: 'reviews' }, '1');
  assert.ok(!stale.ok && stale.code === 'Conflict');
  const d = await store.delete({ kind: 'VirtualService', namespace: 'default', name: 'reviews' }, '2');
  assert.ok(d.ok);
  assert.equal(d.value.metadata.resourceVersion, '3');
  assert.equal(store.get('VirtualService', 'default', 'reviews'), undefined);
  assert.deepEqual(summary(batches), [['DELETED VirtualService/reviews']]);
});

test('apply: created / configured / unchanged, one batch of events, no event for unchanged', async () => {
  const store = newStore();
  await store.create(vs('a'));
  await store.create(vs('b'));
  const batches = recorder(store);
  const r = await store.apply([vs('a'), vs('b', 'b2'), vs('c')], 'bookinfo.yaml');
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.map((o) => `${o.key.name} ${o.action}`),
    ['a unchanged', 'b configured', 'c created'],
  );
  assert.deepEqual(summary(batches), [['MODIFIED VirtualService/b', 'ADDED VirtualService/c']]);
  const again = await store.apply([vs('a'), vs('b', 'b2'), vs('c')]);
  assert.ok(again.ok && again.value.every((o) => o.action === 'unchanged'));
  assert.equal(batches.length, 1);
  // Labels and annotations count as changes; key order inside the spec does not.
  const relabel = await store.apply([vs('a', 'a', { annotations: { note: 'x' } })]);
  assert.ok(relabel.ok && relabel.value[0]!.action === 'configured');
  const reordered = { ...vs('c'), spec: { http: [{ route: [{ destination: { host: 'c' } }] }], hosts: ['c'] } };
  const same = await store.apply([reordered]);
  assert.ok(same.ok && same.value[0]!.action === 'unchanged');
});

test('apply is atomic: one invalid resource or a duplicate key writes nothing, with every error prefixed by the source', async () => {
  const store = newStore();
  const batches = recorder(store);
  const r = await store.apply([vs('a'), badVs('b'), vs('c'), badVs('d')], 'mixed.yaml');
  assert.ok(!r.ok && r.code === 'Invalid');
  assert.ok(!r.ok && r.errors.some((e) => e.startsWith('mixed.yaml: VirtualService default/b: ')));
  assert.ok(!r.ok && r.errors.some((e) => e.startsWith('mixed.yaml: VirtualService default/d: ')));
  assert.deepEqual(store.list(), []);
  const dup = await store.apply([vs('a'), vs('c'), vs('a', 'other')], 'dup.yaml');
  assert.deepEqual(dup, { ok: false, code: 'Invalid', errors: ['dup.yaml: VirtualService default/a: defined more than once (items 1 and 3)'] });
  assert.deepEqual(store.list(), []);
  assert.equal(store.revision, 0);
  assert.deepEqual(batches, []);
});

test('apply with a stale resourceVersion is a Conflict and writes nothing', async () => {
  const store = newStore();
  await store.create(vs('a'));
  await store.update(vs('a', 'a2'));
  const r = await store.apply([vs('b'), vs('a', 'a3', { resourceVersion: '1' })], 'f.yaml');
  assert.ok(!r.ok && r.code === 'Conflict' && r.errors[0]!.startsWith('f.yaml: VirtualService default/a: '));
  assert.equal(store.get('VirtualService', 'default', 'b'), undefined);
});

test('deleteAll is atomic: every missing key is named unless ignoreNotFound', async () => {
  const store = newStore();
  await store.apply([vs('a'), vs('b')]);
  const batches = recorder(store);
  const key = (name: string) => ({ kind: 'VirtualService', namespace: 'default', name });
  const r = await store.deleteAll([key('a'), key('x'), key('y')]);
  assert.deepEqual(r, { ok: false, code: 'NotFound', errors: ['VirtualService default/x: not found', 'VirtualService default/y: not found'] });
  assert.equal(store.list().length, 2);
  const ok = await store.deleteAll([key('a'), key('x'), key('b'), key('a')], true);
  assert.ok(ok.ok);
  assert.deepEqual(
    ok.value.map((o) => `${o.key.name} ${o.action}`),
    ['a deleted', 'b deleted'],
  );
  assert.deepEqual(summary(batches), [['DELETED VirtualService/a', 'DELETED VirtualService/b']]);
});

test('list is sorted by kind, namespace, name and filters by kind and namespace', async () => {
  const store = newStore();
  const svc = (name: string, namespace: string): Resource => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ port: 80 }] } });
  await store.apply([vs('z'), svc('b', 'prod'), vs('a'), svc('a', 'prod'), svc('c', 'default'), { ...vs('m'), metadata: { name: 'm', namespace: 'alpha' } }]);
  await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' }, spec: {} });
  const ids = (rs: Resource[]) => rs.map((r) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`);
  assert.deepEqual(ids(store.list()), ['Namespace//prod', 'Service/default/c', 'Service/prod/a', 'Service/prod/b', 'VirtualService/alpha/m', 'VirtualService/default/a', 'VirtualService/default/z']);
  assert.deepEqual(ids(store.list('Service')), ['Service/default/c', 'Service/prod/a', 'Service/prod/b']);
  assert.deepEqual(ids(store.list(undefined, 'prod')), ['Service/prod/a', 'Service/prod/b']);
  assert.deepEqual(ids(store.list('VirtualService', 'default')), ['VirtualService/default/a', 'VirtualService/default/z']);
  assert.deepEqual(ids(store.list('Namespace', '')), ['Namespace//prod']);
});

test('callers cannot change the store through what they passed in or got back', async () => {
  const store = newStore();
  const input = vs('reviews');
  const created = await store.create(input);
  assert.ok(created.ok);
  (input.spec as { hosts: string[] }).hosts.push('evil');
  input.metadata.name = 'renamed';
  const got = store.get('VirtualService', 'default', 'reviews')!;
  assert.deepEqual((got.spec as { hosts: string[] }).hosts, ['reviews']);
  assert.throws(() => (got.spec as { hosts: string[] }).hosts.push('evil'), TypeError);
  assert.throws(() => {
    got.metadata.name = 'x';
  }, TypeError);
  assert.throws(() => {
    store.list()[0]!.metadata.labels = {};
  }, TypeError);
  const listed = store.list();
  listed.pop();
  assert.equal(store.list().length, 1);
});

test('watch: one batch per write; unsubscribe stops delivery; a throwing watcher does not break the store', async () => {
  const store = newStore();
  store.watch(() => {
    throw new Error('boom');
  });
  const batches: WatchEvent[][] = [];
  const stop = store.watch((e) => batches.push(e));
  await store.create(vs('a'));
  await store.apply([vs('b'), vs('c')]);
  await store.update(vs('a', 'a2'));
  await store.update(vs('a', 'a2')); // unchanged: no event, no new revision
  assert.equal(store.revision, 4);
  stop();
  await store.delete({ kind: 'VirtualService', namespace: 'default', name: 'a' });
  assert.deepEqual(summary(batches), [['ADDED VirtualService/a'], ['ADDED VirtualService/b', 'ADDED VirtualService/c'], ['MODIFIED VirtualService/a']]);
});
