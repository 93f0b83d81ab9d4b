// ConfigStore: where configuration resources live. Reads are synchronous (from memory or
// an informer-style cache); writes are asynchronous and validated. Adapters: MemoryStore
// (tests), DirectoryStore (the local platform: a directory of YAML files, watched), and
// later a Kubernetes adapter.
import type { Resource, ResourceKey } from '../../api/istio/meta.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  resource: Resource;
}

export type StoreErrorCode = 'Invalid' | 'AlreadyExists' | 'NotFound' | 'Conflict';

export type WriteResult<T> = { ok: true; value: T } | { ok: false; code: StoreErrorCode; errors: string[] };

/** What `apply` did to one resource, kubectl-style. */
export interface ApplyOutcome {
  key: ResourceKey;
  action: 'created' | 'configured' | 'unchanged' | 'deleted';
  resource: Resource;
}

export interface ConfigStore {
  get(kind: string, namespace: string, name: string): Resource | undefined;
  /** Sorted by kind, namespace, name. kind/namespace undefined = all. */
  list(kind?: string, namespace?: string): Resource[];
  /** Monotonic store revision; changes on every successful write. */
  readonly revision: number;
  /** Events of one write arrive together. Returns an unsubscribe function. */
  watch(handler: (events: WatchEvent[]) => void): () => void;

  create(resource: Resource): Promise<WriteResult<Resource>>;
  /** Fails with Conflict if resource.metadata.resourceVersion is set and stale. */
  update(resource: Resource): Promise<WriteResult<Resource>>;
  delete(key: ResourceKey, resourceVersion?: string): Promise<WriteResult<Resource>>;
  /**
   * Create-or-update many resources atomically: every resource is validated first and
   * nothing is written unless all are valid. `source` names the origin (a file) for messages.
   */
  apply(resources: Resource[], source?: string): Promise<WriteResult<ApplyOutcome[]>>;
  /** Deletes many atomically (all must exist unless ignoreNotFound). */
  deleteAll(keys: ResourceKey[], ignoreNotFound?: boolean): Promise<WriteResult<ApplyOutcome[]>>;
}
