// HTTP API through which the local platform registers its workloads with the control plane:
//   PUT    /rig/v1/workloads/{namespace}/{name}   body: a Workload (JSON) → 201 created | 200 updated
//   DELETE /rig/v1/workloads/{namespace}/{name}   → 200 with the removed workload | 404
//   GET    /rig/v1/workloads[?namespace=ns]       → 200 {"items": [...]}, sorted by namespace, name
//   GET    /rig/v1/workloads/{namespace}/{name}   → 200 workload | 404
// `workloadApiHandler(registry)` returns a `(req, res) => boolean` to mount on any node:http
// server: false means "not my path", and the caller goes on to its other routes.
// Errors are JSON `{"error": {"code", "message", "details"?}}` with a stable code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logger } from '../../shared/log.js';
import { isValidNamespace, isValidWorkloadName, validateWorkload, type WorkloadRegistry } from './workloads.js';

const log = logger('registry-api');

export const WORKLOADS_PATH = '/rig/v1/workloads';
/** Largest accepted request body. */
export const MAX_WORKLOAD_BODY_BYTES = 1 << 20;

export type WorkloadApiErrorCode = 'NotFound' | 'Invalid' | 'MethodNotAllowed' | 'PayloadTooLarge' | 'UnsupportedMediaType' | 'Internal';

const STATUS: Record<WorkloadApiErrorCode, number> = {
  NotFound: 404,
  Invalid: 400,
  MethodNotAllowed: 405,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  Internal: 500,
};

class ApiError extends Error {
  constructor(
    readonly code: WorkloadApiErrorCode,
    message: string,
    readonly details?: string[],
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, e: ApiError, headers?: Record<string, string>): void {
  send(res, STATUS[e.code], { error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } }, headers);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_WORKLOAD_BODY_BYTES) {
        reject(new ApiError('PayloadTooLarge', `request body exceeds ${MAX_WORKLOAD_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Parses `/rig/v1/workloads/{ns}/{name}` (returns {} for the collection, undefined if not ours). */
function parsePath(pathname: string): { namespace?: string; name?: string } | undefined {
  if (pathname === WORKLOADS_PATH || pathname === `${WORKLOADS_PATH}/`) return {};
  if (!pathname.startsWith(`${WORKLOADS_PATH}/`)) return undefined;
  const rest = pathname.slice(WORKLOADS_PATH.length + 1).split('/');
  if (rest.length !== 2 || !rest[0] || !rest[1]) throw new ApiError('NotFound', `no such resource: ${pathname} (expected ${WORKLOADS_PATH}/{namespace}/{name})`);
  const [namespace, name] = rest.map((s) => decodeURIComponent(s)) as [string, string];
  if (!isValidNamespace(namespace)) throw new ApiError('Invalid', `"${namespace}" is not a valid namespace (lowercase RFC 1123 label)`);
  if (!isValidWorkloadName(name)) throw new ApiError('Invalid', `"${name}" is not a valid workload name (lowercase RFC 1123 subdomain)`);
  return { namespace, name };
}

export function workloadApiHandler(registry: WorkloadRegistry): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let target: { namespace?: string; name?: string } | undefined;
    try {
      target = parsePath(url.pathname);
    } catch (e) {
      sendError(res, e instanceof ApiError ? e : new ApiError('Invalid', `malformed path ${url.pathname}`));
      return true;
    }
    if (!target) return false;
    void handle(registry, req, res, url, target).catch((err: unknown) => {
      if (err instanceof ApiError) return sendError(res, err);
      log.error('workload API request failed', { method: req.method, path: url.pathname, err });
      sendError(res, new ApiError('Internal', err instanceof Error ? err.message : String(err)));
    });
    return true;
  };
}

async function handle(registry: WorkloadRegistry, req: IncomingMessage, res: ServerResponse, url: URL, target: { namespace?: string; name?: string }): Promise<void> {
  const method = req.method ?? 'GET';
  if (target.namespace === undefined || target.name === undefined) {
    if (method !== 'GET' && method !== 'HEAD') return sendError(res, new ApiError('MethodNotAllowed', `${method} is not allowed on ${WORKLOADS_PATH}`), { allow: 'GET, HEAD' });
    const ns = url.searchParams.get('namespace');
    const items = ns ? registry.list().filter((w) => w.namespace === ns) : registry.list();
    return send(res, 200, { items });
  }
  const { namespace, name } = target as { namespace: string; name: string };
  switch (method) {
    case 'GET':
    case 'HEAD': {
      const w = registry.get(namespace, name);
      if (!w) throw new ApiError('NotFound', `workload ${namespace}/${name} is not registered`);
      return send(res, 200, w);
    }
    case 'PUT': {
      const type = req.headers['content-type'];
      if (type && !/^application\/json\b/i.test(type)) throw new ApiError('UnsupportedMediaType', `content-type must be application/json, not ${type}`);
      const text = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new ApiError('Invalid', `request body is not JSON: ${(e as Error).message}`);
      }
      const v = validateWorkload(body, { namespace, name });
      if (!v.ok) throw new ApiError('Invalid', `workload ${namespace}/${name} is invalid`, v.errors);
      const r = registry.register(v.value);
      return send(res, r.created ? 201 : 200, r.workload);
    }
    case 'DELETE': {
      const w = registry.unregister(namespace, name);
      if (!w) throw new ApiError('NotFound', `workload ${namespace}/${name} is not registered`);
      return send(res, 200, w);
    }
    default:
      return sendError(res, new ApiError('MethodNotAllowed', `${method} is not allowed on ${WORKLOADS_PATH}/{namespace}/{name}`), { allow: 'GET, HEAD, PUT, DELETE' });
  }
}
