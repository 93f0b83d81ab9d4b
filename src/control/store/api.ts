// The config store over HTTP, shaped as the Kubernetes API server's, mounted on the status
// server (15014):
//   GET    /apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}]   (core kinds: /api/v1/...)
//   GET    /apis/{group}/{version}/{plural}                            all namespaces
//   GET    /api/v1/namespaces[/{name}]                                 cluster-scoped kinds
//   POST   …/{plural}           create (201)
//   PUT    …/{plural}/{name}    update (409 on a stale resourceVersion)
//   DELETE …/{plural}/{name}    delete (404 when missing; DeleteOptions.preconditions.resourceVersion honoured)
// Lists are `{ apiVersion, kind: "<Kind>List", metadata: { resourceVersion }, items }`
// (`?labelSelector=app=reviews,version!=v1` filters); objects carry the apiVersion of the
// path they were read at. Errors are Kubernetes `Status` objects.
//
// Two endpoints for the CLI, taking manifests (YAML or JSON, multi-document) as the body:
//   POST /rig/v1/apply?source=<file>[&namespace=<ns>]    atomic apply → { results: [{ kind, namespace, name, action }] }
//   POST /rig/v1/delete?source=<file>[&ignoreNotFound=true]   atomic delete, same response
// (`source` may also come as the `x-rig-source` header; it prefixes every error message.)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { Resource, ResourceKey } from '../../api/istio/meta.js';
import { describeKey, matchLabels } from '../../api/istio/meta.js';
import { KINDS, apiVersionOf, checkApiVersion, kindInfo, type KindInfo } from '../../api/istio/kinds.js';
import { parseManifests } from '../../api/istio/parse.js';
import { logger } from '../../shared/log.js';
import type { PrefixRoute } from '../status/server.js';
import type { ApplyOutcome, ConfigStore, StoreErrorCode } from './store.js';

const log = logger('store-api');

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface StoreApiOptions {
  /** Largest request body accepted; larger ones get 413 (default 10 MiB). */
  maxBodyBytes?: number;
}

type Reason = StoreErrorCode | 'BadRequest' | 'MethodNotAllowed' | 'RequestEntityTooLarge' | 'InternalError';

const CODES: Record<Reason, number> = {
  Invalid: 422,
  AlreadyExists: 409,
  NotFound: 404,
  Conflict: 409,
  BadRequest: 400,
  MethodNotAllowed: 405,
  RequestEntityTooLarge: 413,
  InternalError: 500,
};

/** A Kubernetes `Status` failure. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: Reason;
  details: { name?: string; group?: string; kind?: string; causes: { message: string }[] };
  code: number;
}

/** One line of an apply or delete: what happened to which resource. */
export interface ApplyResult {
  kind: string;
  namespace: string;
  name: string;
  action: ApplyOutcome['action'];
}

class HttpError extends Error {
  constructor(
    readonly reason: Reason,
    readonly errors: string[],
    readonly details: { name?: string; group?: string; kind?: string } = {},
  ) {
    super(errors.join('\n'));
  }
}

function status(reason: Reason, errors: string[], details: { name?: string; group?: string; kind?: string } = {}): Status {
  const message = errors.length === 1 ? errors[0]! : `${errors.length} errors:\n${errors.join('\n')}`;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details: { ...details, causes: errors.map((m) => ({ message: m })) }, code: CODES[reason] };
}

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body, null, 2) + '\n');
}

