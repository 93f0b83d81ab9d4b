// MemoryStore: the ConfigStore held in memory. Every write is validated (validateResource)
// and stamped with Kubernetes-style server metadata: a store-wide resourceVersion, a
// generation that counts spec changes, a uid and a creationTimestamp. Stored objects are
// deep-frozen, so what get/list return cannot be used to change the store. Watchers get
// one batch of events per write; a write that changes nothing emits nothing.
//
// DirectoryStore keeps its resources in a MemoryStore and writes through `commit`, the
// unvalidated primitive underneath create/update/apply.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Resource, ResourceKey } from '../../api/istio/meta.js';
import { describeKey, keyOf, keyString } from '../../api/istio/meta.js';
import { validateResource } from '../../api/istio/validation.js';
import { logger } from '../../shared/log.js';
import type { ApplyOutcome, ConfigStore, WatchEvent, WriteResult } from './store.js';

const log = logger('store');

/** Metadata fields the store owns: ignored on input, set on every write. */
export const SERVER_FIELDS = ['resourceVersion', 'generation', 'creationTimestamp', 'uid', 'managedFields'] as const;

export interface MemoryStoreOptions {
  /** Wall clock for creationTimestamp (tests inject a fixed one). */
  now?: () => Date;
  /** uid generator (tests inject a deterministic one). */
  newUid?: () => string;
}

/** A copy of the resource without server-managed metadata: what a user writes in a file. */
export function withoutServerFields(r: Resource): Resource {
  const metadata = { ...r.metadata } as Record<string, unknown>;
  for (const f of SERVER_FIELDS) delete metadata[f];
  return { ...r, metadata: metadata as unknown as Resource['metadata'] };
}

/** Same spec, labels and annotations: an apply of `b` over `a` is "unchanged". */
export function sameContent(a: Resource, b: Resource): boolean {
  return (
    isDeepStrictEqual(a.spec ?? {}, b.spec ?? {}) &&
    isDeepStrictEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {}) &&
    isDeepStrictEqual(a.metadata.annotations ?? {}, b.metadata.annotations ?? {})
  );
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v as object)) deepFreeze(child);
  }
  return v;
}

