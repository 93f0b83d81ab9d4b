// DirectoryStore against a real temporary directory: loading, per-file atomicity,
// conflicts between files, reacting to edits and deletions, API writes persisted to files
// (surviving a restart), and no echo of its own writes.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Resource } from '../../api/istio/meta.js';
import { DirectoryStore } from './directory.js';
import type { WatchEvent } from './store.js';

const dirs: string[] = [];
const stores: DirectoryStore[] = [];

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'rig-store-'));
  dirs.push(dir);
  for (const [f, text] of Object.entries(files)) put(dir, f, text);
  return dir;
}

function put(dir: string, file: string, text: string): void {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
}

async function open(dir: string, watch: boolean | 'poll' = true): Promise<DirectoryStore> {
  const s = new DirectoryStore({ dir, watch, debounceMs: 20, pollIntervalMs: 300 });
  stores.push(s);
  await s.start();
  return s;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function vsYaml(name: string, host = name, ns?: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
${ns ? `  namespace: ${ns}\n` : ''}spec:
  hosts: [${host}]
  http:
  - route:
    - destination: {host: ${host}}
`;
}

function vs(name: string, host = name): Resource {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default' }, spec: { hosts: [host], http: [{ route: [{ destination: { host } }] }] } };
}

const BAD_DOC = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: broken}
spec:
  hosts: [broken]
  http:
  - route:
    - {destination: {host: a}, weight: 10}
    - {destination: {host: b}, weight: 20}
`;

const ids = (s: DirectoryStore) => s.list().map((r) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`);
const hosts = (r: Resource | undefined) => (r?.spec as { hosts?: string[] } | undefined)?.hosts;
const summary = (batches: WatchEvent[][]) => batches.map((b) => b.map((e) => `${e.type} ${e.resource.metadata.name}`));

test('start loads every yaml, yml and json file recursively; an invalid file contributes nothing; a duplicate names both files', async () => {
  const dir = tempDir({
    'a.yaml': `${vsYaml('reviews')}---\n${vsYaml('ratings', 'ratings', 'prod')}`,
    'sub/deeper/b.yml': `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: reviews}\n  spec: {ports: [{port: 9080}]}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: prod}\n`,
    'c.json': JSON.stringify({ ...vs('details'), metadata: { name: 'details' } }),
    'bad.yaml': `${vsYaml('good-but-in-bad-file')}---\n${BAD_DOC}`,
    'dup.yaml': `${vsYaml('reviews', 'other')}---\n${vsYaml('only-in-dup')}`,
    '.hidden.yaml': vsYaml('hidden'),
    'notes.txt': vsYaml('text'),
  });
  const store = await open(dir, false);
  assert.deepEqual(ids(store), ['Namespace//prod', 'Service/default/reviews', 'VirtualService/default/details', 'VirtualService/default/reviews', 'VirtualService/prod/ratings']);
  assert.deepEqual(hosts(store.get('VirtualService', 'default', 'reviews')), ['reviews'], 'the first file (a.yaml) wins');
  assert.equal(store.sourceOf({ kind: 'Service', namespace: 'default', name: 'reviews' }), 'sub/deeper/b.yml');
  const errs = store.fileErrors();
  assert.deepEqual(
    errs.map((e) => e.file),
    ['bad.yaml', 'dup.yaml'],
  );
  assert.ok(errs[0]!.errors.length >= 1 && errs[0]!.errors.every((e) => e.startsWith('bad.yaml: document 2: VirtualService default/broken: spec.http[0]')), errs[0]!.errors.join('\n'));
  assert.deepEqual(errs[1]!.errors, ['dup.yaml: VirtualService default/reviews: already defined in a.yaml']);
  assert.equal(store.revision, 5);
});

test('file edits are reconciled: changed, added and removed documents arrive as one batch; a deleted file deletes its resources', async () => {
  const dir = tempDir({ 'app.yaml': `${vsYaml('a')}---\n${vsYaml('b')}`, 'other.yaml': vsYaml('c') });
  const store = await open(dir);
  const batches: WatchEvent[][] = [];
  store.watch((e) => batches.push(e));

  put(dir, 'app.yaml', `${vsYaml('a', 'a2')}---\n${vsYaml('d')}`);
  await waitFor('the edit', () => batches.length >= 1);
  assert.deepEqual(summary(batches), [['MODIFIED a', 'ADDED d', 'DELETED b']]);
  assert.deepEqual(hosts(store.get('VirtualService', 'default', 'a')), ['a2']);
  assert.equal(store.get('VirtualService', 'default', 'a')!.metadata.generation, 2);

  unlinkSync(join(dir, 'other.yaml'));
  await waitFor('the deletion', () => batches.length >= 2);
  assert.deepEqual(summary(batches.slice(1)), [['DELETED c']]);
  assert.deepEqual(ids(store), ['VirtualService/default/a', 'VirtualService/default/d']);

  // A new file in a new subdirectory is picked up too.
  put(dir, 'team/new.yaml', vsYaml('e'));
  await waitFor('the new file', () => batches.length >= 3);
  assert.deepEqual(summary(batches.slice(2)), [['ADDED e']]);
  assert.equal(store.sourceOf({ kind: 'VirtualService', namespace: 'default', name: 'e' }), 'team/new.yaml');
});

test('polling alone (where fs.watch is unavailable) picks up edits and deletions', async () => {
  const dir = tempDir({ 'app.yaml': vsYaml('a') });
  const store = await open(dir, 'poll');
  const batches: WatchEvent[][] = [];
  store.watch((e) => batches.push(e));
  put(dir, 'app.yaml', vsYaml('a', 'a2'));
  await waitFor('the edit', () => batches.length >= 1);
  unlinkSync(join(dir, 'app.yaml'));
  await waitFor('the deletion', () => batches.length >= 2);
  assert.deepEqual(summary(batches), [['MODIFIED a'], ['DELETED a']]);
});

test('an invalid edit keeps the last good resources and reports the file; fixing it applies it', async () => {
  const dir = tempDir({ 'app.yaml': `${vsYaml('a')}---\n${vsYaml('b')}` });
  const store = await open(dir);
  const batches: WatchEvent[][] = [];
  store.watch((e) => batches.push(e));

  put(dir, 'app.yaml', `${vsYaml('a', 'a2')}---\n${BAD_DOC}`);
  await waitFor('the file error', () => store.fileErrors().length === 1);
  assert.equal(store.fileErrors()[0]!.file, 'app.yaml');
  assert.deepEqual(ids(store), ['VirtualService/default/a', 'VirtualService/default/b']);
  assert.deepEqual(hosts(store.get('VirtualService', 'default', 'a')), ['a']);

  put(dir, 'app.yaml', 'kind: [unclosed\n');
  await waitFor('the YAML error', () => /app\.yaml: document 1: /.test(store.fileErrors()[0]?.errors[0] ?? ''));
  assert.equal(store.list().length, 2);
  assert.deepEqual(batches, []);

  put(dir, 'app.yaml', vsYaml('a', 'a3'));
  await waitFor('the fix', () => batches.length >= 1);
  assert.deepEqual(store.fileErrors(), []);
  assert.deepEqual(summary(batches), [['MODIFIED a', 'DELETED b']]);
});

test('a conflict between files resolves when the first file lets go; a resource moved between files arrives as one batch', async () => {
  const dir = tempDir({ 'a.yaml': `${vsYaml('x')}---\n${vsYaml('y')}`, 'b.yaml': vsYaml('x', 'from-b') });
  const store = await open(dir, false);
  assert.deepEqual(store.fileErrors()[0]?.file, 'b.yaml');
  const batches: WatchEvent[][] = [];
  store.watch((e) => batches.push(e));
  put(dir, 'a.yaml', vsYaml('y'));
  await store.sync();
  assert.deepEqual(store.fileErrors(), []);
  assert.deepEqual(hosts(store.get('VirtualService', 'default', 'x')), ['from-b']);
  assert.equal(store.sourceOf({ kind: 'VirtualService', namespace: 'default', name: 'x' }), 'b.yaml');
  assert.deepEqual(summary(batches), [['MODIFIED x']]);
});

test('API writes go to files: own file per new resource, in-place edits of multi-document files, removal of documents and files', async () => {
  const userFile = `# Bookinfo routing, maintained by hand.
${vsYaml('reviews')}---
# ratings stays as it is
${vsYaml('ratings')}`;
  const dir = tempDir({ 'bookinfo.yaml': userFile });
  const store = await open(dir);
  const batches: WatchEvent[][] = [];
  store.watch((e) => batches.push(e));

  // create → <namespace>/<kind>-<name>.yaml, a clean manifest
  const c = await store.create(vs('details'));
  assert.ok(c.ok);
  const own = join(dir, 'default/virtualservice-details.yaml');
  assert.deepEqual(parse(readFileSync(own, 'utf8')), { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'details', namespace: 'default' }, spec: vs('details').spec });
  assert.equal(store.sourceOf({ kind: 'VirtualService', namespace: 'default', name: 'details' }), 'default/virtualservice-details.yaml');
  const ns = await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { 'istio-injection': 'enabled' } }, spec: {} });
  assert.ok(ns.ok);
  assert.ok(existsSync(join(dir, '_cluster/namespace-prod.yaml')));

  // update of a resource from the user's file: that document is rewritten in place
  const u = await store.update({ ...vs('reviews', 'reviews-v2'), metadata: { ...store.get('VirtualService', 'default', 'reviews')!.metadata } });
  assert.ok(u.ok, JSON.stringify(u));
  assert.equal(u.value.metadata.generation, 2);
  const text = readFileSync(join(dir, 'bookinfo.yaml'), 'utf8');
  assert.match(text, /# ratings stays as it is/);
  assert.match(text, /reviews-v2/);
  assert.equal(store.sourceOf({ kind: 'VirtualService', namespace: 'default', name: 'reviews' }), 'bookinfo.yaml');

  // delete of a document in a multi-document file removes only that document
  const d = await store.delete({ kind: 'VirtualService', namespace: 'default', name: 'reviews' });
  assert.ok(d.ok);
  const after = readFileSync(join(dir, 'bookinfo.yaml'), 'utf8');
  assert.doesNotMatch(after, /reviews/);
  assert.match(after, /name: ratings/);
  // delete of a resource alone in its file removes the file
  const d2 = await store.delete({ kind: 'VirtualService', namespace: 'default', name: 'details' });
  assert.ok(d2.ok);
  assert.equal(existsSync(own), false);
  assert.deepEqual(readdirSync(join(dir, 'default')).filter((f) => f.startsWith('.')), [], 'no temp files left behind');

  // apply: one file per new resource, in-place for existing ones, one batch
  const a = await store.apply([vs('ratings', 'ratings-v2'), vs('new-one')], 'cli.yaml');
  assert.ok(a.ok);
  assert.deepEqual(
    a.value.map((o) => `${o.key.name} ${o.action}`),
    ['ratings configured', 'new-one created'],
  );
  assert.ok(existsSync(join(dir, 'default/virtualservice-new-one.yaml')));
  assert.match(readFileSync(join(dir, 'bookinfo.yaml'), 'utf8'), /ratings-v2/);

  // No echo: the watcher sees our files but applies nothing more.
  const writes = summary(batches);
  assert.deepEqual(writes, [['ADDED details'], ['ADDED prod'], ['MODIFIED reviews'], ['DELETED reviews'], ['DELETED details'], ['MODIFIED ratings', 'ADDED new-one']]);
  const revision = store.revision;
  await sleep(400); // > debounce and one safety-net poll
  await store.sync();
  assert.equal(store.revision, revision);
  assert.deepEqual(summary(batches), writes);
  assert.deepEqual(store.fileErrors(), []);

  // Everything survives a restart of the store.
  const before = store.list().map((r) => ({ key: `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`, spec: r.spec, labels: r.metadata.labels }));
  await store.close();
  const again = await open(dir, false);
  assert.deepEqual(
    again.list().map((r) => ({ key: `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`, spec: r.spec, labels: r.metadata.labels })),
    before,
  );
});

test('API write checks: AlreadyExists, NotFound, Conflict, Invalid; a taken file name gets a suffix', async () => {
  const dir = tempDir({ 'default/virtualservice-x.yaml': vsYaml('someone-else') });
  const store = await open(dir, false);
  const bad = parse(BAD_DOC) as Resource;
  const inv = await store.create(bad);
  assert.ok(!inv.ok && inv.code === 'Invalid');
  assert.equal(readdirSync(join(dir, 'default')).length, 1);

  const c = await store.create(vs('x'));
  assert.ok(c.ok);
  assert.equal(store.sourceOf({ kind: 'VirtualService', namespace: 'default', name: 'x' }), 'default/virtualservice-x_2.yaml');
  const dup = await store.create(vs('x'));
  assert.ok(!dup.ok && dup.code === 'AlreadyExists' && /default\/virtualservice-x_2\.yaml/.test(dup.errors[0]!));
  const nf = await store.update(vs('nope'));
  assert.ok(!nf.ok && nf.code === 'NotFound');
  await store.update(vs('x', 'x2'));
  const stale = await store.update({ ...vs('x', 'x3'), metadata: { ...vs('x').metadata, resourceVersion: c.value.metadata.resourceVersion } });
  assert.ok(!stale.ok && stale.code === 'Conflict');
  const staleDelete = await store.delete({ kind: 'VirtualService', namespace: 'default', name: 'x' }, c.value.metadata.resourceVersion);
  assert.ok(!staleDelete.ok && staleDelete.code === 'Conflict');
  assert.deepEqual(hosts(store.get('VirtualService', 'default', 'x')), ['x2']);
  const missing = await store.deleteAll([{ kind: 'VirtualService', namespace: 'default', name: 'x' }, { kind: 'VirtualService', namespace: 'default', name: 'gone' }]);
  assert.ok(!missing.ok && missing.code === 'NotFound');
  assert.ok(store.get('VirtualService', 'default', 'x'));
  const all = await store.deleteAll([{ kind: 'VirtualService', namespace: 'default', name: 'x' }, { kind: 'VirtualService', namespace: 'default', name: 'gone' }], true);
  assert.ok(all.ok && all.value.length === 1);
  assert.equal(existsSync(join(dir, 'default/virtualservice-x_2.yaml')), false);
});

test('writes to a resource whose file has errors are refused; edits that cannot be made exactly are refused', async () => {
  const dir = tempDir({
    'app.yaml': `${vsYaml('a')}---\n${vsYaml('b')}`,
    // items[1] shares items[0]'s spec through a YAML alias: items[0] cannot be rewritten alone.
    'list.yaml': `apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.istio.io/v1\n  kind: VirtualService\n  metadata: {name: p}\n  spec: &shared\n    hosts: [shared]\n    http: [{route: [{destination: {host: shared}}]}]\n- apiVersion: networking.istio.io/v1\n  kind: VirtualService\n  metadata: {name: q}\n  spec: *shared\n`,
  });
  const store = await open(dir, false);
  put(dir, 'app.yaml', `${vsYaml('a')}---\n${BAD_DOC}`);
  const u = await store.update(vs('b', 'b2'));
  assert.ok(!u.ok && u.code === 'Conflict' && /defined in app\.yaml, which has errors/.test(u.errors[0]!), JSON.stringify(u));
  const p = await store.update(vs('p', 'p2'));
  assert.ok(!p.ok && p.code === 'Conflict' && /cannot rewrite list\.yaml/.test(p.errors[0]!), JSON.stringify(p));
  // q uses the alias but defines nothing others use: it is rewritten in place.
  const q = await store.update(vs('q', 'q2'));
  assert.ok(q.ok, JSON.stringify(q));
  assert.deepEqual(hosts(store.get('VirtualService', 'default', 'p')), ['shared']);
  assert.deepEqual(hosts(store.get('VirtualService', 'default', 'q')), ['q2']);
  assert.equal(store.sourceOf({ kind: 'VirtualService', namespace: 'default', name: 'q' }), 'list.yaml');
});

test('API writes in a JSON file keep it JSON', async () => {
  const dir = tempDir({ 'c.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [vs('j1'), vs('j2')] }) });
  const store = await open(dir, false);
  const u = await store.update(vs('j2', 'j2-new'));
  assert.ok(u.ok);
  const v = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')) as { items: Resource[] };
  assert.deepEqual(
    v.items.map((r) => hosts(r)),
    [['j1'], ['j2-new']],
  );
});
