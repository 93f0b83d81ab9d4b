// A property fuzzer for the HTTP/1.1 codec, no external service. Deterministic for a seed.
//
//   valid    generated messages (pipelined requests or responses, Content-Length / chunked /
//            read-until-close bodies, extensions, trailers, obs-text) must parse exactly as the
//            generator built them, and identically under random splits and byte-by-byte;
//   mutated  the same messages after byte flips, insertions of CR/LF/NUL/SP/HTAB, deletions,
//            duplicated lines and injected framing fields must never throw, must keep their
//            callbacks bounded, and must parse the same under every split (an error in one
//            split is an error in all, after the same complete messages), also with tight
//            random limits;
//   reframe  every request accepted, re-serialized as the proxy would forward it (hop-by-hop
//            fields removed, framing re-applied), must parse back to the same messages —
//            the smuggling property: what we accept we forward unambiguously.
//
// CLI: node --import tsx test/fuzz/h1/fuzz.ts [--seed N] [--iterations N]
import { fileURLToPath } from 'node:url';
import { applyFraming, encodeChunk, forwardFraming, lastChunk, serializeRequestHead } from '../../../src/proxy/http/h1/serializer.js';
import { removeHopByHop } from '../../../src/proxy/http/h1/headers.js';
import type { H1MessageKind } from '../../../src/proxy/http/h1/errors.js';
import type { H1Limits } from '../../../src/proxy/http/h1/parser.js';
import { bytewise, record, splitAt, summarize, type RecordOptions, type Recording } from './recorder.js';

/** mulberry32: small, fast, good enough to explore inputs; same seed → same run. */
export class Random {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

// ---- generation of valid messages ---------------------------------------------------------

interface Expected {
  head: string; // method+target or status
  headers: string[];
  body: string;
  trailers: string[] | null;
}

export interface Generated {
  kind: H1MessageKind;
  bytes: Buffer;
  options: RecordOptions;
  expected: Expected[];
}

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PATH_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/%";
const VCHARS = Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join('');

function str(r: Random, alphabet: string, min: number, max: number): string {
  const n = min + r.int(max - min + 1);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return s;
}

function fieldValue(r: Random): string {
  // VCHAR / obs-text with inner SP / HTAB; no leading or trailing whitespace (the parser trims it)
  const n = r.int(4) === 0 ? 0 : 1 + r.int(30);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r.int(20);
    if (k === 0 && i > 0 && i < n - 1) s += r.pick([' ', '\t']);
    else if (k === 1) s += String.fromCharCode(0x80 + r.int(128));
    else s += VCHARS[r.int(VCHARS.length)];
  }
  return s;
}

function ows(r: Random): string {
  return r.int(4) === 0 ? r.pick([' ', '\t', '  ', ' \t']) : '';
}

function randomFields(r: Random, raw: string[], expected: string[], count: number): void {
  for (let i = 0; i < count; i++) {
    const name = `X-${str(r, TCHARS, 1, 12)}`;
    const value = fieldValue(r);
    raw.push(`${name}:${r.bool(0.8) ? ' ' : ''}${ows(r)}${value}${ows(r)}\r\n`);
    expected.push(name, value);
  }
}

function chunkedBody(r: Random, body: string): { wire: string; trailers: string[] | null } {
  let wire = '';
  let i = 0;
  while (i < body.length) {
    const n = 1 + r.int(Math.min(body.length - i, 40));
    const size = n.toString(16);
    const padded = r.int(5) === 0 ? `00${size}` : r.bool() ? size.toUpperCase() : size;
    let ext = '';
    if (r.int(4) === 0) {
      ext = `${r.pick(['', ' '])};${r.pick(['', ' '])}${str(r, TCHARS, 1, 6)}`;
      if (r.bool()) ext += r.bool() ? `=${str(r, TCHARS, 1, 6)}` : `="${str(r, 'abc \\t', 0, 6).replace(/\\/g, '\\\\')}"`;
    }
    wire += `${padded}${ext}\r\n${body.slice(i, i + n)}\r\n`;
    i += n;
  }
  wire += r.int(4) === 0 ? '000;end\r\n' : '0\r\n';
  let trailers: string[] | null = null;
  if (r.int(3) === 0) {
    const raw: string[] = [];
    trailers = [];
    randomFields(r, raw, trailers, 1 + r.int(3));
    wire += raw.join('');
  }
  return { wire: `${wire}\r\n`, trailers };
}

