// The control plane's monitoring and status HTTP server (port 15014, as istiod's):
//   /metrics       Prometheus text (pilot_* metrics)
//   /ready         200 once serving
//   /version       {"version": ...}
//   /debug/syncz   per connected proxy and type: SYNCED / STALE / NOT SENT / NACKED
// Other parts add exact GET routes (`routes`) and prefix routes (`prefixRoutes`, any
// method: the handler answers 405 itself), e.g. the config API under /apis/.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdsServer } from '../xds/server.js';
import { VERSION } from '../../shared/version.js';
import { logger } from '../../shared/log.js';

const log = logger('status');

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A handler for every path under `prefix` (e.g. '/apis/'), whatever the method. */
export interface PrefixRoute {
  prefix: string;
  handler: RouteHandler;
}

export interface StatusServerOptions {
  ads: AdsServer;
  /** Extra GET routes (exact path → handler) later control-plane parts add. */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
  /** Routes for whole subtrees; the longest matching prefix wins; exact paths win over prefixes. */
  prefixRoutes?: PrefixRoute[];
}

const BUILTIN_PATHS = new Set(['/metrics', '/ready', '/version', '/debug/syncz']);

export class StatusServer {
  private server: Server | undefined;
  constructor(private readonly opts: StatusServerOptions) {}

  listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`status server cannot listen on ${host}:${port}: ${err.message}`, { cause: err })));
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((resolve) => s.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body, null, 2) + '\n');
    };
    const prefixed = BUILTIN_PATHS.has(path) || this.opts.routes?.[path] ? undefined : this.prefixRoute(path);
    if (prefixed) {
      const fail = (err: unknown) => {
        log.error('status request failed', { path, err });
        if (!res.headersSent) json(500, { error: String(err) });
        else res.destroy();
      };
      try {
        Promise.resolve(prefixed.handler(req, res)).catch(fail);
      } catch (err) {
        fail(err);
      }
      return;
    }
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: `method ${req.method} not allowed` });
      switch (path) {
        case '/metrics':
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(this.opts.ads.metrics.expose());
          return;
        case '/ready':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ready\n');
          return;
        case '/version':
          return json(200, { version: VERSION, connectedProxies: this.opts.ads.connectionCount });
        case '/debug/syncz':
          return json(200, this.opts.ads.status());
        default: {
          const extra = this.opts.routes?.[path];
          if (extra) return extra(req, res);
          const paths = ['/metrics', '/ready', '/version', '/debug/syncz', ...Object.keys(this.opts.routes ?? {}), ...(this.opts.prefixRoutes ?? []).map((r) => `${r.prefix}…`)];
          return json(404, { error: `no such path ${path}`, paths });
        }
      }
    } catch (err) {
      log.error('status request failed', { path, err });
      if (!res.headersSent) json(500, { error: String(err) });
      else res.destroy();
    }
  }

  private prefixRoute(path: string): PrefixRoute | undefined {
    let best: PrefixRoute | undefined;
    for (const r of this.opts.prefixRoutes ?? []) if (path.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
    return best;
  }
}