/** Reads the body as text; HttpError RequestEntityTooLarge past `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = () => new HttpError('RequestEntityTooLarge', [`request body larger than ${max} bytes`]);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      return reject(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.off('data', onData);
        req.resume();
        return reject(tooLarge());
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Kubernetes equality-based label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated (all must hold). */
export function parseLabelSelector(text: string): (labels: Record<string, string> | undefined) => boolean {
  const terms = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t): ((l: Record<string, string>) => boolean) => {
      let m: RegExpMatchArray | null;
      if ((m = t.match(/^([^!=\s]+)\s*!=\s*([^!=\s]*)$/))) {
        const [, k, v] = m as unknown as [string, string, string];
        return (l) => l[k] !== v;
      }
      if ((m = t.match(/^([^!=\s]+)\s*==?\s*([^!=\s]*)$/))) {
        const [, k, v] = m as unknown as [string, string, string];
        return (l) => matchLabels({ [k]: v }, l);
      }
      if ((m = t.match(/^!\s*([^!=\s]+)$/))) {
        const k = m[1]!;
        return (l) => !(k in l);
      }
      if (/^[^!=\s]+$/.test(t)) return (l) => t in l;
      throw new HttpError('BadRequest', [`labelSelector: cannot parse "${t}"; use key=value, key!=value, key or !key`]);
    });
  return (labels) => terms.every((f) => f(labels ?? {}));
}

interface Target {
  info: KindInfo;
  version: string;
  /** undefined = all namespaces (or a cluster-scoped kind). */
  namespace?: string;
  name?: string;
}

/** Resolves `/api/v1/...` and `/apis/{group}/{version}/...` to a kind, namespace and name. */
function resolvePath(segments: string[]): Target {
  const notFound = () => new HttpError('NotFound', [`the server could not find the requested resource (/${segments.join('/')})`]);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') [group, version, rest] = ['', segments[1] ?? '', segments.slice(2)];
  else [group, version, rest] = [segments[1] ?? '', segments[2] ?? '', segments.slice(3)];
  const find = (plural: string | undefined) => {
    const info = KINDS.find((k) => k.group === group && k.plural === plural && k.versions.includes(version));
    if (!info) throw notFound();
    return info;
  };
  if (rest.length >= 3 && rest[0] === 'namespaces' && rest.length <= 4) {
    const info = find(rest[2]);
    if (!info.namespaced) throw notFound();
    return { info, version, namespace: rest[1]!, ...(rest[3] !== undefined ? { name: rest[3] } : {}) };
  }
  if (rest.length === 1 || rest.length === 2) {
    const info = find(rest[0]);
    if (rest.length === 2 && info.namespaced) throw notFound();
    return { info, version, ...(info.namespaced ? {} : { namespace: '' }), ...(rest[1] !== undefined ? { name: rest[1] } : {}) };
  }
  throw notFound();
}

/** The stored object as served at the requested version (Istio's versions share one schema). */
function served(r: Resource, t: Target): Resource {
  return { ...r, apiVersion: apiVersionOf(t.info, t.version) };
}

function writeFailure(r: { code: StoreErrorCode; errors: string[] }, t?: Target, name?: string): HttpError {
  return new HttpError(r.code, r.errors, t ? { kind: t.info.kind, ...(t.info.group ? { group: t.info.group } : {}), ...(name ? { name } : {}) } : {});
}

