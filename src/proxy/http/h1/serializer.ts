// Serializing HTTP/1.1 for the wire: a head (start line + fields) as one Buffer, chunked
// encoding pieces, and the framing decision for a message the proxy forwards.
//
// Heads are built as one latin1 string and converted once (measured faster than
// Buffer.allocUnsafe + latin1Write per piece). Every name and value is checked first: a
// value from a filter or another protocol carrying CR/LF, or a char above 0xFF (latin1 would
// truncate U+010A to LF), would otherwise inject fields into the stream.
import { isFieldValue, isToken } from './chars.js';
import { H1SerializeError } from './errors.js';
import type { MessageHead } from './head.js';
import { parseContentLength } from './headers.js';

const INVALID_TARGET_RE = /[^\x21-\x7e]/;

/** `checked`: every name and value is known valid (from the parser, or checked by a HeaderMap). */
function fieldsString(headers: readonly string[], checked = false): string {
  let s = '';
  const n = headers.length;
  if ((n & 1) !== 0) throw new H1SerializeError('INVALID_HEADER_NAME', 'header array has an odd length');
  for (let i = 0; i < n; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (!checked) {
      if (!isToken(name)) throw new H1SerializeError('INVALID_HEADER_NAME', `invalid field name ${JSON.stringify(name)}`);
      if (!isFieldValue(value)) throw new H1SerializeError('INVALID_HEADER_VALUE', `invalid value for ${name}`);
    }
    s += name + ': ' + value + '\r\n';
  }
  return s;
}

/**
 * `METHOD target HTTP/1.x` CRLF, fields, CRLF. `checked`: the fields are known valid (a
 * HeaderMap without `invalid`, the parser's own), so only the start line is checked here.
 */
export function serializeRequestHead(method: string, target: string, headers: readonly string[], versionMinor = 1, checked = false): Buffer {
  if (!isToken(method)) throw new H1SerializeError('INVALID_START_LINE', `invalid method ${JSON.stringify(method)}`);
  if (target.length === 0 || INVALID_TARGET_RE.test(target)) throw new H1SerializeError('INVALID_START_LINE', 'invalid request-target');
  const s = `${method} ${target} HTTP/1.${versionMinor === 0 ? 0 : 1}\r\n${fieldsString(headers, checked)}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** `HTTP/1.x code reason` CRLF, fields, CRLF. An empty reason becomes the standard phrase. `checked` as for requests. */
export function serializeResponseHead(statusCode: number, reason: string, headers: readonly string[], versionMinor = 1, checked = false): Buffer {
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new H1SerializeError('INVALID_START_LINE', `invalid status code ${statusCode}`);
  }
  const phrase = reason === '' ? reasonPhrase(statusCode) : reason;
  if (!isFieldValue(phrase)) throw new H1SerializeError('INVALID_START_LINE', 'invalid reason phrase');
  const s = `HTTP/1.${versionMinor === 0 ? 0 : 1} ${statusCode} ${phrase}\r\n${fieldsString(headers, checked)}\r\n`;
  return Buffer.from(s, 'latin1');
}

// ---- chunked encoding (RFC 9112 §7.1) ------------------------------------------------------

export const CRLF = Buffer.from('\r\n', 'latin1');
/** last-chunk with an empty trailer section. */
export const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/** `<hex size>\r\n`: write it, then the data, then CRLF. */
export function chunkHeader(size: number): Buffer {
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`chunk size must be a positive safe integer, got ${size}`);
  return Buffer.from(`${size.toString(16)}\r\n`, 'latin1');
}

/** The buffers of one chunk, for cork()ed writes or writev; empty data → [] (an empty chunk would end the body). */
export function encodeChunk(data: Buffer): Buffer[] {
  if (data.length === 0) return [];
  return [chunkHeader(data.length), data, CRLF];
}

/** last-chunk plus a trailer section. */
export function lastChunk(trailers?: readonly string[]): Buffer {
  if (trailers === undefined || trailers.length === 0) return LAST_CHUNK;
  return Buffer.from(`0\r\n${fieldsString(trailers)}\r\n`, 'latin1');
}

// ---- framing of a forwarded message ----------------------------------------------------------

export type ForwardFraming =
  /** No body and no Content-Length (e.g. a GET, a 204). */
  | { kind: 'none' }
  /** `Content-Length: length`. For a response to HEAD or a 304 it is metadata and no body follows. */
  | { kind: 'length'; length: number }
  /** `Transfer-Encoding: chunked`: length unknown, peer speaks HTTP/1.1. */
  | { kind: 'chunked' }
  /** Response of unknown length to an HTTP/1.0 client: no framing field, `Connection: close`, end by closing. */
  | { kind: 'close' }
  /** Request of unknown length to an HTTP/1.0 upstream: buffer the body to learn its length (or answer 411). */
  | { kind: 'buffer' };

/**
 * How to frame `head`'s message when forwarding it to a peer speaking HTTP/1.`peerVersionMinor`
 * (for a response: the version of the client's request). Keeps a known length, else chunked
 * for HTTP/1.1, else close-delimited (responses) or buffering (requests) for HTTP/1.0.
 */
export function forwardFraming(head: MessageHead, peerVersionMinor: number): ForwardFraming {
  switch (head.framing) {
    case 'length':
      return { kind: 'length', length: head.contentLength };
    case 'none': {
      // A Content-Length already validated by the parser: 0 on a request or response, or the
      // representation's length on a HEAD response / 304. Forward it normalized ("5, 5" → 5).
      const cl = head.known.contentLength;
      if (cl === undefined || head.statusCode === 204 || (head.statusCode > 0 && head.statusCode < 200)) return { kind: 'none' };
      const n = parseContentLength(cl);
      return n >= 0 ? { kind: 'length', length: n } : { kind: 'none' };
    }
    case 'chunked':
    case 'eof':
      if (peerVersionMinor >= 1) return { kind: 'chunked' };
      return head.statusCode === 0 ? { kind: 'buffer' } : { kind: 'close' };
  }
}

/**
 * `headers` (already without hop-by-hop fields) with any Content-Length / Transfer-Encoding
 * replaced by the fields of `framing`; 'close' adds `Connection: close`. Returns a new array.
 */
export function applyFraming(headers: readonly string[], framing: ForwardFraming): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length === 14 || name.length === 17) {
      const l = name.toLowerCase();
      if (l === 'content-length' || l === 'transfer-encoding') continue;
    }
    out.push(name, headers[i + 1]!);
  }
  pushFramingFields(out, framing);
  return out;
}

/** Appends the fields of `framing` to a flat header list that has none: Content-Length, `Transfer-Encoding: chunked`, or `Connection: close`. */
export function pushFramingFields(out: string[], framing: ForwardFraming): void {
  switch (framing.kind) {
    case 'length':
      out.push('content-length', String(framing.length));
      break;
    case 'chunked':
      out.push('transfer-encoding', 'chunked');
      break;
    case 'close':
      out.push('connection', 'close');
      break;
    case 'none':
    case 'buffer':
      break;
  }
}

const REASONS: Record<number, string> = {
  100: 'Continue',
  101: 'Switching Protocols',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Content Too Large',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/** The RFC 9110 reason phrase of common codes ('' for others; the phrase is optional). */
export function reasonPhrase(statusCode: number): string {
  return REASONS[statusCode] ?? '';
}
