// The supervisor's HTTP API on loopback, for the CLI (address in RIG_HOME/run/supervisor.json):
//   GET    /healthz
//   GET    /pods[?namespace=NS]              → {items: PodRecord[]}
//   POST   /pods                             body: PodSpec → 201 PodRecord (409 exists, 404 no namespace)
//   GET    /pods/{ns}/{name}                 → PodRecord | 404
//   DELETE /pods/{ns}/{name}[?wait=false]    → 200 PodRecord once its containers have stopped
//   PATCH  /pods/{ns}/{name}                 body: {metadata: {labels}} → 200 PodRecord (labels replaced)
//   GET    /pods/{ns}/{name}/log?container=C[&follow=true]   → text/plain
//   GET    /pods/{ns}/{name}/exec?container=C   → {env, workingDir, container}: how `rig exec` runs a command in the pod
// Errors are JSON {"error": "message"}.
import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { logger } from '../../shared/log.js';
import type { PodSpec } from './pod.js';
import { Supervisor, SupervisorError } from './supervisor.js';
import type { RigHome } from './home.js';

const log = logger('supervisor-api');
const MAX_BODY = 1 << 20;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) return reject(new SupervisorError(`request body larger than ${MAX_BODY} bytes`, 413));
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function supervisorServer(sup: Supervisor, home: RigHome): Server {
  const server = createServer((req, res) => {
    req.on('error', () => res.destroy());
    res.on('error', () => {});
    handle(sup, home, req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof SupervisorError) return send(res, err.status, { error: err.message });
      log.error('request failed', { path: req.url, err });
      send(res, 500, { error: (err as Error).message });
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  return server;
}

async function handle(sup: Supervisor, home: RigHome, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  if (parts[0] === 'healthz') return send(res, 200, { ok: true, pid: process.pid });
  if (parts[0] !== 'pods') throw new SupervisorError(`no such path ${url.pathname}`, 404);
  if (parts.length === 1) {
    if (method === 'GET') return send(res, 200, { items: sup.list(url.searchParams.get('namespace') ?? undefined) });
    if (method === 'POST') {
      let spec: PodSpec;
      try {
        spec = JSON.parse(await readBody(req)) as PodSpec;
      } catch (err) {
        throw new SupervisorError(`the body is not JSON: ${(err as Error).message}`, 400);
      }
      return send(res, 201, await sup.create(spec));
    }
    throw new SupervisorError(`${method} is not allowed on /pods`, 405);
  }
  const [, ns, name, sub] = parts as [string, string, string, string | undefined];
  if (!ns || !name || parts.length > 4) throw new SupervisorError(`no such path ${url.pathname}`, 404);
  if (sub === 'log' && method === 'GET') return streamLog(sup, home, ns, name, url, req, res);
  if (sub === 'exec' && method === 'GET') return send(res, 200, sup.execContext(ns, name, url.searchParams.get('container') || undefined));
  if (sub !== undefined) throw new SupervisorError(`no such path ${url.pathname}`, 404);
  if (method === 'GET') {
    const p = sup.get(ns, name);
    if (!p) throw new SupervisorError(`pods "${name}" not found in namespace ${ns}`, 404);
    return send(res, 200, p);
  }
  if (method === 'DELETE') return send(res, 200, await sup.delete(ns, name, url.searchParams.get('wait') !== 'false'));
  if (method === 'PATCH') {
    let body: { metadata?: { labels?: Record<string, string> } };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch (err) {
      throw new SupervisorError(`the body is not JSON: ${(err as Error).message}`, 400);
    }
    const labels = body.metadata?.labels;
    if (!labels || typeof labels !== 'object') throw new SupervisorError('PATCH takes {"metadata": {"labels": {...}}} (the complete new labels)', 400);
    return send(res, 200, sup.relabel(ns, name, labels));
  }
  throw new SupervisorError(`${method} is not allowed on /pods/{namespace}/{name}`, 405);
}

function streamLog(sup: Supervisor, home: RigHome, ns: string, name: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const pod = sup.get(ns, name);
  if (!pod) throw new SupervisorError(`pods "${name}" not found in namespace ${ns}`, 404);
  const names = pod.spec.containers.map((c) => c.name);
  const container = url.searchParams.get('container') || names[0]!;
  if (!names.includes(container)) throw new SupervisorError(`container ${container} is not valid for pod ${name}; choose one of: [${names.join(' ')}]`, 400);
  const file = join(home.logs, `${ns}_${name}_${container}.log`);
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  if (!existsSync(file)) return void res.end();
  const follow = url.searchParams.get('follow') === 'true';
  let pos = 0;
  const pump = (): Promise<void> =>
    new Promise((resolve) => {
      const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
      if (size <= pos) return resolve();
      const s = createReadStream(file, { start: pos, end: size - 1 });
      pos = size;
      s.on('data', (d) => res.write(d));
      s.on('error', () => resolve());
      s.on('end', () => resolve());
    });
  void pump().then(() => {
    if (!follow) return void res.end();
    let busy = Promise.resolve();
    const watcher = watch(file, () => (busy = busy.then(pump)));
    watcher.on('error', () => res.end());
    const tick = setInterval(() => {
      if (!sup.get(ns, name)) {
        watcher.close();
        clearInterval(tick);
        res.end();
      }
    }, 1000);
    req.on('close', () => {
      watcher.close();
      clearInterval(tick);
    });
  });
}
