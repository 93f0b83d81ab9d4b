// FileSource: Envoy resources read from a YAML or JSON file (Envoy's JSON shape, each
// resource with its "@type"), served to every proxy and reloaded when the file changes.
// It lets `rig pilot --resources FILE` drive proxies before the Istio API is in play,
// and gives tests and benchmarks a control plane with exactly the config they want.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { AnySchema, anyUnpack } from '@bufbuild/protobuf/wkt';
import { parseAllDocuments } from 'yaml';
import { envoyRegistry } from '../../api/gen/registry.js';
import { isKnownTypeUrl, resourceType, type TypeUrl } from '../../api/envoy/types.js';
import { fail, ok, type Result } from '../../shared/result.js';
import { logger } from '../../shared/log.js';
import { MemorySource, type ChangeEvent, type NamedResource, type ProxyNode, type ResourceSource, type TypeResources } from './source.js';

const log = logger('file-source');

/** Parses `resources: [ { "@type": ..., ... } ]` (or a bare list) into resources by type. */
export function parseResourceFile(text: string, file: string): Result<Map<TypeUrl, NamedResource[]>> {
  const errors: string[] = [];
  const byType = new Map<TypeUrl, NamedResource[]>();
  let docs: unknown[];
  try {
    const parsed = parseAllDocuments(text);
    const bad = Array.isArray(parsed) ? parsed.find((d) => d.errors.length > 0) : undefined;
    if (bad) return fail(`${file}: invalid YAML: ${bad.errors[0]!.message}`);
    docs = (Array.isArray(parsed) ? parsed : [parsed]).map((d) => d.toJS() as unknown);
  } catch (err) {
    return fail(`${file}: invalid YAML: ${(err as Error).message}`);
  }
  const items: unknown[] = [];
  for (const d of docs) {
    if (d == null) continue;
    if (Array.isArray(d)) items.push(...d);
    else if (typeof d === 'object' && Array.isArray((d as { resources?: unknown }).resources)) items.push(...(d as { resources: unknown[] }).resources);
    else errors.push(`${file}: expected a list of resources or an object with "resources"`);
  }
  items.forEach((item, i) => {
    const where = `${file}: resources[${i}]`;
    const t = (item as { '@type'?: unknown } | null)?.['@type'];
    if (typeof t !== 'string' || !isKnownTypeUrl(t)) {
      errors.push(`${where}.@type: must be one of the xDS resource types (e.g. type.googleapis.com/envoy.config.cluster.v3.Cluster), got ${JSON.stringify(t)}`);
      return;
    }
    try {
      const any = fromJson(AnySchema, item as JsonValue, { registry: envoyRegistry });
      const type = resourceType(t)!;
      const msg = anyUnpack(any, type.schema);
      const name = msg ? type.name(msg as never) : '';
      if (!name) {
        errors.push(`${where}: the resource has no name`);
        return;
      }
      const list = byType.get(t) ?? [];
      if (list.some((r) => r.name === name)) errors.push(`${where}: duplicate ${type.short} resource "${name}"`);
      list.push({ name, resource: any });
      byType.set(t, list);
    } catch (err) {
      errors.push(`${where}: ${(err as Error).message}`);
    }
  });
  return errors.length ? { ok: false, errors } : ok(byType);
}

export class FileSource implements ResourceSource {
  private readonly mem = new MemorySource();
  private watcher: FSWatcher | undefined;
  private types = new Set<TypeUrl>();

  constructor(readonly file: string) {}

  /** Loads the file; on error the previous resources stay in force. */
  load(): Result<number> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      return fail(`${this.file}: ${(err as Error).message}`);
    }
    const r = parseResourceFile(text, this.file);
    if (!r.ok) return r;
    let count = 0;
    const seen = new Set<TypeUrl>();
    for (const [t, list] of r.value) {
      this.mem.set(t, list);
      seen.add(t);
      count += list.length;
    }
    for (const t of this.types) if (!seen.has(t)) this.mem.set(t, []);
    this.types = seen;
    return ok(count);
  }

  /** Reloads on change; errors are logged and the last good resources kept. */
  watch(): void {
    let timer: NodeJS.Timeout | undefined;
    this.watcher = watch(this.file, () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const r = this.load();
        if (r.ok) log.info('reloaded resources', { file: this.file, resources: r.value });
        else log.error('keeping the last good resources', { errors: r.errors.join('; ') });
      }, 50);
    });
    this.watcher.on('error', (err) => log.warn('watch failed', { file: this.file, err }));
  }

  close(): void {
    this.watcher?.close();
  }

  resources(proxy: ProxyNode, typeUrl: TypeUrl): TypeResources {
    return this.mem.resources(proxy, typeUrl);
  }

  onChange(listener: (change: ChangeEvent) => void): () => void {
    return this.mem.onChange(listener);
  }
}
