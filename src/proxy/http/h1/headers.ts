// Header fields as the codec sees them: a flat raw-cased [name, value, name, value, …] array
// plus `KnownHeaders`, the few fields that decide framing and connection handling, filled in
// while the head is parsed. Also the value grammars of those fields (Content-Length,
// Transfer-Encoding, Connection) and the hop-by-hop removal a proxy does before forwarding.
import { HTAB, SP, TOKEN } from './chars.js';

/** Combined values (", "-joined across repeated lines) of the fields the proxy needs. */
export class KnownHeaders {
  contentLength: string | undefined = undefined;
  transferEncoding: string | undefined = undefined;
  connection: string | undefined = undefined;
  host: string | undefined = undefined;
  upgrade: string | undefined = undefined;
  expect: string | undefined = undefined;
  te: string | undefined = undefined;
  keepAlive: string | undefined = undefined;
  /** Number of Host field lines (RFC 9112 §3.2: more than one is a 400). */
  hostCount = 0;
}

export const enum KnownHeader {
  None = 0,
  ContentLength,
  TransferEncoding,
  Connection,
  Host,
  Upgrade,
  Expect,
  Te,
  KeepAlive,
}

const lower = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const N_TE = lower('te');
const N_HOST = lower('host');
const N_EXPECT = lower('expect');
const N_UPGRADE = lower('upgrade');
const N_CONNECTION = lower('connection');
const N_KEEP_ALIVE = lower('keep-alive');
const N_CONTENT_LENGTH = lower('content-length');
const N_TRANSFER_ENCODING = lower('transfer-encoding');

/** Case-insensitive compare of a token in `buf` with a lower-case name (`| 0x20` is exact for tchars). */
function eqName(buf: Uint8Array, start: number, name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) {
    if ((buf[start + i]! | 0x20) !== name[i]) return false;
  }
  return true;
}

/** Which known header the token `buf[start, start+len)` names; switch on length first. */
export function knownHeaderAt(buf: Uint8Array, start: number, len: number): KnownHeader {
  switch (len) {
    case 2:
      return eqName(buf, start, N_TE) ? KnownHeader.Te : KnownHeader.None;
    case 4:
      return eqName(buf, start, N_HOST) ? KnownHeader.Host : KnownHeader.None;
    case 6:
      return eqName(buf, start, N_EXPECT) ? KnownHeader.Expect : KnownHeader.None;
    case 7:
      return eqName(buf, start, N_UPGRADE) ? KnownHeader.Upgrade : KnownHeader.None;
    case 10:
      if (eqName(buf, start, N_CONNECTION)) return KnownHeader.Connection;
      return eqName(buf, start, N_KEEP_ALIVE) ? KnownHeader.KeepAlive : KnownHeader.None;
    case 14:
      return eqName(buf, start, N_CONTENT_LENGTH) ? KnownHeader.ContentLength : KnownHeader.None;
    case 17:
      return eqName(buf, start, N_TRANSFER_ENCODING) ? KnownHeader.TransferEncoding : KnownHeader.None;
    default:
      return KnownHeader.None;
  }
}

const join = (prev: string | undefined, value: string): string => (prev === undefined ? value : `${prev}, ${value}`);

export function recordKnown(known: KnownHeaders, id: KnownHeader, value: string): void {
  switch (id) {
    case KnownHeader.ContentLength:
      known.contentLength = join(known.contentLength, value);
      break;
    case KnownHeader.TransferEncoding:
      known.transferEncoding = join(known.transferEncoding, value);
      break;
    case KnownHeader.Connection:
      known.connection = join(known.connection, value);
      break;
    case KnownHeader.Host:
      known.host = value;
      known.hostCount++;
      break;
    case KnownHeader.Upgrade:
      known.upgrade = join(known.upgrade, value);
      break;
    case KnownHeader.Expect:
      known.expect = join(known.expect, value);
      break;
    case KnownHeader.Te:
      known.te = join(known.te, value);
      break;
    case KnownHeader.KeepAlive:
      known.keepAlive = join(known.keepAlive, value);
      break;
    case KnownHeader.None:
      break;
  }
}

