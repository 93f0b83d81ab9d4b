// An httpbin for the traffic tasks, answering with httpbin's JSON shapes: /get, /headers, /ip,
// /user-agent, /status/{codes}, /delay/{seconds}, /anything[/...], /post, /response-headers,
// /health. Port 8080 by default (Istio's httpbin Service maps 8000 → 8080). Its access log
// (one line per request on stdout) is what the mirroring task reads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, send, sendJson as sendAnyJson, sendText, serveUntilStopped, type SampleContext } from '../lib/server.js';

const DEFAULT_PORT = 8080;

/** httpbin answers indented JSON. */
function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendAnyJson(res, status, body, { headers, indent: true });
}
const MAX_DELAY_S = 10;

/** `x-b3-sampled` → `X-B3-Sampled`, as httpbin shows header names. */
function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = titleCase(req.rawHeaders[i]!.toLowerCase());
    out[name] = out[name] !== undefined ? `${out[name]},${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1]!;
  }
  return out;
}

function argsOf(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function originOf(req: IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  return first || (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

function urlOf(req: IncomingMessage, url: URL): string {
  return `http://${req.headers.host ?? 'httpbin'}${url.pathname}${url.search}`;
}

async function anything(req: IncomingMessage, url: URL, withMethod: boolean): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  const text = body.toString('utf8');
  const type = req.headers['content-type'] ?? '';
  let json: unknown = null;
  let form: Record<string, string | string[]> = {};
  if (type.includes('application/json')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  } else if (type.includes('application/x-www-form-urlencoded')) {
    form = argsOf(new URL(`http://x/?${text}`));
  }
  return {
    args: argsOf(url),
    data: type.includes('application/x-www-form-urlencoded') ? '' : text,
    files: {},
    form,
    headers: headersOf(req),
    json,
    ...(withMethod ? { method: req.method } : {}),
    origin: originOf(req),
    url: urlOf(req, url),
  };
}

function onlyMethods(req: IncomingMessage, res: ServerResponse, methods: string[]): boolean {
  if (methods.includes(req.method ?? '')) return true;
  send(res, 405, '', { allow: methods.join(', '), 'content-type': 'text/html' });
  return false;
}

export function run(ctx: SampleContext): Promise<number> {
  return serveUntilStopped(ctx, {
    name: 'httpbin',
    defaultPort: DEFAULT_PORT,
    async handler(req, res, url) {
      const path = url.pathname;
      if (path === '/health') return sendText(res, 200, 'OK\n');
      if (path === '/get') {
        if (!onlyMethods(req, res, ['GET', 'HEAD'])) return;
        return sendJson(res, 200, { args: argsOf(url), headers: headersOf(req), origin: originOf(req), url: urlOf(req, url) });
      }
      if (path === '/headers') return sendJson(res, 200, { headers: headersOf(req) });
      if (path === '/ip') return sendJson(res, 200, { origin: originOf(req) });
      if (path === '/user-agent') return sendJson(res, 200, { 'user-agent': req.headers['user-agent'] ?? null });
      if (path === '/post') {
        if (!onlyMethods(req, res, ['POST'])) return;
        return sendJson(res, 200, await anything(req, url, false));
      }
      if (path === '/anything' || path.startsWith('/anything/')) return sendJson(res, 200, await anything(req, url, true));
      if (path === '/response-headers') {
        const headers: Record<string, string> = {};
        for (const [k, v] of url.searchParams) headers[k] = v;
        return sendJson(res, 200, { 'Content-Type': 'application/json', ...headers }, headers);
      }
      const status = /^\/status\/([0-9,]+)$/.exec(path);
      if (status) {
        const codes = status[1]!.split(',').filter(Boolean).map(Number);
        const code = codes[Math.floor(Math.random() * codes.length)];
        if (code === undefined || code < 100 || code > 599) return sendText(res, 400, 'Invalid status code\n');
        return send(res, code, '', { 'content-type': 'text/html; charset=utf-8' });
      }
      const delay = /^\/delay\/([0-9.]+)$/.exec(path);
      if (delay) {
        const seconds = Math.min(MAX_DELAY_S, Number(delay[1]));
        if (!Number.isFinite(seconds)) return sendText(res, 400, 'Invalid delay\n');
        const aborted = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), seconds * 1000);
          res.once('close', () => (clearTimeout(t), resolve(true)));
        });
        if (aborted) return;
        return sendJson(res, 200, { args: argsOf(url), data: '', files: {}, form: {}, headers: headersOf(req), origin: originOf(req), url: urlOf(req, url) });
      }
      if (path === '/') return sendText(res, 200, 'httpbin: try /get, /headers, /ip, /status/418, /delay/1, /anything\n');
      return sendText(res, 404, `404 Not Found: ${path}\n`);
    },
  });
}
