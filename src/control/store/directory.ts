// DirectoryStore: the local platform's ConfigStore, a directory of YAML (or JSON) files
// as kubectl reads them — multi-document, `kind: List` allowed, namespace "default" when
// absent. Files are the truth: the store loads every *.yaml, *.yml and *.json below the
// directory (sorted; dotfiles skipped), watches it, and reconciles on every change.
//
//   - A file is applied atomically: one invalid document and the file contributes nothing
//     new; it keeps its last good resources and its errors are in fileErrors().
//   - A resource defined by two files belongs to the first that defined it (in sorted order
//     at start); the other file is in error, naming both, until the conflict goes away.
//   - A changed file replaces the resources it defined; a deleted file deletes them.
//   - Writes through the ConfigStore API go to files: a new resource gets its own file,
//     `<namespace or _cluster>/<kind>-<name>.yaml`; an update rewrites the resource's
//     document where it is (other documents and their comments stay), or, when that cannot
//     be done exactly, moves the resource to its own file; a delete removes its document
//     (and the file when nothing is left). Each file is written atomically (temp + rename).
//   - The store remembers the content and stat of every file it read or wrote, so its own
//     writes are never re-applied as foreign changes.
//
// One queue serializes rescans and API writes; each starts by rescanning, so a write
// always sees the files as they are on disk.
import { watch, type FSWatcher } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { isNode, parseAllDocuments, stringify, type Document } from 'yaml';
import type { Resource, ResourceKey } from '../../api/istio/meta.js';
import { describeKey, keyOf, keyString } from '../../api/istio/meta.js';
import { kindInfo } from '../../api/istio/kinds.js';
import { parseManifests } from '../../api/istio/parse.js';
import { systemClock, type Clock, type Timer } from '../../shared/clock.js';
import { logger } from '../../shared/log.js';
import { MemoryStore, sameContent, validateAll, withoutServerFields, type MemoryStoreOptions } from './memory.js';
import type { ApplyOutcome, ConfigStore, WatchEvent, WriteResult } from './store.js';

const log = logger('store');

const EXTENSIONS = ['.yaml', '.yml', '.json'];
/** Directory of the files written for cluster-scoped resources (a namespace cannot start with '_'). */
export const CLUSTER_DIR = '_cluster';

export interface DirectoryStoreOptions extends MemoryStoreOptions {
  dir: string;
  /** Watch the directory for changes: fs.watch plus a slow poll (true, the default), polling only ('poll'), or not at all. */
  watch?: boolean | 'poll';
  /** Quiet time after a file-system event before rescanning (default 75 ms). */
  debounceMs?: number;
  /** Rescan interval: the safety net beside fs.watch (default 2000 ms), or the only mechanism if fs.watch fails (default 500 ms). */
  pollIntervalMs?: number;
  /** Timers for debounce and polling. */
  clock?: Clock;
}

export interface FileError {
  /** Path relative to the store's directory, with '/' separators. */
  file: string;
  errors: string[];
}

interface FileState {
  /** ino:size:mtime of the content below. */
  sig: string;
  hash: string;
  text: string;
  /** The parse of `text`: resources (server fields stripped), or its errors. */
  parsed: { ok: true; value: Resource[] } | { ok: false; errors: string[] };
  /** The resources this file currently owns (its last good content), by key string. */
  owned: Map<string, Resource>;
  /** Why the current text is not applied (parse errors or ownership conflicts); empty when applied. */
  errors: string[];
}

/** A file's new content (text + stat signature), or null when it is gone. */
type FileChange = { text: string; sig: string } | null;

interface Change {
  key: ResourceKey;
  /** The new content; undefined deletes. */
  resource?: Resource;
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
const sigOf = (s: { ino: number; size: number; mtimeMs: number }) => `${s.ino}:${s.size}:${s.mtimeMs}`;

/** The resource as a user would write it: no server fields, metadata keys in the usual order. */
function manifestOf(r: Resource): Resource {
  const { name, namespace, labels, annotations, ...rest } = withoutServerFields(r).metadata;
  const metadata = { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}), ...rest };
  return { apiVersion: r.apiVersion, kind: r.kind, metadata, spec: r.spec, ...(r.status !== undefined ? { status: r.status } : {}) };
}

function isJson(file: string): boolean {
  return file.endsWith('.json');
}