const isOws = (c: number): boolean => c === SP || c === HTAB;

/**
 * Content-Length (RFC 9110 §8.6, RFC 9112 §6.3 rule 5): a comma-separated list (repeated lines
 * arrive here joined) of 1*DIGIT values that must all be equal. Returns the length, -1 if any
 * element is not 1*DIGIT or exceeds 2^53-1, -2 if two elements differ.
 */
export function parseContentLength(value: string): number {
  let result = -3;
  let i = 0;
  const n = value.length;
  while (true) {
    while (i < n && isOws(value.charCodeAt(i))) i++;
    let v = 0;
    let digits = 0;
    while (i < n) {
      const d = value.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      digits++;
      i++;
    }
    if (digits === 0 || v > Number.MAX_SAFE_INTEGER) return -1;
    while (i < n && isOws(value.charCodeAt(i))) i++;
    if (result === -3) result = v;
    else if (result !== v) return -2;
    if (i === n) return result;
    if (value.charCodeAt(i) !== 0x2c) return -1;
    i++;
  }
}

export const enum TransferCoding {
  /** `chunked`, exactly once and last. */
  Chunked,
  /** Other codings before a final `chunked` (e.g. `gzip, chunked`). */
  ChunkedAfterOthers,
  /** `chunked` present but not last, or applied twice. */
  ChunkedNotFinal,
  /** No `chunked` at all: a coding we cannot frame (`xchunked`, `identity`, `gzip`). */
  Unsupported,
  /** Not a list of transfer-codings (empty, or an element that is not a token). */
  Invalid,
}

/**
 * Transfer-Encoding (RFC 9112 §6.1, §7): a list of transfer-codings, case-insensitive, empty
 * elements ignored (RFC 9110 §5.6.1). `chunked` takes no parameters.
 */
export function parseTransferEncoding(value: string): TransferCoding {
  let count = 0;
  let chunkedAt = -1;
  let chunkedCount = 0;
  let i = 0;
  const n = value.length;
  while (i <= n) {
    let e = value.indexOf(',', i);
    if (e < 0) e = n;
    let s = i;
    let t = e;
    while (s < t && isOws(value.charCodeAt(s))) s++;
    while (t > s && isOws(value.charCodeAt(t - 1))) t--;
    if (t > s) {
      // coding name is the token up to an optional `;` parameter list
      let k = s;
      while (k < t) {
        const c = value.charCodeAt(k);
        if (c > 0xff || TOKEN[c] === 0) break;
        k++;
      }
      if (k === s) return TransferCoding.Invalid;
      const isChunked = k - s === 7 && value.slice(s, k).toLowerCase() === 'chunked';
      if (k < t) {
        // anything after the name must be parameters: OWS ";" …; chunked has none
        let m = k;
        while (m < t && isOws(value.charCodeAt(m))) m++;
        if (isChunked || value.charCodeAt(m) !== 0x3b) return TransferCoding.Invalid;
      }
      if (isChunked) {
        chunkedAt = count;
        chunkedCount++;
      }
      count++;
    }
    i = e + 1;
  }
  if (count === 0) return TransferCoding.Invalid;
  if (chunkedCount === 0) return TransferCoding.Unsupported;
  if (chunkedCount > 1 || chunkedAt !== count - 1) return TransferCoding.ChunkedNotFinal;
  return count === 1 ? TransferCoding.Chunked : TransferCoding.ChunkedAfterOthers;
}

export const CONN_CLOSE = 1;
export const CONN_KEEP_ALIVE = 2;
export const CONN_UPGRADE = 4;

/** The Connection options (RFC 9110 §7.6.1) as lower-case names. */
export function connectionOptions(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t !== '') out.push(t);
  }
  return out;
}