function compareKeys(a: ResourceKey, b: ResourceKey): number {
  return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Kubernetes' creationTimestamp format: RFC 3339 in UTC, whole seconds. */
function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function prefixed(source: string | undefined, errors: string[]): string[] {
  return source ? errors.map((e) => `${source}: ${e}`) : errors;
}

/**
 * Validates and deep-copies every input; returns the validated copies or every error.
 * Duplicated keys are an error.
 */
export function validateAll(inputs: unknown[], source?: string): WriteResult<Resource[]> {
  const errors: string[] = [];
  const out: Resource[] = [];
  const seen = new Map<string, number>();
  inputs.forEach((input, i) => {
    let copy: unknown;
    try {
      copy = structuredClone(input);
    } catch (err) {
      errors.push(`item ${i + 1}: not plain data: ${(err as Error).message}`);
      return;
    }
    const r = validateResource(copy);
    if (!r.ok) return void errors.push(...r.errors);
    const k = keyString(keyOf(r.value));
    const first = seen.get(k);
    if (first !== undefined) errors.push(`${describeKey(keyOf(r.value))}: defined more than once (items ${first + 1} and ${i + 1})`);
    else seen.set(k, i);
    out.push(r.value);
  });
  return errors.length ? { ok: false, code: 'Invalid', errors: prefixed(source, errors) } : { ok: true, value: out };
}

function staleError(current: Resource, given: string): string {
  return `${describeKey(keyOf(current))}: the object has been modified: resourceVersion ${given} is stale, the current resourceVersion is ${current.metadata.resourceVersion}; read it again and retry`;
}

export class MemoryStore implements ConfigStore {
  private readonly objects = new Map<string, Resource>();
  private readonly watchers = new Set<(events: WatchEvent[]) => void>();
  private sorted: Resource[] | undefined;
  private rev = 0;
  private readonly now: () => Date;
  private readonly newUid: () => string;

  constructor(opts: MemoryStoreOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.newUid = opts.newUid ?? randomUUID;
  }

  get revision(): number {
    return this.rev;
  }

  get(kind: string, namespace: string, name: string): Resource | undefined {
    return this.objects.get(keyString({ kind, namespace, name }));
  }

  list(kind?: string, namespace?: string): Resource[] {
    if (!this.sorted) this.sorted = [...this.objects.values()].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
    if (kind === undefined && namespace === undefined) return [...this.sorted];
    return this.sorted.filter((r) => (kind === undefined || r.kind === kind) && (namespace === undefined || (r.metadata.namespace ?? '') === namespace));
  }

  watch(handler: (events: WatchEvent[]) => void): () => void {
    // A wrapper, so the same function may subscribe twice and unsubscribe each separately.
    const h = (events: WatchEvent[]) => handler(events);
    this.watchers.add(h);
    return () => void this.watchers.delete(h);
  }

  async create(resource: Resource): Promise<WriteResult<Resource>> {
    const v = validateAll([resource]);
    if (!v.ok) return v;
    const r = v.value[0]!;
    const existing = this.objects.get(keyString(keyOf(r)));
    if (existing) return { ok: false, code: 'AlreadyExists', errors: [`${describeKey(keyOf(r))}: already exists`] };
    return { ok: true, value: this.commit([r], []).outcomes[0]!.resource };
  }

  async update(resource: Resource): Promise<WriteResult<Resource>> {
    const v = validateAll([resource]);
    if (!v.ok) return v;
    const r = v.value[0]!;
    const check = this.checkExisting(r);
    if (!check.ok) return check;
    return { ok: true, value: this.commit([r], []).outcomes[0]!.resource };
  }

  async delete(key: ResourceKey, resourceVersion?: string): Promise<WriteResult<Resource>> {
    const existing = this.objects.get(keyString(key));
    if (!existing) return { ok: false, code: 'NotFound', errors: [`${describeKey(key)}: not found`] };
    if (resourceVersion && resourceVersion !== existing.metadata.resourceVersion) return { ok: false, code: 'Conflict', errors: [staleError(existing, resourceVersion)] };
    return { ok: true, value: this.commit([], [key]).outcomes[0]!.resource };
  }

  async apply(resources: Resource[], source?: string): Promise<WriteResult<ApplyOutcome[]>> {
    const v = validateAll(resources, source);
    if (!v.ok) return v;
    const conflicts = v.value.flatMap((r) => this.staleness(r));
    if (conflicts.length) return { ok: false, code: 'Conflict', errors: prefixed(source, conflicts) };
    return { ok: true, value: this.commit(v.value, []).outcomes };
  }

  async deleteAll(keys: ResourceKey[], ignoreNotFound = false): Promise<WriteResult<ApplyOutcome[]>> {
    const check = this.checkDeletable(keys, ignoreNotFound);
    if (!check.ok) return check;
    return { ok: true, value: this.commit([], check.value).outcomes };
  }

  /** NotFound unless the resource exists; Conflict if it carries a stale resourceVersion. */
  checkExisting(r: Resource): WriteResult<Resource> {
    const existing = this.objects.get(keyString(keyOf(r)));
    if (!existing) return { ok: false, code: 'NotFound', errors: [`${describeKey(keyOf(r))}: not found`] };
    const stale = this.staleness(r);
    return stale.length ? { ok: false, code: 'Conflict', errors: stale } : { ok: true, value: existing };
  }

  /** The keys to delete (deduplicated, existing ones only), or NotFound naming every missing one. */
  checkDeletable(keys: ResourceKey[], ignoreNotFound: boolean): WriteResult<ResourceKey[]> {
    const unique = new Map(keys.map((k) => [keyString(k), k]));
    const missing = [...unique.values()].filter((k) => !this.objects.has(keyString(k)));
    if (missing.length && !ignoreNotFound) return { ok: false, code: 'NotFound', errors: missing.map((k) => `${describeKey(k)}: not found`) };
    return { ok: true, value: [...unique.values()].filter((k) => this.objects.has(keyString(k))) };
  }

  /** A message naming both versions when `r` carries a resourceVersion older than the stored one. */
  staleness(r: Resource): string[] {
    const given = r.metadata.resourceVersion;
    const existing = this.objects.get(keyString(keyOf(r)));
    return existing && given && given !== existing.metadata.resourceVersion ? [staleError(existing, given)] : [];
  }

  /**
   * The write primitive: puts (create-or-update) and deletes of already validated resources,
   * without concurrency checks, as one batch of events. A put with the same spec, labels and
   * annotations as the stored object is "unchanged" and writes nothing; a delete of a missing
   * key is skipped. Outcomes are in input order (puts, then deletes).
   */
  commit(puts: Resource[], deletes: ResourceKey[]): { outcomes: ApplyOutcome[]; events: WatchEvent[] } {
    const outcomes: ApplyOutcome[] = [];
    const events: WatchEvent[] = [];
    for (const input of puts) {
      const key = keyOf(input);
      const k = keyString(key);
      const existing = this.objects.get(k);
      if (existing && sameContent(existing, input)) {
        outcomes.push({ key, action: 'unchanged', resource: existing });
        continue;
      }
      const clean = withoutServerFields(input);
      const stored: Resource = deepFreeze(
        structuredClone({
          ...clean,
          metadata: {
            ...clean.metadata,
            resourceVersion: String(++this.rev),
            generation: existing ? (existing.metadata.generation ?? 1) + (isDeepStrictEqual(existing.spec ?? {}, input.spec ?? {}) ? 0 : 1) : 1,
            creationTimestamp: existing?.metadata.creationTimestamp ?? timestamp(this.now()),
            uid: existing?.metadata.uid ?? this.newUid(),
          },
        }),
      );
      this.objects.set(k, stored);
      outcomes.push({ key, action: existing ? 'configured' : 'created', resource: stored });
      events.push({ type: existing ? 'MODIFIED' : 'ADDED', resource: stored });
    }
    for (const key of deletes) {
      const k = keyString(key);
      const existing = this.objects.get(k);
      if (!existing) continue;
      this.objects.delete(k);
      // As Kubernetes does, the DELETED event carries the object at the revision of its deletion.
      const gone: Resource = deepFreeze({ ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.rev) } });
      outcomes.push({ key, action: 'deleted', resource: gone });
      events.push({ type: 'DELETED', resource: gone });
    }
    if (events.length) {
      this.sorted = undefined;
      for (const w of [...this.watchers]) {
        try {
          w(events);
        } catch (err) {
          log.error('config watcher failed', { err, events: events.length });
        }
      }
    }
    return { outcomes, events };
  }
}