function serialize(file: string, r: Resource): string {
  return isJson(file) ? JSON.stringify(r, null, 2) + '\n' : stringify(r);
}

/** Parses and validates one file's text; a key defined twice in the file is an error. */
function parseFile(file: string, text: string): FileState['parsed'] {
  let r: ReturnType<typeof parseManifests>;
  try {
    r = parseManifests(text, file, { defaultNamespace: 'default' });
  } catch (err) {
    return { ok: false, errors: [`${file}: ${(err as Error).message}`] };
  }
  if (!r.ok) return r;
  const seen = new Set<string>();
  const errors: string[] = [];
  for (const res of r.value.resources) {
    const k = keyString(keyOf(res));
    if (seen.has(k)) errors.push(`${file}: ${describeKey(keyOf(res))}: defined more than once in this file`);
    seen.add(k);
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: r.value.resources.map(withoutServerFields) };
}

function field(v: unknown, name: string): unknown {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined;
}

function isList(v: unknown): boolean {
  return field(v, 'kind') === 'List' && field(v, 'apiVersion') === 'v1' && Array.isArray(field(v, 'items'));
}

/** Whether a parsed document is the resource `key` (namespace defaulted as on load). */
function isResource(v: unknown, key: ResourceKey): boolean {
  const meta = field(v, 'metadata');
  if (field(v, 'kind') !== key.kind || field(meta, 'name') !== key.name) return false;
  const ns = field(meta, 'namespace');
  const namespace = kindInfo(key.kind)?.namespaced ? (typeof ns === 'string' && ns ? ns : 'default') : '';
  return namespace === key.namespace;
}

/**
 * The file's text with the document (or List item) of `key` replaced by `replacement`, or
 * removed when replacement is undefined; other documents keep their text and comments.
 * Undefined when the document cannot be found or edited.
 */