/** Whether value[s, e) equals `lower` ignoring ASCII case (`| 0x20` is exact for letters and `-`). */
function eqLowerAt(value: string, s: number, e: number, lower: string): boolean {
  if (e - s !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    if ((value.charCodeAt(s + i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Bitmask of close / keep-alive / upgrade in a Connection value; allocation-free (hot path). */
export function connectionFlags(value: string | undefined): number {
  if (value === undefined) return 0;
  let flags = 0;
  const n = value.length;
  let i = 0;
  while (i <= n) {
    let e = value.indexOf(',', i);
    if (e < 0) e = n;
    let s = i;
    let t = e;
    while (s < t && isOws(value.charCodeAt(s))) s++;
    while (t > s && isOws(value.charCodeAt(t - 1))) t--;
    if (eqLowerAt(value, s, t, 'close')) flags |= CONN_CLOSE;
    else if (eqLowerAt(value, s, t, 'keep-alive')) flags |= CONN_KEEP_ALIVE;
    else if (eqLowerAt(value, s, t, 'upgrade')) flags |= CONN_UPGRADE;
    i = e + 1;
  }
  return flags;
}

/** First value of `name` (case-insensitive) in a flat header array. */
export function getHeader(headers: readonly string[], name: string): string | undefined {
  const lname = name.toLowerCase();
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i]!;
    if (n.length === lname.length && n.toLowerCase() === lname) return headers[i + 1];
  }
  return undefined;
}

/** Every value of `name` (case-insensitive), in order. */
export function getHeaderAll(headers: readonly string[], name: string): string[] {
  const lname = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i]!;
    if (n.length === lname.length && n.toLowerCase() === lname) out.push(headers[i + 1]!);
  }
  return out;
}

/** Whether a lower-case field name is hop-by-hop: RFC 9110 §7.6.1 plus the legacy Proxy-Connection (a switch on length: no hashing per name). */
export function isHopByHop(l: string): boolean {
  switch (l.length) {
    case 2:
      return l === 'te';
    case 7:
      return l === 'upgrade' || l === 'trailer';
    case 10:
      return l === 'connection' || l === 'keep-alive';
    case 16:
      return l === 'proxy-connection';
    case 17:
      return l === 'transfer-encoding';
    default:
      return false;
  }
}

/**
 * Never removed because Connection names them: dropping Content-Length or Host on a client's
 * say-so is a known way to desynchronise framing or routing between a proxy and its upstream.
 */
const NOT_NOMINATABLE = new Set(['content-length', 'host']);

/** A Connection value that names nothing but hop-by-hop fields (the usual `keep-alive`, `close`, `upgrade`). */
const ONLY_HOP_BY_HOP = /^\s*(?:keep-alive|close|upgrade)\s*$/i;

/**
 * The lower-case fields a Connection value (`head.known.connection`) nominates for removal
 * (RFC 9110 §7.6.1) beyond the hop-by-hop ones, except Content-Length and Host; undefined
 * when there are none (the usual values are answered without splitting).
 */
export function nominatedFields(connection: string | undefined): Set<string> | undefined {
  if (connection === undefined || (connection.indexOf(',') < 0 && ONLY_HOP_BY_HOP.test(connection))) return undefined;
  let nominated: Set<string> | undefined;
  for (const name of connectionOptions(connection)) if (!NOT_NOMINATABLE.has(name) && !isHopByHop(name)) (nominated ??= new Set()).add(name);
  return nominated;
}

export interface HopByHopOptions {
  /** Keep the Upgrade field (the caller forwards an upgrade and adds `Connection: upgrade`). */
  keepUpgrade?: boolean;
}

/**
 * A copy of `headers` without hop-by-hop fields: Connection, Keep-Alive, Proxy-Connection,
 * TE, Trailer, Transfer-Encoding, Upgrade, and every field named in Connection
 * (RFC 9110 §7.6.1) except Content-Length and Host. `connection` is the combined Connection
 * value (`head.known.connection`). Content-Length is end-to-end and stays; `applyFraming`
 * replaces it when the message is re-framed.
 */
export function removeHopByHop(headers: readonly string[], connection: string | undefined, options: HopByHopOptions = {}): string[] {
  const nominated = nominatedFields(connection);
  const keepUpgrade = options.keepUpgrade === true;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const l = name.toLowerCase();
    if ((isHopByHop(l) && !(keepUpgrade && l === 'upgrade')) || nominated?.has(l) === true) continue;
    out.push(name, headers[i + 1]!);
  }
  return out;
}
