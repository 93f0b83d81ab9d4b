// Kubernetes-style object envelope shared by every configuration resource: apiVersion,
// kind, metadata, spec. Field names are Kubernetes' and Istio's, verbatim.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Opaque version for optimistic concurrency; set by the store. */
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  uid?: string;
}

export interface Resource<Spec = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: unknown;
}

/** A resource's identity: kind + namespace + name (namespace '' for cluster-scoped kinds). */
export interface ResourceKey {
  kind: string;
  namespace: string;
  name: string;
}

export function keyOf(r: Resource): ResourceKey {
  return { kind: r.kind, namespace: r.metadata.namespace ?? '', name: r.metadata.name };
}

/** `Kind namespace/name` (or `Kind name` when cluster-scoped): how messages name a resource. */
export function describeKey(k: ResourceKey): string {
  return k.namespace ? `${k.kind} ${k.namespace}/${k.name}` : `${k.kind} ${k.name}`;
}

export function keyString(k: ResourceKey): string {
  return `${k.kind}/${k.namespace}/${k.name}`;
}

/** Kubernetes label selector semantics: every key must match exactly. An empty selector matches all. */
export function matchLabels(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}
