// Reading configuration the way kubectl does: a multi-document YAML (or JSON) file, where
// a document may also be a `kind: List` with items. Every document is validated; one bad
// document fails the whole file with every error (so a partially invalid file applies
// nothing). Errors name the file and the document: `reviews.yaml: document 2: ...`.
import { parseAllDocuments } from 'yaml';
import type { Resource } from './meta.js';
import { kindInfo } from './kinds.js';
import { validateResource } from './validation.js';
import type { Result } from '../../shared/result.js';

/** A document of a kind this mesh does not handle (a Deployment, a ServiceAccount...), untouched. */
export interface RawDoc {
  /** Where it came from: `file: document N` (plus `: items[i]` inside a List). */
  source: string;
  apiVersion?: string;
  kind?: string;
  value: unknown;
}

export interface Manifests {
  /** Validated resources of known kinds, in file order. */
  resources: Resource[];
  /** Documents of other kinds, in file order (only with allowUnknownKinds). */
  other: RawDoc[];
}

export interface ParseManifestsOptions {
  /** Namespace for namespaced resources that do not set one (default "default"). */
  defaultNamespace?: string;
  /** Return documents of unknown kinds in `other` instead of failing on them. */
  allowUnknownKinds?: boolean;
}

function field(v: unknown, name: string): unknown {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined;
}

/** A kind this mesh serves, in the API group it serves it from (a Gateway API Gateway is not an Istio Gateway). */
function isKnown(apiVersion: unknown, kind: unknown): boolean {
  const info = typeof kind === 'string' ? kindInfo(kind) : undefined;
  if (!info) return false;
  const slash = typeof apiVersion === 'string' ? apiVersion.lastIndexOf('/') : -1;
  const group = typeof apiVersion === 'string' && slash >= 0 ? apiVersion.slice(0, slash) : '';
  return group === info.group;
}

export function parseManifests(text: string, file: string, opts: ParseManifestsOptions = {}): Result<Manifests> {
  const errors: string[] = [];
  const out: Manifests = { resources: [], other: [] };
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];

  const take = (value: unknown, source: string) => {
    const apiVersion = field(value, 'apiVersion');
    const kind = field(value, 'kind');
    if (opts.allowUnknownKinds && typeof kind === 'string' && kind !== '' && !isKnown(apiVersion, kind)) {
      out.other.push({ source, value, ...(typeof apiVersion === 'string' ? { apiVersion } : {}), kind });
      return;
    }
    const r = validateResource(value, { defaultNamespace: opts.defaultNamespace });
    if (r.ok) out.resources.push(r.value);
    else errors.push(...r.errors.map((e) => `${source}: ${e}`));
  };

  list.forEach((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = err.linePos?.[0];
        const message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        errors.push(`${where}: ${pos ? `${pos.line}:${pos.col}: ` : ''}${message}`);
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      errors.push(`${where}: ${(err as Error).message}`);
      return;
    }
    if (value === null || value === undefined) return; // an empty document
    if (field(value, 'kind') === 'List' && field(value, 'apiVersion') === 'v1') {
      const items = field(value, 'items');
      if (items !== undefined && items !== null && !Array.isArray(items)) errors.push(`${where}: items: must be a list`);
      else (items ?? []).forEach((item: unknown, j: number) => take(item, `${where}: items[${j}]`));
      return;
    }
    take(value, where);
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: out };
}