function bodyBytes(r: Random, max: number): string {
  const n = r.int(max);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.int(256));
  return s;
}

function generateRequests(r: Random): Generated {
  const count = 1 + r.int(4);
  let wire = '';
  const expected: Expected[] = [];
  for (let m = 0; m < count; m++) {
    if (r.int(8) === 0) wire += '\r\n';
    const v10 = r.int(10) === 0;
    const method = r.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'X-CUSTOM']);
    const target = r.int(10) === 0 ? `http://svc.example:8080/${str(r, PATH_CHARS, 0, 20)}` : `/${str(r, PATH_CHARS, 0, 40)}${r.bool(0.3) ? `?${str(r, PATH_CHARS + '?', 0, 20)}` : ''}`;
    const raw: string[] = [];
    const headers: string[] = [];
    if (!v10 || r.bool()) {
      const host = `${str(r, 'abcdefghijklmnopqrstuvwxyz0123456789-.', 1, 20)}${r.bool() ? `:${r.int(65536)}` : ''}`;
      raw.push(`${r.pick(['Host', 'host', 'HOST'])}: ${host}\r\n`);
      headers.push(raw[0]!.slice(0, raw[0]!.indexOf(':')), host);
    }
    randomFields(r, raw, headers, r.int(8));
    if (r.int(5) === 0) {
      const c = r.pick(['keep-alive', 'close', 'Keep-Alive, x-foo']);
      raw.push(`Connection: ${c}\r\n`);
      headers.push('Connection', c);
    }
    let body = '';
    let bodyWire = '';
    let trailers: string[] | null = null;
    const framing = v10 ? r.int(2) : r.int(3); // 0 none, 1 length, 2 chunked
    if (framing === 1) {
      body = bodyBytes(r, 100);
      const cl = r.int(10) === 0 ? `${body.length}, ${body.length}` : String(body.length);
      raw.push(`Content-Length: ${cl}\r\n`);
      headers.push('Content-Length', cl);
      bodyWire = body;
    } else if (framing === 2) {
      body = bodyBytes(r, 150);
      const te = r.pick(['chunked', 'Chunked', 'chunked ', ', chunked']);
      raw.push(`Transfer-Encoding:${r.pick([' ', '\t', ''])}${te}\r\n`);
      headers.push('Transfer-Encoding', te.trim());
      const c = chunkedBody(r, body);
      bodyWire = c.wire;
      trailers = c.trailers;
    }
    // shuffle field order (Host need not be first)
    const order = raw.map((_, i) => i).sort(() => r.next() - 0.5);
    const hdrs: string[] = [];
    for (const i of order) hdrs.push(headers[2 * i]!, headers[2 * i + 1]!);
    wire += `${method} ${target} HTTP/1.${v10 ? 0 : 1}\r\n${order.map((i) => raw[i]).join('')}\r\n${bodyWire}`;
    expected.push({ head: `${method} ${target}`, headers: hdrs, body, trailers });
  }
  return { kind: 'request', bytes: Buffer.from(wire, 'latin1'), options: {}, expected };
}