function editText(file: string, text: string, key: ResourceKey, replacement: Resource | undefined): string | undefined {
  try {
    if (isJson(file)) {
      const value: unknown = JSON.parse(text);
      if (isList(value)) {
        const items = field(value, 'items') as unknown[];
        const j = items.findIndex((it) => isResource(it, key));
        if (j < 0) return undefined;
        if (replacement) items[j] = replacement;
        else items.splice(j, 1);
        return JSON.stringify(value, null, 2) + '\n';
      }
      if (!isResource(value, key)) return undefined;
      return replacement ? JSON.stringify(replacement, null, 2) + '\n' : '';
    }
    // YAML: only the touched document is re-serialized; every other byte of the file stays.
    // A document's text runs from the end of the previous one (so comments above it go with it).
    const parsed = parseAllDocuments(text);
    if (!Array.isArray(parsed)) return undefined;
    const docs: Document.Parsed[] = parsed;
    if (docs.some((d) => d.errors.length)) return undefined;
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      const value: unknown = doc.toJS({ maxAliasCount: 100 });
      const start = i === 0 ? 0 : docs[i - 1]!.range[2];
      const end = i === docs.length - 1 ? text.length : doc.range[2];
      if (isList(value)) {
        const j = (field(value, 'items') as unknown[]).findIndex((it) => isResource(it, key));
        if (j < 0) continue;
        if (replacement) doc.setIn(['items', j], doc.createNode(replacement));
        else doc.deleteIn(['items', j]);
      } else if (!isResource(value, key)) continue;
      else if (!replacement) {
        // Removed with the comments above it, except a file's header comment.
        return text.slice(0, i === 0 ? doc.range[0] : start) + text.slice(end);
      } else {
        const node = doc.createNode(replacement);
        if (isNode(doc.contents)) node.commentBefore = doc.contents.commentBefore;
        (doc as Document).contents = node;
      }
      doc.commentBefore = null; // it lies above the document's range and is kept verbatim
      const out = doc.toString();
      return text.slice(0, doc.range[0]) + out + (out.endsWith('\n') ? '' : '\n') + text.slice(end);
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** Whether `text` parses to exactly the resources in `expected` (same keys, apiVersion and content). */
function yields(file: string, text: string, expected: Map<string, Resource>): boolean {
  const p = parseFile(file, text);
  if (!p.ok || p.value.length !== expected.size) return false;
  return p.value.every((r) => {
    const e = expected.get(keyString(keyOf(r)));
    return e !== undefined && e.apiVersion === r.apiVersion && sameContent(e, r);
  });
}

let tmpCounter = 0;

/** Writes atomically (temp file + fsync + rename); returns the stat signature of what was written. */
async function writeAtomic(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tmpCounter}.tmp`);
  try {
    const fh = await open(tmp, 'w');
    let sig: string;
    try {
      await fh.writeFile(text);
      await fh.sync();
      sig = sigOf(await fh.stat());
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    return sig;
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export class DirectoryStore implements ConfigStore {
  readonly dir: string;
  private readonly mem: MemoryStore;
  private readonly files = new Map<string, FileState>();
  /** Key string → the file that owns it. */
  private readonly owners = new Map<string, string>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;
  private watcher: FSWatcher | undefined;
  private debounce: Timer | undefined;
  private poll: Timer | undefined;
  private scanPending = false;
  private pollMs = 2000;
  private closed = false;
  /** Files that could not be read, each logged once until it can be read again. */
  private readonly unreadable = new Set<string>();
  /** The last scan failure, logged once until a scan succeeds. */
  private scanFailure: string | undefined;

  constructor(private readonly opts: DirectoryStoreOptions) {
    this.dir = opts.dir;
    this.mem = new MemoryStore(opts);
    this.clock = opts.clock ?? systemClock;
  }

  /** Creates the directory if needed, loads every file, and starts watching. */
  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (this.opts.watch !== false) this.startWatching(); // before loading: no change between the two is missed
    await this.enqueue(() => this.scan());
  }

  private startWatching(): void {
    const fallbackMs = this.opts.pollIntervalMs ?? 500;
    this.pollMs = this.opts.watch === 'poll' ? fallbackMs : (this.opts.pollIntervalMs ?? 2000);
    if (this.opts.watch !== 'poll') {
      try {
        this.watcher = watch(this.dir, { recursive: true, persistent: false }, () => this.onFsEvent());
        this.watcher.on('error', (err) => {
          log.warn('watching the config directory failed; polling instead', { dir: this.dir, err });
          this.watcher?.close();
          this.watcher = undefined;
          this.pollMs = fallbackMs;
        });
      } catch (err) {
        log.warn('cannot watch the config directory; polling instead', { dir: this.dir, err });
        this.pollMs = fallbackMs;
      }
    }
    const tick = () => {
      if (this.closed) return;
      this.requestScan();
      this.poll = this.clock.setTimeout(tick, this.pollMs);
    };
    this.poll = this.clock.setTimeout(tick, this.pollMs);
  }

  /** Stops watching and waits for pending work. The store stays readable. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    this.debounce?.cancel();
    this.poll?.cancel();
    await this.tail.catch(() => undefined);
  }

  /** Rescans the directory now (normally the watcher does it). */
  sync(): Promise<void> {
    return this.enqueue(() => this.scan());
  }

  /** Files whose current content is not applied, and why, sorted by file. */
  fileErrors(): FileError[] {
    return [...this.files.entries()]
      .filter(([, st]) => st.errors.length > 0)
      .map(([file, st]) => ({ file, errors: [...st.errors] }))
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  /** The file (relative to dir) that defines a resource. */
  sourceOf(key: ResourceKey): string | undefined {
    return this.owners.get(keyString(key));
  }

  get revision(): number {
    return this.mem.revision;
  }

  get(kind: string, namespace: string, name: string): Resource | undefined {
    return this.mem.get(kind, namespace, name);
  }

  list(kind?: string, namespace?: string): Resource[] {
    return this.mem.list(kind, namespace);
  }

  watch(handler: (events: WatchEvent[]) => void): () => void {
    return this.mem.watch(handler);
  }

  async create(resource: Resource): Promise<WriteResult<Resource>> {
    const v = validateAll([resource]);
    if (!v.ok) return v;
    const r = v.value[0]!;
    return this.enqueue(async () => {
      await this.scan();
      const existing = this.mem.get(r.kind, r.metadata.namespace ?? '', r.metadata.name);
      if (existing) return { ok: false, code: 'AlreadyExists', errors: [`${describeKey(keyOf(r))}: already exists (in ${this.sourceOf(keyOf(r))})`] };
      const w = await this.write([{ key: keyOf(r), resource: r }]);
      return w.ok ? { ok: true, value: w.value[0]!.resource } : w;
    });
  }

  async update(resource: Resource): Promise<WriteResult<Resource>> {
    const v = validateAll([resource]);
    if (!v.ok) return v;
    const r = v.value[0]!;
    return this.enqueue(async () => {
      await this.scan();
      const check = this.mem.checkExisting(r);
      if (!check.ok) return check;
      if (sameContent(check.value, r)) return check;
      const w = await this.write([{ key: keyOf(r), resource: r }]);
      return w.ok ? { ok: true, value: w.value[0]!.resource } : w;
    });
  }

  async delete(key: ResourceKey, resourceVersion?: string): Promise<WriteResult<Resource>> {
    return this.enqueue(async () => {
      await this.scan();
      const existing = this.mem.get(key.kind, key.namespace, key.name);
      if (!existing) return { ok: false, code: 'NotFound', errors: [`${describeKey(key)}: not found`] };
      if (resourceVersion && resourceVersion !== existing.metadata.resourceVersion) return { ok: false, code: 'Conflict', errors: this.mem.staleness({ ...existing, metadata: { ...existing.metadata, resourceVersion } }) };
      const w = await this.write([{ key }]);
      return w.ok ? { ok: true, value: w.value[0]!.resource } : w;
    });
  }

  async apply(resources: Resource[], source?: string): Promise<WriteResult<ApplyOutcome[]>> {
    const v = validateAll(resources, source);
    if (!v.ok) return v;
    return this.enqueue(async () => {
      await this.scan();
      const conflicts = v.value.flatMap((r) => this.mem.staleness(r));
      if (conflicts.length) return { ok: false, code: 'Conflict', errors: source ? conflicts.map((e) => `${source}: ${e}`) : conflicts };
      const changed = v.value.filter((r) => {
        const cur = this.mem.get(r.kind, r.metadata.namespace ?? '', r.metadata.name);
        return !cur || !sameContent(cur, r);
      });
      const w = await this.write(changed.map((r) => ({ key: keyOf(r), resource: r })));
      if (!w.ok) return w;
      const done = new Map(w.value.map((o) => [keyString(o.key), o]));
      return {
        ok: true,
        value: v.value.map((r) => {
          const key = keyOf(r);
          return done.get(keyString(key)) ?? { key, action: 'unchanged' as const, resource: this.mem.get(key.kind, key.namespace, key.name)! };
        }),
      };
    });
  }

  async deleteAll(keys: ResourceKey[], ignoreNotFound = false): Promise<WriteResult<ApplyOutcome[]>> {
    return this.enqueue(async () => {
      await this.scan();
      const check = this.mem.checkDeletable(keys, ignoreNotFound);
      if (!check.ok) return check;
      return this.write(check.value.map((key) => ({ key })));
    });
  }

  // ---- the queue ----

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn);
    this.tail = p.catch(() => undefined);
    return p;
  }

  private onFsEvent(): void {
    if (this.closed) return;
    this.debounce?.cancel();
    this.debounce = this.clock.setTimeout(() => this.requestScan(), this.opts.debounceMs ?? 75);
  }

  private requestScan(): void {
    if (this.scanPending || this.closed) return;
    this.scanPending = true;
    this.enqueue(async () => {
      this.scanPending = false;
      await this.scan();
    }).catch((err: unknown) => log.error('config directory rescan failed', { dir: this.dir, err }));
  }

  // ---- reading the directory ----

  /** Every config file below dir: relative path → absolute path, sorted. */
  private async listFiles(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(rel ? join(this.dir, rel) : this.dir, { withFileTypes: true });
      } catch (err) {
        // A directory removed while we walk it is simply gone; the root missing means no files.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const p = rel ? `${rel}/${e.name}` : e.name;
        let isDir = e.isDirectory();
        let isFile = e.isFile();
        if (e.isSymbolicLink()) {
          const s = await stat(join(this.dir, p)).catch(() => undefined);
          isFile = s?.isFile() ?? false;
          isDir = false; // never follow directory links (no loops)
        }
        if (isDir) await walk(p);
        else if (isFile && EXTENSIONS.some((x) => e.name.endsWith(x))) out.push(p);
      }
    };
    await walk('');
    return out.sort();
  }

  /** Reads what changed on disk since the last scan and reconciles it. Runs in the queue. */
  private async scan(): Promise<void> {
    let listed: string[];
    try {
      listed = await this.listFiles();
    } catch (err) {
      const msg = (err as Error).message;
      if (this.scanFailure !== msg) log.error('cannot read the config directory', { dir: this.dir, err });
      this.scanFailure = msg;
      return;
    }
    this.scanFailure = undefined;
    const changes = new Map<string, FileChange>();
    for (const file of listed) {
      const path = join(this.dir, file);
      const known = this.files.get(file);
      try {
        const s = await stat(path);
        const sig = sigOf(s);
        if (known?.sig === sig) continue;
        const text = await readFile(path, 'utf8');
        this.unreadable.delete(file);
        if (known?.hash === hashOf(text)) {
          known.sig = sig; // touched, or our own write: same content
          continue;
        }
        changes.set(file, { text, sig });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          if (known) changes.set(file, null);
        } else if (!this.unreadable.has(file)) {
          this.unreadable.add(file);
          log.warn('cannot read config file; keeping what it defined', { file: path, err });
        }
      }
    }
    const present = new Set(listed);
    for (const file of this.files.keys()) if (!present.has(file)) changes.set(file, null);
    if (changes.size) this.reconcile(changes);
  }

  /**
   * Applies file changes to ownership and the store: each file atomically, in sorted order,
   * then files held back by ownership conflicts are retried until nothing moves. Everything
   * that changed goes to the store as one batch.
   */
  private reconcile(changes: Map<string, FileChange>): ApplyOutcome[] {
    const staged = new Map<string, Resource | null>();
    for (const file of [...changes.keys()].sort()) {
      const change = changes.get(file)!;
      const st = this.files.get(file);
      if (change === null) {
        if (!st) continue;
        for (const k of st.owned.keys()) {
          this.owners.delete(k);
          staged.set(k, null);
        }
        this.files.delete(file);
        log.info('config file removed', { file, resources: st.owned.size });
        continue;
      }
      const parsed = parseFile(file, change.text);
      const next: FileState = { sig: change.sig, hash: hashOf(change.text), text: change.text, parsed, owned: st?.owned ?? new Map(), errors: [] };
      this.files.set(file, next);
      if (this.claim(file, next, staged)) log.info('config file loaded', { file, resources: next.owned.size });
      else log.warn('config file rejected; its last good resources stay', { file, errors: next.errors.join('; ') });
    }
    for (let progress = true; progress; ) {
      progress = false;
      for (const [file, st] of [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (st.errors.length && st.parsed.ok && this.claim(file, st, staged)) {
          log.info('config file loaded after a conflict went away', { file, resources: st.owned.size });
          progress = true;
        }
      }
    }
    const puts: Resource[] = [];
    const deletes: ResourceKey[] = [];
    for (const [k, r] of staged) {
      if (r) puts.push(r);
      else {
        const [kind, namespace, name] = k.split('/') as [string, string, string];
        deletes.push({ kind, namespace, name });
      }
    }
    return this.mem.commit(puts, deletes).outcomes;
  }

  /** Makes the file's parsed resources its owned set, unless it has errors or another file owns one of them. */
  private claim(file: string, st: FileState, staged: Map<string, Resource | null>): boolean {
    if (!st.parsed.ok) {
      st.errors = st.parsed.errors;
      return false;
    }
    const conflicts: string[] = [];
    for (const r of st.parsed.value) {
      const owner = this.owners.get(keyString(keyOf(r)));
      if (owner !== undefined && owner !== file) conflicts.push(`${file}: ${describeKey(keyOf(r))}: already defined in ${owner}`);
    }
    if (conflicts.length) {
      st.errors = conflicts;
      return false;
    }
    const owned = new Map(st.parsed.value.map((r) => [keyString(keyOf(r)), r]));
    for (const k of st.owned.keys()) {
      if (owned.has(k)) continue;
      this.owners.delete(k);
      staged.set(k, null);
    }
    for (const [k, r] of owned) {
      this.owners.set(k, file);
      staged.set(k, r);
    }
    st.owned = owned;
    st.errors = [];
    return true;
  }

  // ---- writing ----

  /**
   * Writes changes (already validated and checked) to files and the store: plans every
   * file's new text, writes new files first, then rewritten ones, then removals, and
   * reconciles them as one batch. Outcomes are one per change, in order.
   */
  private async write(changes: Change[]): Promise<WriteResult<ApplyOutcome[]>> {
    if (changes.length === 0) return { ok: true, value: [] };
    const plan = await this.plan(changes);
    if (!plan.ok) return plan;
    const written = new Map<string, FileChange>();
    const order = [...plan.value.entries()].sort(([a, ta], [b, tb]) => {
      const rank = (f: string, t: string | null) => (t === null ? 2 : this.files.has(f) ? 1 : 0);
      return rank(a, ta) - rank(b, tb) || (a < b ? -1 : a > b ? 1 : 0);
    });
    for (const [file, text] of order) {
      const path = join(this.dir, file);
      if (text === null) {
        await unlink(path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        written.set(file, null);
      } else written.set(file, { text, sig: await writeAtomic(path, text) });
    }
    const outcomes = this.reconcile(written);
    const failed = [...written.keys()].flatMap((f) => this.files.get(f)?.errors ?? []);
    if (failed.length) return { ok: false, code: 'Conflict', errors: failed };
    const byKey = new Map(outcomes.map((o) => [keyString(o.key), o]));
    return {
      ok: true,
      value: changes.map((c) => {
        const o = byKey.get(keyString(c.key));
        if (o) return o;
        const r = this.mem.get(c.key.kind, c.key.namespace, c.key.name)!;
        return { key: c.key, action: 'unchanged' as const, resource: r };
      }),
    };
  }

  /** Each touched file's new text (null: remove the file), checked to yield exactly what it should. */
  private async plan(changes: Change[]): Promise<WriteResult<Map<string, string | null>>> {
    const texts = new Map<string, string | null>();
    const expected = new Map<string, Map<string, Resource>>();
    const refuse = (errors: string[]): WriteResult<never> => ({ ok: false, code: 'Conflict', errors });
    for (const c of changes) {
      const k = keyString(c.key);
      const who = describeKey(c.key);
      const manifest = c.resource && manifestOf(c.resource);
      const owner = this.owners.get(k);
      if (owner !== undefined) {
        const st = this.files.get(owner)!;
        if (st.errors.length) return refuse([`${who}: defined in ${owner}, which has errors; fix or remove that file first: ${st.errors.join('; ')}`]);
        const text = texts.get(owner) ?? st.text;
        const want = new Map(expected.get(owner) ?? st.owned);
        if (manifest) want.set(k, manifest);
        else want.delete(k);
        const edited = editText(owner, text, c.key, manifest);
        if (edited !== undefined && (want.size === 0 || yields(owner, edited, want))) {
          texts.set(owner, want.size === 0 ? null : edited);
          expected.set(owner, want);
          continue;
        }
        if (!manifest) return refuse([`${who}: cannot remove it from ${owner} without changing the file's other resources; edit that file instead`]);
        // Cannot rewrite the document exactly where it is: move the resource to its own file.
        want.delete(k);
        const removed = editText(owner, text, c.key, undefined);
        if (removed === undefined || (want.size > 0 && !yields(owner, removed, want))) {
          return refuse([`${who}: cannot rewrite ${owner} without changing the file's other resources; edit that file instead`]);
        }
        texts.set(owner, want.size === 0 ? null : removed);
        expected.set(owner, want);
        log.info('moving a resource to its own file', { resource: who, from: owner });
      }
      if (!manifest) continue; // deleting something no file defines: nothing to write
      const file = await this.ownFile(c.key, texts);
      texts.set(file, serialize(file, manifest));
      expected.set(file, new Map([[k, manifest]]));
    }
    return { ok: true, value: texts };
  }

  /** `<namespace or _cluster>/<kind>-<name>.yaml`, or with `_2`, `_3`… when that file is taken. */
  private async ownFile(key: ResourceKey, planned: Map<string, string | null>): Promise<string> {
    const base = `${key.namespace || CLUSTER_DIR}/${key.kind.toLowerCase()}-${key.name}`;
    for (let n = 1; ; n++) {
      const file = `${base}${n === 1 ? '' : `_${n}`}.yaml`;
      if (!this.files.has(file) && !planned.has(file) && !(await exists(join(this.dir, file)))) return file;
    }
  }
}
