// Outbound HTTP for the sample apps: plain node:http, through the pod's sidecar when
// HTTP_PROXY (or http_proxy) is set, as the local platform sets it. A proxied request is
// sent in absolute form (`GET http://reviews:9080/reviews/0 HTTP/1.1`, Host: reviews:9080)
// to the proxy; hosts listed in NO_PROXY (or no_proxy) are called directly. Every call has
// a deadline, and the apps forward the tracing headers and `end-user` as Istio's Bookinfo does.
import { request, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

/** Headers an app copies from its inbound request onto every outbound call. */
export const PROPAGATED_HEADERS = [
  // Tracing: the proxies tie spans together only if the app forwards these.
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'x-ot-span-context',
  // Application headers Istio's Bookinfo forwards (routing on `end-user` needs it).
  'end-user',
  'user-agent',
  'authorization',
] as const;

/** The propagated headers present on an inbound request. */
export function forwardHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED_HEADERS) {
    const v = incoming[name];
    if (typeof v === 'string') out[name] = v;
    else if (Array.isArray(v) && v.length > 0) out[name] = v.join(', ');
  }
  return out;
}

type Env = Record<string, string | undefined>;

/** Whether `host` (no port) matches a NO_PROXY list: `*`, exact names, `.suffix` or `suffix` domains. */
export function bypassesProxy(host: string, env: Env = process.env): boolean {
  const list = env.NO_PROXY ?? env.no_proxy ?? '';
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of list.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    // An entry may carry a port (`host:8080`); the samples match on the host only.
    if (!entry.startsWith('[') && entry.split(':').length === 2) entry = entry.split(':')[0]!;
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '.');
    if (h === entry.replace(/^\./, '') || (entry.startsWith('.') && h.endsWith(entry)) || h.endsWith('.' + entry)) return true;
  }
  return false;
}

/** The proxy to send a request for `url` through, or undefined to call it directly. */
export function proxyFor(url: URL, env: Env = process.env): URL | undefined {
  const raw = env.HTTP_PROXY ?? env.http_proxy;
  if (!raw || url.protocol !== 'http:') return undefined;
  if (bypassesProxy(url.hostname, env)) return undefined;
  const proxy = new URL(raw.includes('://') ? raw : `http://${raw}`);
  if (proxy.protocol !== 'http:') throw new Error(`HTTP_PROXY=${raw}: only http:// proxies are supported`);
  return proxy;
}

export interface OutboundRequest {
  url: string;
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** Whole-call deadline: connect, send and read the response. */
  timeoutMs: number;
  agent?: Agent;
  env?: Env;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one request and reads the whole response; rejects on connect errors and on the deadline. */
export function send(o: OutboundRequest): Promise<OutboundResponse> {
  const url = new URL(o.url);
  if (url.protocol !== 'http:') return Promise.reject(new Error(`${o.url}: only http:// URLs are supported by the samples`));
  const proxy = proxyFor(url, o.env ?? process.env);
  const headers: OutgoingHttpHeaders = { host: url.host, ...o.headers };
  if (o.body !== undefined) headers['content-length'] = Buffer.byteLength(o.body);
  return new Promise((resolve, reject) => {
    const req = request({
      host: (proxy ?? url).hostname.replace(/^\[|\]$/g, ''),
      port: Number((proxy ?? url).port || 80),
      method: o.method ?? 'GET',
      path: proxy ? url.href : url.pathname + url.search,
      headers,
      ...(o.agent ? { agent: o.agent } : {}),
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${o.timeoutMs} ms calling ${url.href}`)), o.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.end(o.body);
  });
}

/** GETs JSON: the parsed body on 200; otherwise the status (0 when there was no answer) and why. */
export async function getJson(url: string, headers: OutgoingHttpHeaders, timeoutMs: number): Promise<{ status: number; json?: unknown; error?: string }> {
  try {
    const res = await send({ url, headers: { accept: 'application/json', ...headers }, timeoutMs });
    if (res.status !== 200) return { status: res.status, error: `${url} answered ${res.status}` };
    return { status: 200, json: JSON.parse(res.body.toString('utf8')) as unknown };
  } catch (err) {
    return { status: 0, error: `${url}: ${(err as Error).message}` };
  }
}

/** `http://NAME[.SERVICES_DOMAIN]:PORT` for one of Bookinfo's services, overridable as Istio's apps allow. */
export function serviceUrl(service: 'details' | 'reviews' | 'ratings', env: Env = process.env): string {
  const upper = service.toUpperCase();
  const host = env[`${upper}_HOSTNAME`] || service;
  const domain = env.SERVICES_DOMAIN ? `.${env.SERVICES_DOMAIN}` : '';
  const port = env[`${upper}_SERVICE_PORT`] || '9080';
  return `http://${host}${domain}:${port}`;
}