function generateResponses(r: Random): Generated {
  const count = 1 + r.int(4);
  let wire = '';
  const expected: Expected[] = [];
  const expect: Array<[string, boolean?]> = [];
  let finish = false;
  for (let m = 0; m < count && !finish; m++) {
    const method = r.int(5) === 0 ? 'HEAD' : 'GET';
    expect.push([method]);
    if (r.int(6) === 0) {
      const code = r.pick([100, 103]);
      wire += `HTTP/1.1 ${code} Interim\r\n\r\n`;
      expected.push({ head: String(code), headers: [], body: '', trailers: null });
    }
    const status = r.pick([200, 200, 200, 201, 204, 304, 404, 500, 503]);
    const raw: string[] = [];
    const headers: string[] = [];
    randomFields(r, raw, headers, r.int(6));
    const noBody = method === 'HEAD' || status === 204 || status === 304;
    let body = '';
    let bodyWire = '';
    let trailers: string[] | null = null;
    const framing = r.int(m === count - 1 ? 3 : 2); // 0 length, 1 chunked, 2 until close (last only)
    if (framing === 0 || (noBody && framing === 2)) {
      body = bodyBytes(r, 100);
      if (status !== 204) {
        raw.push(`Content-Length: ${body.length}\r\n`);
        headers.push('Content-Length', String(body.length));
      }
      if (noBody) body = '';
      bodyWire = body;
    } else if (framing === 1) {
      raw.push('Transfer-Encoding: chunked\r\n');
      headers.push('Transfer-Encoding', 'chunked');
      if (!noBody) {
        body = bodyBytes(r, 150);
        const c = chunkedBody(r, body);
        bodyWire = c.wire;
        trailers = c.trailers;
      }
    } else {
      body = bodyBytes(r, 100);
      bodyWire = body;
      finish = true;
    }
    wire += `HTTP/1.${finish && r.bool() ? 0 : 1} ${status} ${r.pick(['OK', 'Whatever', '', 'caf\xe9 reason'])}\r\n${raw.join('')}\r\n${bodyWire}`;
    expected.push({ head: String(status), headers, body, trailers });
  }
  return { kind: 'response', bytes: Buffer.from(wire, 'latin1'), options: { expect, finish }, expected };
}

export function generate(r: Random): Generated {
  return r.int(3) === 0 ? generateResponses(r) : generateRequests(r);
}

// ---- mutation -----------------------------------------------------------------------------

const INSERTS = ['\r', '\n', '\r\n', '\0', ' ', '\t', ':', ',', ';', '\x0b', '\x7f', '\xff', '0', 'f'];
const INJECTIONS = [
  'Transfer-Encoding: chunked\r\n',
  'Content-Length: 0\r\n',
  'Content-Length: 5\r\n',
  'Transfer-Encoding: xchunked\r\n',
  'Transfer-Encoding: chunked, identity\r\n',
  'Transfer-Encoding:\tchunked\r\n',
  ' Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding : chunked\r\n',
  'Host: other\r\n',
  'Connection: upgrade\r\nUpgrade: websocket\r\n',
  'Connection: close, Content-Length\r\n',
  'Expect: 100-continue\r\n',
];

export function mutate(r: Random, input: Buffer): Buffer {
  let s = input.toString('latin1');
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const at = r.int(s.length + 1);
    switch (r.int(8)) {
      case 0: {
        if (s.length === 0) break;
        const p = Math.min(at, s.length - 1);
        s = s.slice(0, p) + String.fromCharCode(s.charCodeAt(p) ^ (1 << r.int(8))) + s.slice(p + 1);
        break;
      }
      case 1:
        s = s.slice(0, at) + r.pick(INSERTS) + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at + 1 + r.int(3));
        break;
      case 3: {
        // duplicate a line
        const ls = s.lastIndexOf('\n', at - 1) + 1;
        const le = s.indexOf('\n', at);
        if (le > ls) s = s.slice(0, le + 1) + s.slice(ls, le + 1) + s.slice(le + 1);
        break;
      }
      case 4: {
        // inject a framing field after a line break
        const le = s.indexOf('\r\n', at);
        if (le >= 0) s = s.slice(0, le + 2) + r.pick(INJECTIONS) + s.slice(le + 2);
        break;
      }
      case 5: {
        // CRLF → LF somewhere
        const le = s.indexOf('\r\n', at);
        if (le >= 0) s = s.slice(0, le) + s.slice(le + 1);
        break;
      }
      case 6:
        s = s.slice(0, at);
        break;
      default: {
        // change a number (a length or chunk size)
        const m = /\d+/.exec(s.slice(at));
        if (m) {
          const p = at + m.index;
          s = s.slice(0, p) + String(Number(m[0]) + r.int(5) - 2 < 0 ? 0 : Number(m[0]) + r.int(5) - 2) + s.slice(p + m[0].length);
        }
      }
    }
  }
  return Buffer.from(s, 'latin1');
}

