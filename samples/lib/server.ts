// The HTTP server every sample app runs on: listens on the pod's address (HOST, which the
// local platform sets to the app's address, else POD_IP, else 127.0.0.1) and PORT (else the
// app's usual port), writes one access-log line per request to stdout, and closes when the
// run's signal aborts (SIGTERM from the platform), letting requests in flight finish briefly.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What `rig sample` hands every app. */
export interface SampleContext {
  /** Port from --port; else env PORT; else the app's default. */
  port?: number;
  /** Address from --address; else env HOST, POD_IP; else 127.0.0.1. */
  address?: string;
  /** Version from --version (reviews, helloworld, ratings); else the app reads its env. */
  version?: string;
  /** Positional words after the sample's name. */
  args: string[];
  /** Flags of `rig sample` the app may read (load generator options). */
  flags: Record<string, string | number | boolean | string[] | undefined>;
  env: Record<string, string | undefined>;
  /** Aborted on SIGTERM/SIGINT: the app stops and resolves. */
  signal: AbortSignal;
  /** One line to stdout. */
  out(line: string): void;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface ServeOptions {
  name: string;
  defaultPort: number;
  handler: Handler;
}

export interface RunningServer {
  server: Server;
  address: string;
  port: number;
}

/** Where the app listens, from the context and env. */
export function listenAddress(ctx: SampleContext, defaultPort: number): { address: string; port: number } {
  const envPort = ctx.env.PORT !== undefined && ctx.env.PORT !== '' ? Number(ctx.env.PORT) : undefined;
  const port = ctx.port ?? envPort ?? defaultPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${String(ctx.port ?? ctx.env.PORT)}: give --port N or PORT=N (0-65535)`);
  return { address: ctx.address ?? (ctx.env.HOST || ctx.env.POD_IP || '127.0.0.1'), port };
}

/** Sends a JSON body: compact, or 2-space indented (as httpbin answers) with indent. */
export function sendJson(res: ServerResponse, status: number, body: unknown, opts: { headers?: Record<string, string>; indent?: boolean } = {}): void {
  const text = opts.indent ? JSON.stringify(body, null, 2) + '\n' : JSON.stringify(body);
  send(res, status, text, { 'content-type': 'application/json', ...opts.headers });
}

export function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  send(res, status, text, { 'content-type': type });
}

/** Sends a whole body; headers are set (not only written) so the access log can read them. */
export function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.writeHead(status);
  res.end(body);
}

/** Reads a request body, at most maxBytes. */
export function readBody(req: IncomingMessage, maxBytes = 1 << 20): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        req.destroy();
        reject(new Error(`request body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** One access-log line: `TIME "METHOD PATH HTTP/1.1" STATUS BODY-BYTES DURATIONms "USER-AGENT" request_id=ID`. */
function accessLog(req: IncomingMessage, res: ServerResponse, startedMs: number): string {
  const bytes = res.getHeader('content-length') ?? '-';
  const ua = req.headers['user-agent'] ?? '-';
  const id = req.headers['x-request-id'];
  const ms = Math.round(performance.now() - startedMs);
  return `${new Date().toISOString()} "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.headersSent ? res.statusCode : 0} ${bytes} ${ms}ms "${ua}"${typeof id === 'string' ? ` request_id=${id}` : ''}`;
}

/** Starts the app's server; resolves once it listens (and prints `NAME listening on http://ADDR:PORT`). */
export async function serve(ctx: SampleContext, o: ServeOptions): Promise<RunningServer> {
  const { address, port } = listenAddress(ctx, o.defaultPort);
  const server = createServer((req, res) => {
    const started = performance.now();
    res.on('close', () => ctx.out(accessLog(req, res, started)));
    req.on('error', () => res.destroy());
    res.on('error', () => res.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sample.invalid');
    } catch {
      sendText(res, 400, 'bad request path\n');
      return;
    }
    Promise.resolve()
      .then(() => o.handler(req, res, url))
      .catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
        else res.destroy();
      });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `${address}:${port} is in use: pick another with --port N or PORT=N` : `cannot listen on ${address}:${port}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, address, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => ctx.out(`${o.name}: server error: ${err.message}`));
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  ctx.out(`${o.name} listening on http://${host}:${bound.port}`);
  return { server, address: bound.address, port: bound.port };
}

/** Resolves when the signal aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Serves until the run's signal aborts, then closes (idle connections at once, busy ones after graceMs). */
export async function serveUntilStopped(ctx: SampleContext, o: ServeOptions, graceMs = 2000): Promise<number> {
  const { server } = await serve(ctx, o);
  await untilAborted(ctx.signal);
  ctx.out(`${o.name}: stopping`);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(force);
  return 0;
}
