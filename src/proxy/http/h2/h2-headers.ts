// Header translation between HTTP/2 (downstream) and HTTP/1.1 (upstream): pseudo-headers
// out, cookies joined, connection-specific fields dropped (RFC 9113 §8.2.2), and HeaderMaps
// turned into the header objects node:http2 sends.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { HeaderMap } from '../headers.js';

/** Connection-specific fields: never sent on an HTTP/2 stream (node:http2 throws on them). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'te', 'host']);

export interface H2RequestHead {
  method: string;
  /** :path (empty for CONNECT). */
  path: string;
  /** :authority, or Host when absent. */
  authority: string;
  scheme: string;
  /** Regular fields, lower-case, without pseudo-headers and connection-specific fields; cookies joined. */
  headers: HeaderMap;
}

/** The request view of an HTTP/2 HEADERS block (`raw` is node's flat rawHeaders list when given). */
export function requestHead(headers: IncomingHttpHeaders, raw: readonly string[] | undefined): H2RequestHead {
  const flat = raw ?? flattenHeaders(headers);
  const h = new HeaderMap();
  const cookies: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    if (name.startsWith(':')) continue;
    if (name === 'cookie') cookies.push(flat[i + 1]!);
    else if (!CONNECTION_SPECIFIC.has(name) || name === 'host' || (name === 'te' && flat[i + 1]!.trim().toLowerCase() === 'trailers')) h.add(name, flat[i + 1]!);
  }
  // RFC 9113 §8.2.3: split cookie fields are joined with "; " for an HTTP/1.1 hop.
  if (cookies.length) h.set('cookie', cookies.join('; '));
  const pseudo = (n: string) => {
    const v = headers[n];
    return typeof v === 'string' ? v : '';
  };
  const authority = pseudo(':authority') || h.get('host') || '';
  return { method: pseudo(':method'), path: pseudo(':path'), authority, scheme: pseudo(':scheme') || 'http', headers: h };
}

/** node:http2's header object as a flat [name, value, …] list, without pseudo-headers. */
export function flattenHeaders(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith(':') || v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) out.push(k, String(x));
  }
  return out;
}

/** A response (or trailer) header object for node:http2, without connection-specific fields. */
export function toH2Headers(h: HeaderMap | readonly string[], status?: number): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  if (status !== undefined) out[':status'] = status;
  const entries: Iterable<[string, string]> = h instanceof HeaderMap ? h.entries() : pairs(h);
  for (const [k, v] of entries) {
    const name = k.toLowerCase();
    if (name.startsWith(':') || CONNECTION_SPECIFIC.has(name)) continue;
    const prev = out[name];
    if (prev === undefined) out[name] = v;
    else out[name] = Array.isArray(prev) ? [...prev, v] : [String(prev), v];
  }
  return out;
}

function* pairs(flat: readonly string[]): IterableIterator<[string, string]> {
  for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i]!, flat[i + 1]!];
}
