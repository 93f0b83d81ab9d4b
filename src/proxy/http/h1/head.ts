// The head of an HTTP/1.1 message (start line + header section) and the pure functions that
// parse one once its lines are known: RFC 9112 §3 request-line, §4 status-line, §5 field
// lines, validated byte by byte against the tables in chars.ts. Line boundaries come from
// the parser's scan (section-scanner.ts), which has already checked every LF is preceded by
// CR; here a CR inside a line is a bare CR.
import { COLON, FIELD_VALUE, HOST, HTAB, SCHEME, SP, TARGET, TOKEN } from './chars.js';
import type { H1ErrorCode } from './errors.js';
import { KnownHeader, KnownHeaders, knownHeaderAt, recordKnown } from './headers.js';

/** How the body of a message is delimited (RFC 9112 §6.3). */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'eof';

export class MessageHead {
  /** Request method (case-sensitive token); '' for a response. */
  method = '';
  /** Request-target as received; '' for a response. */
  target = '';
  /** Response status code; 0 for a request. */
  statusCode = 0;
  /** Response reason phrase (may be ''). */
  reason = '';
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and for HTTP/1.2–1.9, processed as 1.1: RFC 9110 §6.2). */
  versionMinor = 1;
  /** Raw-cased field lines, flat: [name, value, name, value, …], values without surrounding OWS. */
  headers: string[] = [];
  /** Fast lookup of the fields that decide framing and connection handling. */
  known = new KnownHeaders();
  /** How the body is framed on this connection. */
  framing: BodyFraming = 'none';
  /** Body length: the Content-Length for 'length', 0 for 'none', -1 when unknown ('chunked', 'eof'). */
  contentLength = 0;
  /** Whether the connection may carry another message after this one. */
  keepAlive = true;
  /**
   * Request: a CONNECT, or `Connection: upgrade` with an Upgrade field — after the message the
   * parser stops and hands the rest of the bytes to onUpgrade. Response: 101, or 2xx to CONNECT.
   */
  upgrade = false;
  /**
   * The whole message after the head (no body, or all of a Content-Length body) came in the
   * read that completed the head: its onBody (at most one) and onMessageComplete follow
   * before that execute() returns, unless a callback pauses the parser.
   */
  restInRead = false;
}

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };
const hasLatin1Slice = typeof (Buffer.prototype as Partial<Latin1Buffer>).latin1Slice === 'function';

/** One latin1 decode (bytes → chars 1:1) of a head; field strings are slices of it. */
export function latin1(buf: Buffer, start: number, end: number): string {
  return hasLatin1Slice ? (buf as Latin1Buffer).latin1Slice(start, end) : buf.toString('latin1', start, end);
}

const isOws = (b: number): boolean => b === SP || b === HTAB;

/**
 * Parses field lines `from`…`count-1` of a section whose bytes start at `base` in `buf`.
 * `lineEnds[i]` is the offset (from `base`) of the CR ending line i; line i starts 2 bytes
 * after line i-1's CR. `str` is the latin1 decode of the section from `base`.
 * Names and values are pushed into `headers`; known fields are recorded when `known` is given.
 */
export function parseFieldLines(
  buf: Buffer,
  base: number,
  str: string,
  lineEnds: Int32Array,
  from: number,
  count: number,
  headers: string[],
  known: KnownHeaders | undefined,
): H1ErrorCode | undefined {
  for (let i = from; i < count; i++) {
    const s = base + (i === 0 ? 0 : lineEnds[i - 1]! + 2);
    const e = base + lineEnds[i]!;
    let p = s;
    const c0 = buf[p]!;
    if (isOws(c0)) return i === 1 && from === 1 ? 'WHITESPACE_AFTER_START_LINE' : 'OBS_FOLD';
    while (p < e && TOKEN[buf[p]!] === 1) p++;
    if (p === e || buf[p] !== COLON) {
      if (p < e && p > s && isOws(buf[p]!)) {
        let q = p + 1;
        while (q < e && isOws(buf[q]!)) q++;
        if (buf[q] === COLON) return 'WHITESPACE_BEFORE_COLON';
      }
      if (p < e && buf[p] === 0x0d) return 'BARE_CR';
      return 'INVALID_HEADER_NAME';
    }
    if (p === s) return 'INVALID_HEADER_NAME';
    const nameEnd = p;
    p++;
    while (p < e && isOws(buf[p]!)) p++;
    const vs = p;
    while (p < e && FIELD_VALUE[buf[p]!] === 1) p++;
    if (p !== e) return buf[p] === 0x0d ? 'BARE_CR' : 'INVALID_HEADER_VALUE';
    let ve = e;
    while (ve > vs && isOws(buf[ve - 1]!)) ve--;
    const name = str.slice(s - base, nameEnd - base);
    const value = vs === ve ? '' : str.slice(vs - base, ve - base);
    headers.push(name, value);
    if (known !== undefined) {
      const id = knownHeaderAt(buf, s, nameEnd - s);
      if (id !== KnownHeader.None) recordKnown(known, id, value);
    }
  }
  return undefined;
}

