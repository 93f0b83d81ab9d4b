// Validation of configuration resources, as Istio's admission webhook does it. Every
// error names the resource and the field path: `VirtualService default/reviews:
// spec.http[0].route[1].weight: weights must sum to 100, got 90`.
//
// validateResource is the single entry point the store, the CLI and analysis use.
import type { Resource } from './meta.js';
import { describeKey, keyOf } from './meta.js';
import { checkApiVersion, kindInfo } from './kinds.js';
import { ErrorCollector, type Result } from '../../shared/result.js';
import { specValidatorFor } from './validate/registry.js';
// Registers every kind's spec validator (side effect).
import './validate/index.js';

/** Per-kind spec validators, registered by the files in validate/ (see validate/registry.ts). */
export { registerSpecValidator, type SpecValidator } from './validate/registry.js';

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Validates envelope (apiVersion, kind, metadata) and spec. Returns the resource with
 * defaults applied (namespace "default" for namespaced kinds when absent), or every error.
 */
export function validateResource(input: unknown, opts: { defaultNamespace?: string } = {}): Result<Resource> {
  const envelope = new ErrorCollector();
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: ['expected an object with apiVersion, kind, metadata and spec'] };
  const r = input as Partial<Resource> & Record<string, unknown>;
  const versionError = checkApiVersion(r.apiVersion, r.kind);
  if (versionError) return { ok: false, errors: [versionError] };
  const info = kindInfo(r.kind!)!;
  const meta = r.metadata;
  if (!meta || typeof meta !== 'object') return { ok: false, errors: [`${r.kind}: metadata.name: required`] };
  if (typeof meta.name !== 'string' || !meta.name) envelope.add('metadata.name', 'required');
  else if (meta.name.length > 253 || !NAME_RE.test(meta.name)) envelope.add('metadata.name', `"${meta.name}" is not a valid name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`);
  let namespace = meta.namespace;
  if (info.namespaced) {
    namespace = namespace || opts.defaultNamespace || 'default';
    if (!NAME_RE.test(namespace) || namespace.includes('.')) envelope.add('metadata.namespace', `"${namespace}" is not a valid namespace name`);
  } else if (namespace) envelope.add('metadata.namespace', `${r.kind} is not namespaced; remove metadata.namespace`);
  for (const field of ['labels', 'annotations'] as const) {
    const m = meta[field];
    if (m === undefined) continue;
    if (!m || typeof m !== 'object' || Array.isArray(m)) envelope.add(`metadata.${field}`, 'must be a map of strings');
    else for (const [k, v] of Object.entries(m)) if (typeof v !== 'string') envelope.add(`metadata.${field}.${k}`, `must be a string, got ${JSON.stringify(v)} (quote it in YAML)`);
  }
  const resource: Resource = {
    apiVersion: r.apiVersion!,
    kind: r.kind!,
    metadata: { ...meta, name: meta.name ?? '', ...(info.namespaced ? { namespace } : {}) },
    spec: r.spec ?? {},
    ...(r.status !== undefined ? { status: r.status } : {}),
  };
  const who = describeKey(keyOf(resource));
  const spec = new ErrorCollector('spec');
  if (r.spec !== undefined && (typeof r.spec !== 'object' || r.spec === null || Array.isArray(r.spec))) spec.add('', 'must be an object');
  else specValidatorFor(resource.kind)?.(resource.spec, spec, resource);
  const errors = [...envelope.errors, ...spec.errors].map((e) => `${who}: ${e}`);
  return errors.length ? { ok: false, errors } : { ok: true, value: resource };
}
