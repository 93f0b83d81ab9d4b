// Drives an H1Parser over a list of chunks and records what it reported, in a form tests and
// the fuzzer can compare (two parses of the same bytes under different splits must agree).
import { H1Parser, type H1Limits } from '../../../src/proxy/http/h1/parser.js';
import type { MessageHead } from '../../../src/proxy/http/h1/head.js';
import type { H1ParseError, H1MessageKind } from '../../../src/proxy/http/h1/errors.js';

export interface RecordedMessage {
  head: MessageHead | undefined;
  body: Buffer;
  bodyChunks: number;
  trailers: string[] | undefined;
  complete: boolean;
}

export interface Recording {
  messages: RecordedMessage[];
  error: H1ParseError | undefined;
  upgrade: Buffer | undefined;
  /** Callback order, e.g. ['begin', 'head', 'body', 'complete']. */
  events: string[];
}

export interface RecordOptions {
  limits?: Partial<H1Limits>;
  /** Response parser: requests outstanding, as [method, upgrade]. */
  expect?: Array<[string, boolean?]>;
  /** Call finish() after the last chunk. */
  finish?: boolean;
}

export function record(kind: H1MessageKind, chunks: readonly Buffer[], options: RecordOptions = {}): Recording {
  const rec: Recording = { messages: [], error: undefined, upgrade: undefined, events: [] };
  let current: RecordedMessage | undefined;
  const bodies: Buffer[] = [];
  const parser = new H1Parser(kind, options.limits, {
    onMessageBegin() {
      rec.events.push('begin');
      current = { head: undefined, body: Buffer.alloc(0), bodyChunks: 0, trailers: undefined, complete: false };
      bodies.length = 0;
      rec.messages.push(current);
    },
    onHead(head) {
      rec.events.push('head');
      current!.head = head;
    },
    onBody(chunk) {
      rec.events.push('body');
      // copy: the slice aliases the chunk
      bodies.push(Buffer.from(chunk));
      current!.body = Buffer.concat(bodies);
      current!.bodyChunks++;
    },
    onTrailers(trailers) {
      rec.events.push('trailers');
      current!.trailers = trailers;
    },
    onMessageComplete() {
      rec.events.push('complete');
      current!.complete = true;
    },
    onUpgrade(rest) {
      rec.events.push('upgrade');
      rec.upgrade = rec.upgrade === undefined ? Buffer.from(rest) : Buffer.concat([rec.upgrade, rest]);
    },
    onError(err) {
      rec.events.push('error');
      rec.error = err;
    },
  });
  for (const [method, upgrade] of options.expect ?? []) parser.expectResponse(method, upgrade ?? false);
  for (const c of chunks) parser.execute(c);
  if (options.finish === true) parser.finish();
  return rec;
}

/** Parses `input` as one chunk. */
export function recordOne(kind: H1MessageKind, input: string | Buffer, options: RecordOptions = {}): Recording {
  return record(kind, [typeof input === 'string' ? Buffer.from(input, 'latin1') : input], options);
}

/** Splits `buf` at the given offsets. */
export function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const sorted = [...new Set(cuts)].filter((c) => c > 0 && c < buf.length).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

/** Every byte its own chunk. */
export function bytewise(buf: Buffer): Buffer[] {
  return Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
}

/**
 * A comparable summary. With `errorCodes` false an error is reported as "error" only: two
 * splits may find different faults of one bad message first, but must agree that it is bad
 * and on every message before it.
 */
export function summarize(rec: Recording, errorCodes = true): string {
  const messages = rec.messages.map((m) => ({
    head:
      m.head === undefined
        ? null
        : {
            method: m.head.method,
            target: m.head.target,
            status: m.head.statusCode,
            reason: m.head.reason,
            v: m.head.versionMinor,
            headers: m.head.headers,
            framing: m.head.framing,
            length: m.head.contentLength,
            keepAlive: m.head.keepAlive,
            upgrade: m.head.upgrade,
          },
    body: m.body.toString('latin1'),
    trailers: m.trailers ?? null,
    complete: m.complete,
  }));
  return JSON.stringify({
    messages,
    error: rec.error === undefined ? null : errorCodes ? `${rec.error.code}/${rec.error.status}` : 'error',
    upgrade: rec.upgrade?.toString('latin1') ?? null,
  });
}