// ---- properties ---------------------------------------------------------------------------

export interface FuzzFailure {
  what: string;
  kind: H1MessageKind;
  input: string; // escaped, ready for the corpus
  detail: string;
}

/** Bytes → the corpus escape format. */
export function escape(buf: Buffer): string {
  let s = '';
  for (const b of buf) {
    if (b === 0x0d) s += '\\r';
    else if (b === 0x0a) s += '\\n\n';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x5c) s += '\\\\';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** Records safely: a throw from the parser is a finding, and so is an unbounded number of callbacks. */
function safeRecord(kind: H1MessageKind, chunks: Buffer[], options: RecordOptions, total: number): Recording | string {
  let rec: Recording;
  try {
    rec = record(kind, chunks, options);
  } catch (err) {
    return `threw: ${(err as Error).stack ?? String(err)}`;
  }
  if (rec.events.length > 4 * total + 16) return `unbounded callbacks: ${rec.events.length} for ${total} bytes`;
  const errAt = rec.events.indexOf('error');
  if (errAt >= 0 && errAt !== rec.events.length - 1) return 'callbacks after onError';
  for (const m of rec.messages) {
    if (m.complete && m.head?.framing === 'length' && m.body.length !== m.head.contentLength) return 'body length differs from Content-Length';
  }
  return rec;
}

function randomSplits(r: Random, buf: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = 0; i < 3; i++) {
    const k = 1 + r.int(4);
    out.push(splitAt(buf, Array.from({ length: k }, () => r.int(buf.length + 1))));
  }
  if (buf.length <= 4096 && r.int(4) === 0) out.push(bytewise(buf));
  return out;
}

/** Checks one input; returns failures (empty when every property holds). */
export function checkInput(r: Random, kind: H1MessageKind, input: Buffer, options: RecordOptions, expected?: Expected[]): FuzzFailure[] {
  const failures: FuzzFailure[] = [];
  const fail = (what: string, detail: string): void => {
    failures.push({ what, kind, input: escape(input), detail });
  };
  const whole = safeRecord(kind, [input], options, input.length);
  if (typeof whole === 'string') {
    fail('whole', whole);
    return failures;
  }
  if (expected !== undefined) {
    if (whole.error !== undefined) fail('valid message rejected', whole.error.message);
    else {
      const got = whole.messages.map((m) => ({
        head: m.head!.statusCode === 0 ? `${m.head!.method} ${m.head!.target}` : String(m.head!.statusCode),
        headers: m.head!.headers,
        body: m.body.toString('latin1'),
        trailers: m.trailers ?? null,
      }));
      const a = JSON.stringify(got);
      const b = JSON.stringify(expected);
      if (a !== b) fail('parse differs from the generated message', `got ${a}\nwant ${b}`);
      if (!whole.messages.every((m) => m.complete)) fail('valid message incomplete', summarize(whole));
    }
  }
  const reference = summarize(whole, false);
  for (const chunks of randomSplits(r, input)) {
    const rec = safeRecord(kind, chunks, options, input.length);
    if (typeof rec === 'string') {
      fail('split', rec);
      continue;
    }
    const s = summarize(rec, false);
    const how = chunks.length > 8 && chunks.every((c) => c.length <= 1) ? 'byte by byte' : `split [${chunks.map((c) => c.length).join(',')}]`;
    if (s !== reference) fail(`${how} differs from the whole parse`, `split ${s}\nwhole ${reference}`);
  }
  if (kind === 'request') {
    const d = reframeCheck(whole);
    if (d !== undefined) fail('reframe', d);
  }
  return failures;
}