/** The object in a POST or PUT body, checked against the path it was sent to. */
function bodyObject(text: string, t: Target): Resource {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new HttpError('BadRequest', [`cannot parse the request body: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HttpError('BadRequest', ['the request body must be one object']);
  const obj = value as Resource;
  if (obj.kind !== t.info.kind) throw new HttpError('BadRequest', [`the body's kind ${JSON.stringify(obj.kind)} does not match the path's ${t.info.kind}`]);
  const meta = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : ({} as Resource['metadata']);
  if (t.info.namespaced && t.namespace !== undefined) {
    if (meta.namespace && meta.namespace !== t.namespace) throw new HttpError('BadRequest', [`the namespace of the object (${meta.namespace}) does not match the namespace of the request (${t.namespace})`]);
  }
  if (t.name !== undefined) {
    if (meta.name && meta.name !== t.name) throw new HttpError('BadRequest', [`the name of the object (${meta.name}) does not match the name in the URL (${t.name})`]);
  }
  return {
    ...obj,
    metadata: { ...meta, ...(t.info.namespaced && t.namespace ? { namespace: t.namespace } : {}), ...(t.name !== undefined ? { name: t.name } : {}) },
  };
}

function deleteOptionsVersion(text: string): string | undefined {
  if (!text.trim()) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError('BadRequest', [`DeleteOptions: ${(err as Error).message}`]);
  }
  const rv = (value as { preconditions?: { resourceVersion?: unknown } } | null)?.preconditions?.resourceVersion;
  return typeof rv === 'string' && rv ? rv : undefined;
}

async function resourceRequest(store: ConfigStore, req: IncomingMessage, res: ServerResponse, segments: string[], query: URLSearchParams, maxBody: number): Promise<void> {
  const t = resolvePath(segments);
  const method = req.method ?? 'GET';
  const details = { kind: t.info.kind, ...(t.info.group ? { group: t.info.group } : {}), ...(t.name ? { name: t.name } : {}) };
  if (t.name === undefined) {
    if (method === 'GET' || method === 'HEAD') {
      const selector = parseLabelSelector(query.get('labelSelector') ?? '');
      const items = store
        .list(t.info.kind, t.namespace)
        .filter((r) => selector(r.metadata.labels))
        .map((r) => served(r, t));
      return send(res, 200, { apiVersion: apiVersionOf(t.info, t.version), kind: `${t.info.kind}List`, metadata: { resourceVersion: String(store.revision) }, items });
    }
    if (method === 'POST' && (t.namespace !== undefined || !t.info.namespaced)) {
      const r = await store.create(bodyObject(await readBody(req, maxBody), t));
      if (!r.ok) throw writeFailure(r, t);
      return send(res, 201, served(r.value, t));
    }
    throw new HttpError('MethodNotAllowed', [`${method} is not allowed on a ${t.info.plural} collection${t.namespace === undefined ? ' across all namespaces' : ''}`], details);
  }
  const key: ResourceKey = { kind: t.info.kind, namespace: t.namespace ?? '', name: t.name };
  switch (method) {
    case 'GET':
    case 'HEAD': {
      const r = store.get(key.kind, key.namespace, key.name);
      if (!r) throw new HttpError('NotFound', [`${describeKey(key)}: not found`], details);
      return send(res, 200, served(r, t));
    }
    case 'PUT': {
      const r = await store.update(bodyObject(await readBody(req, maxBody), t));
      if (!r.ok) throw writeFailure(r, t, t.name);
      return send(res, 200, served(r.value, t));
    }
    case 'DELETE': {
      const r = await store.delete(key, deleteOptionsVersion(await readBody(req, maxBody)));
      if (!r.ok) throw writeFailure(r, t, t.name);
      return send(res, 200, served(r.value, t));
    }
    default:
      throw new HttpError('MethodNotAllowed', [`${method} is not allowed on ${describeKey(key)}`], details);
  }
}

/** kind + namespace + name of every document, for delete: specs are not validated (a file that no longer validates can still be deleted). */
function manifestKeys(text: string, source: string, defaultNamespace: string | undefined): { keys: ResourceKey[]; errors: string[] } {
  const keys: ResourceKey[] = [];
  const errors: string[] = [];
  const take = (v: unknown, where: string) => {
    const o = (v ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    const versionError = checkApiVersion(o.apiVersion, o.kind);
    if (versionError) return void errors.push(`${where}: ${versionError}`);
    const info = kindInfo(o.kind as string)!;
    const name = o.metadata?.name;
    if (typeof name !== 'string' || !name) return void errors.push(`${where}: ${info.kind}: metadata.name: required`);
    const ns = o.metadata?.namespace;
    keys.push({ kind: info.kind, name, namespace: info.namespaced ? (typeof ns === 'string' && ns ? ns : defaultNamespace || 'default') : '' });
  };
  const docs = parseAllDocuments(text);
  (Array.isArray(docs) ? docs : []).forEach((doc, i) => {
    const where = `${source}: document ${i + 1}`;
    if (doc.errors.length) return void errors.push(...doc.errors.map((e) => `${where}: ${e.message.split('\n')[0]}`));
    let v: unknown;
    try {
      v = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      return void errors.push(`${where}: ${(err as Error).message}`);
    }
    if (v === null || v === undefined) return;
    const o = v as { apiVersion?: unknown; kind?: unknown; items?: unknown };
    if (o.kind === 'List' && o.apiVersion === 'v1') {
      if (!Array.isArray(o.items)) return void errors.push(`${where}: items: must be a list`);
      o.items.forEach((item: unknown, j: number) => take(item, `${where}: items[${j}]`));
    } else take(v, where);
  });
  return { keys, errors };
}

const results = (outcomes: ApplyOutcome[]): { results: ApplyResult[] } => ({
  results: outcomes.map((o) => ({ kind: o.key.kind, namespace: o.key.namespace, name: o.key.name, action: o.action })),
});

async function rigRequest(store: ConfigStore, req: IncomingMessage, res: ServerResponse, op: string, query: URLSearchParams, maxBody: number): Promise<void> {
  if (op !== 'apply' && op !== 'delete') throw new HttpError('NotFound', [`no such endpoint /rig/v1/${op}; there are /rig/v1/apply and /rig/v1/delete`]);
  if (req.method !== 'POST') throw new HttpError('MethodNotAllowed', [`/rig/v1/${op} takes POST`]);
  const header = req.headers['x-rig-source'];
  const source = query.get('source') || (typeof header === 'string' && header) || 'request';
  const namespace = query.get('namespace') || undefined;
  const text = await readBody(req, maxBody);
  if (op === 'apply') {
    const parsed = parseManifests(text, source, { defaultNamespace: namespace });
    if (!parsed.ok) throw new HttpError('Invalid', parsed.errors);
    if (parsed.value.resources.length === 0) throw new HttpError('BadRequest', [`${source}: no objects passed to apply`]);
    const r = await store.apply(parsed.value.resources, source);
    if (!r.ok) throw writeFailure(r);
    return send(res, 200, results(r.value));
  }
  const { keys, errors } = manifestKeys(text, source, namespace);
  if (errors.length) throw new HttpError('Invalid', errors);
  if (keys.length === 0) throw new HttpError('BadRequest', [`${source}: no objects passed to delete`]);
  const flag = query.get('ignoreNotFound') ?? query.get('ignore-not-found');
  const r = await store.deleteAll(keys, flag === '' || flag === 'true');
  if (!r.ok) throw writeFailure({ ...r, errors: r.errors.map((e) => `${source}: ${e}`) });
  return send(res, 200, results(r.value));
}

/** Handles one request under /api/, /apis/ or /rig/v1/. */
export async function handleStoreRequest(store: ConfigStore, req: IncomingMessage, res: ServerResponse, opts: StoreApiOptions = {}): Promise<void> {
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const url = new URL(req.url ?? '/', 'http://localhost');
  try {
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new HttpError('BadRequest', [`malformed path ${url.pathname}`]);
    }
    if (segments[0] === 'rig' && segments[1] === 'v1' && segments.length === 3) await rigRequest(store, req, res, segments[2]!, url.searchParams, maxBody);
    else if (segments[0] === 'api' || segments[0] === 'apis') await resourceRequest(store, req, res, segments, url.searchParams, maxBody);
    else throw new HttpError('NotFound', [`the server could not find the requested resource (${url.pathname})`]);
  } catch (err) {
    if (res.headersSent) {
      log.error('config API request failed after responding', { path: url.pathname, err });
      res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      const headers: Record<string, string> = err.reason === 'RequestEntityTooLarge' ? { connection: 'close' } : {};
      return send(res, CODES[err.reason], status(err.reason, err.errors, err.details), headers);
    }
    log.error('config API request failed', { method: req.method, path: url.pathname, err });
    send(res, 500, status('InternalError', [`internal error: ${(err as Error).message ?? String(err)}`]));
  }
}

/** The prefix routes to give the StatusServer (`prefixRoutes`). */
export function storeApiRoutes(store: ConfigStore, opts: StoreApiOptions = {}): PrefixRoute[] {
  const handler = (req: IncomingMessage, res: ServerResponse) => handleStoreRequest(store, req, res, opts);
  return ['/api/', '/apis/', '/rig/v1/'].map((prefix) => ({ prefix, handler }));
}