/** `HTTP/` DIGIT `.` DIGIT at buf[p, p+8): returns major*10+minor, -1 if malformed. */
function httpVersion(buf: Buffer, p: number): number {
  if (buf[p] !== 0x48 || buf[p + 1] !== 0x54 || buf[p + 2] !== 0x54 || buf[p + 3] !== 0x50 || buf[p + 4] !== 0x2f || buf[p + 6] !== 0x2e) return -1;
  const major = buf[p + 5]! - 0x30;
  const minor = buf[p + 7]! - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return -1;
  return major * 10 + minor;
}

/** request-line = method SP request-target SP HTTP-version (RFC 9112 §3), single SPs. */
export function parseRequestLine(buf: Buffer, base: number, str: string, lineEnd: number, head: MessageHead): H1ErrorCode | undefined {
  const e = base + lineEnd;
  let p = base;
  while (p < e && TOKEN[buf[p]!] === 1) p++;
  if (p === base || p === e || buf[p] !== SP) return 'INVALID_METHOD';
  head.method = str.slice(0, p - base);
  const ts = ++p;
  while (p < e && TARGET[buf[p]!] === 1) p++;
  if (p === ts) return 'INVALID_TARGET';
  if (p === e) return 'INVALID_VERSION'; // HTTP/0.9 style "GET /"
  if (buf[p] !== SP) return buf[p] === 0x0d ? 'BARE_CR' : 'INVALID_TARGET';
  head.target = str.slice(ts - base, p - base);
  p++;
  if (e - p !== 8) return 'INVALID_VERSION';
  const v = httpVersion(buf, p);
  if (v < 0) return 'INVALID_VERSION';
  if (v < 10 || v > 19) return 'UNSUPPORTED_VERSION';
  head.versionMinor = v === 10 ? 0 : 1;
  return checkTargetForm(head.method, head.target);
}

/**
 * RFC 9112 §3.2: authority-form only (and always) for CONNECT, asterisk-form only for OPTIONS,
 * otherwise origin-form (`/…`) or absolute-form (`scheme:…`).
 */
function checkTargetForm(method: string, target: string): H1ErrorCode | undefined {
  const c0 = target.charCodeAt(0);
  if (method === 'CONNECT') {
    const colon = target.lastIndexOf(':');
    if (colon <= 0 || colon === target.length - 1) return 'INVALID_TARGET';
    for (let i = 0; i < colon; i++) if (HOST[target.charCodeAt(i)] !== 1) return 'INVALID_TARGET';
    for (let i = colon + 1; i < target.length; i++) {
      const d = target.charCodeAt(i);
      if (d < 0x30 || d > 0x39) return 'INVALID_TARGET';
    }
    return undefined;
  }
  if (c0 === 0x2f) return undefined;
  if (c0 === 0x2a) return target.length === 1 && method === 'OPTIONS' ? undefined : 'INVALID_TARGET';
  // absolute-form: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  if (!((c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a))) return 'INVALID_TARGET';
  for (let i = 1; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 0x3a) return undefined;
    if (SCHEME[c] !== 1) return 'INVALID_TARGET';
  }
  return 'INVALID_TARGET';
}

/**
 * status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). A missing
 * SP after the code is tolerated (seen in the wild, unambiguous). Codes outside 100–599
 * are invalid (RFC 9110 §15).
 */
export function parseStatusLine(buf: Buffer, base: number, str: string, lineEnd: number, head: MessageHead): H1ErrorCode | undefined {
  const e = base + lineEnd;
  if (lineEnd < 12 || buf[base + 8] !== SP) return 'INVALID_STATUS_LINE';
  const v = httpVersion(buf, base);
  if (v < 0) return 'INVALID_STATUS_LINE';
  if (v < 10 || v > 19) return 'UNSUPPORTED_VERSION';
  head.versionMinor = v === 10 ? 0 : 1;
  let code = 0;
  for (let i = base + 9; i < base + 12; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return 'INVALID_STATUS_LINE';
    code = code * 10 + d;
  }
  if (code < 100 || code > 599) return 'INVALID_STATUS_LINE';
  head.statusCode = code;
  let p = base + 12;
  if (p === e) return undefined;
  if (buf[p] !== SP) return 'INVALID_STATUS_LINE';
  p++;
  const rs = p;
  while (p < e && FIELD_VALUE[buf[p]!] === 1) p++;
  if (p !== e) return buf[p] === 0x0d ? 'BARE_CR' : 'INVALID_STATUS_LINE';
  head.reason = str.slice(rs - base, e - base);
  return undefined;
}

/** Host field value: empty, or reg-name / IP-literal / IPv4 with an optional port. */
export function isValidHost(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || HOST[c] !== 1) return false;
  }
  return true;
}