/** Every complete, non-upgrade request re-serialized as forwarded must parse back the same. */
function reframeCheck(rec: Recording): string | undefined {
  const parts: Buffer[] = [];
  const want: string[] = [];
  for (const m of rec.messages) {
    const h = m.head;
    if (!m.complete || h === undefined || h.upgrade) break;
    const framing = forwardFraming(h, 1);
    let headers = applyFraming(removeHopByHop(h.headers, h.known.connection), framing);
    if (h.versionMinor === 0 && h.known.host === undefined) headers = ['Host', 'added.example', ...headers];
    parts.push(serializeRequestHead(h.method, h.target, headers));
    if (framing.kind === 'chunked') {
      parts.push(...encodeChunk(m.body), lastChunk(m.trailers));
    } else {
      parts.push(m.body);
    }
    want.push(JSON.stringify([h.method, h.target, m.body.toString('latin1'), m.trailers ?? null]));
  }
  if (parts.length === 0) return undefined;
  const again = record('request', [Buffer.concat(parts)]);
  if (again.error !== undefined) return `forwarded form rejected: ${again.error.message}`;
  const got = again.messages.map((m) => JSON.stringify([m.head!.method, m.head!.target, m.body.toString('latin1'), m.trailers ?? null]));
  if (JSON.stringify(got) !== JSON.stringify(want)) return `forwarded form parses differently:\n${got.join('\n')}\nvs\n${want.join('\n')}`;
  return undefined;
}

/** Tight limits, so every limit is also hit under random splits. */
function smallLimits(r: Random): Partial<H1Limits> {
  return {
    maxStartLineBytes: 8 + r.int(120),
    maxHeaderBytes: 16 + r.int(400),
    maxHeaderCount: r.int(6),
    maxBodyBytes: r.int(200),
    maxLeadingEmptyLines: r.int(3),
    maxChunkExtensionBytes: r.int(24),
  };
}

export interface FuzzStats {
  cases: number;
  valid: number;
  mutated: number;
  mutatedRejected: number;
}

export function runFuzz(seed: number, iterations: number): { failures: FuzzFailure[]; stats: FuzzStats } {
  const r = new Random(seed);
  const failures: FuzzFailure[] = [];
  const stats: FuzzStats = { cases: 0, valid: 0, mutated: 0, mutatedRejected: 0 };
  for (let i = 0; i < iterations; i++) {
    const g = generate(r);
    stats.cases++;
    if (r.int(3) === 0) {
      stats.valid++;
      failures.push(...checkInput(r, g.kind, g.bytes, g.options, g.expected));
    } else {
      stats.mutated++;
      const m = mutate(r, g.bytes);
      const options = r.int(4) === 0 ? { ...g.options, limits: smallLimits(r) } : g.options;
      const f = checkInput(r, g.kind, m, options);
      failures.push(...f);
      if (record(g.kind, [m], options).error !== undefined) stats.mutatedRejected++;
    }
    if (failures.length >= 10) break;
  }
  return { failures, stats };
}

function main(): void {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : def;
  };
  const seed = arg('--seed', Date.now() % 2 ** 31);
  const iterations = arg('--iterations', 100_000);
  const t0 = Date.now();
  const { failures, stats } = runFuzz(seed, iterations);
  console.log(`seed ${seed}: ${stats.cases} cases (${stats.valid} valid, ${stats.mutated} mutated, ${stats.mutatedRejected} of those rejected) in ${Date.now() - t0} ms`);
  for (const f of failures) console.log(`\nFAIL ${f.kind} ${f.what}\n${f.detail}\n--- input (corpus format) ---\n${f.input}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
