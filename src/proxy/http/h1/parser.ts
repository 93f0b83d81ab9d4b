// H1Parser: the incremental, push-style HTTP/1.1 parser of the proxy's codec. Feed it the
// Buffers of a net.Socket's 'data' events in any split; it calls back with each message's
// head, body slices (views into the fed Buffers, no copy), trailers and completion, keeps
// parsing pipelined messages, and stops for good at the first error (the caller answers
// `err.status` and closes the connection). RFC 9112 framing rules are in `decideFraming`.
//
// Heads are found by scanning for LF with Buffer#indexOf (every LF must follow a CR) and
// parsed once complete, from one latin1 decode. A head split across reads is copied into
// a reusable buffer; nothing else is copied.
import { CR, LF } from './chars.js';
import { ChunkLineDecoder } from './chunked.js';
import { H1ParseError, type H1ErrorCode, type H1MessageKind } from './errors.js';
import { MessageHead, isValidHost, latin1, parseFieldLines, parseRequestLine, parseStatusLine } from './head.js';
import { CONN_CLOSE, CONN_KEEP_ALIVE, CONN_UPGRADE, TransferCoding, connectionFlags, parseContentLength, parseTransferEncoding } from './headers.js';

export interface H1Limits {
  /** Longest request-line / status-line without its CRLF; a longer request-line is a 414. */
  maxStartLineBytes: number;
  /** Bytes of a head (start line, field lines, CRLFs, blank line), and of a trailer section (431). */
  maxHeaderBytes: number;
  /** Field lines in a head, and in a trailer section (431). */
  maxHeaderCount: number;
  /** Body bytes of one message (413). */
  maxBodyBytes: number;
  /** Empty lines (CRLF) ignored before a start line (RFC 9112 §2.2 asks for at least one). */
  maxLeadingEmptyLines: number;
  /** Chunk-extension bytes of one message (a bound against CVE-2024-22019-style floods). */
  maxChunkExtensionBytes: number;
}

export const DEFAULT_H1_LIMITS: Readonly<H1Limits> = Object.freeze({
  maxStartLineBytes: 8 * 1024,
  maxHeaderBytes: 60 * 1024, // Envoy's max_request_headers_kb default
  maxHeaderCount: 100, // Envoy's max_headers_count default
  maxBodyBytes: Number.POSITIVE_INFINITY,
  maxLeadingEmptyLines: 4,
  maxChunkExtensionBytes: 16 * 1024,
});

export interface H1ParserCallbacks {
  /** First byte of a message (after any leading empty lines). */
  onMessageBegin?(): void;
  /** The head is complete and valid; `head.framing` says what follows. */
  onHead(head: MessageHead): void;
  /**
   * Body bytes (de-chunked). A view into the Buffer given to execute(): copy it to keep it past
   * that Buffer's reuse. Return 'pause' to pause (e.g. when the upstream write returned false).
   */
  onBody(chunk: Buffer): void | 'pause';
  /** Trailer fields of a chunked message, flat [name, value, …]; only called when there are some. */
  onTrailers?(trailers: string[]): void;
  /** Return 'pause' (or call pause()) to handle one message at a time; pipelined bytes are kept. */
  onMessageComplete(): void | 'pause';
  /**
   * After a message with `head.upgrade`: the parser stops; `rest` is every byte after that
   * message (possibly empty). Later execute() calls are passed here too.
   */
  onUpgrade(rest: Buffer): void;
  /** Called once; the parser is dead afterwards. */
  onError(err: H1ParseError): void;
}

const IDLE = 0;
const IDLE_CR = 1;
const HEAD = 2;
const BODY_LENGTH = 3;
const CHUNK_LINE = 4;
const CHUNK_DATA = 5;
const CHUNK_CR = 6;
const CHUNK_LF = 7;
const TRAILERS = 8;
const BODY_EOF = 9;
const COMPLETE = 10;
const UPGRADE_PENDING = 11;
const UPGRADED = 12;
const DEAD = 13;

const EMPTY = Buffer.alloc(0);
/** Largest split-head buffer kept between messages. */
const RETAINED_HEAD_BUFFER = 8 * 1024;

export class H1Parser {
  private readonly limits: H1Limits;
  private state = IDLE;
  private head: MessageHead = new MessageHead();
  private remaining = 0;
  private bodyBytes = 0;
  private emptyLines = 0;
  private readonly chunkLine: ChunkLineDecoder;

  // section (head / trailers) scanning, offsets relative to the section's first byte
  private readonly lineEnds: Int32Array;
  private secScan = 0;
  private secLineStart = 0;
  private secLines = 0;
  private acc: Buffer = EMPTY;
  private accLen = 0;

  // flow control
  private paused = false;
  private running = false;
  private ended = false;
  private pending: Buffer | null = null;

  // response parsing: the requests sent on this connection, oldest first
  private readonly expectedMethods: string[] = [];
  private readonly expectedUpgrades: boolean[] = [];

  constructor(
    readonly kind: H1MessageKind,
    limits: Partial<H1Limits> | undefined,
    private readonly cb: H1ParserCallbacks,
  ) {
    this.limits = { ...DEFAULT_H1_LIMITS, ...limits };
    this.lineEnds = new Int32Array(this.limits.maxHeaderCount + 2);
    this.chunkLine = new ChunkLineDecoder(this.limits.maxChunkExtensionBytes);
  }

  /**
   * Response parser only: a request was sent on this connection. Responses are matched to
   * requests in order; the method decides HEAD/CONNECT framing, `upgrade` whether a 101 is
   * acceptable. A response with no request outstanding is an error (UNSOLICITED_RESPONSE).
   */
  expectResponse(method: string, upgrade = false): void {
    this.expectedMethods.push(method);
    this.expectedUpgrades.push(upgrade);
  }

  /**
   * Feeds bytes. Never throws for bad input (errors go to onError); callbacks may throw.
   * Bytes kept for later (a split head, input while paused) are copied, so the caller may
   * reuse `chunk` once this returns; only the views passed to onBody and onUpgrade during the
   * call point into it.
   */
  execute(chunk: Buffer): void {
    if (this.state === DEAD) return;
    if (this.state === UPGRADED) {
      this.cb.onUpgrade(chunk);
      return;
    }
    if (this.running || this.paused) {
      // Copied: the caller may reuse its buffer once execute() returns.
      this.pending = this.pending === null ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
      return;
    }
    this.drive(chunk);
  }

  /** Stop calling back after the current callback; bytes fed meanwhile are kept. */
  pause(): void {
    this.paused = true;
  }

  /** Continue with the kept bytes (callbacks run before resume() returns). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.running) return; // paused and resumed within one callback
    const buf = this.pending ?? EMPTY;
    this.pending = null;
    this.drive(buf);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * The peer closed its side. Completes a read-until-close response; a message cut short
   * is an INCOMPLETE_MESSAGE error. The parser takes no more input afterwards.
   */
  finish(): void {
    if (this.running || this.paused) {
      this.ended = true;
      return;
    }
    const state = this.state;
    this.state = DEAD;
    if (state === BODY_EOF) this.cb.onMessageComplete();
    else if (state !== IDLE && state !== IDLE_CR && state !== UPGRADED && state !== DEAD) {
      this.state = state;
      this.fail('INCOMPLETE_MESSAGE');
    }
  }

  /**
   * After onUpgrade, when the upgrade did not happen (e.g. the upstream answered an Upgrade
   * request without 101): parse HTTP again; feed the bytes onUpgrade received via execute().
   */
  reset(): void {
    if (this.state !== UPGRADED) throw new Error(`H1Parser.reset() is only valid after onUpgrade (state ${this.state})`);
    this.state = IDLE;
    this.emptyLines = 0;
  }

  private drive(first: Buffer): void {
    this.running = true;
    try {
      let buf = first;
      while (true) {
        this.run(buf);
        if (this.paused || this.pending === null || this.state === DEAD || this.state === UPGRADED) break;
        buf = this.pending;
        this.pending = null;
      }
    } finally {
      this.running = false;
    }
    if (this.ended && !this.paused) {
      this.ended = false;
      this.finish();
    }
  }

  private run(buf: Buffer): void {
    const end = buf.length;
    const cb = this.cb;
    let pos = 0;
    loop: while (!this.paused) {
      switch (this.state) {
        case IDLE: {
          if (pos >= end) break loop;
          const c = buf[pos]!;
          if (c === CR) {
            if (++this.emptyLines > this.limits.maxLeadingEmptyLines) return void this.fail('TOO_MANY_EMPTY_LINES');
            this.state = IDLE_CR;
            pos++;
            continue;
          }
          if (c === LF) return void this.fail('BARE_LF');
          if (this.kind === 'response' && this.expectedMethods.length === 0) return void this.fail('UNSOLICITED_RESPONSE');
          this.head = new MessageHead();
          this.secScan = this.secLineStart = this.secLines = 0;
          this.accLen = 0;
          this.state = HEAD;
          cb.onMessageBegin?.();
          continue;
        }
        case IDLE_CR:
          if (pos >= end) break loop;
          if (buf[pos] !== LF) return void this.fail('BARE_CR');
          pos++;
          this.state = IDLE;
          continue;
        case HEAD:
        case TRAILERS: {
          if (pos >= end) break loop;
          const isHead = this.state === HEAD;
          if (this.accLen === 0) {
            const r = this.scan(buf, pos, end, isHead);
            if (r === -2) return;
            if (r === -1) {
              this.stash(buf, pos, end);
              break loop;
            }
            const ok = isHead ? this.finishHead(buf, pos, end - pos - r) : this.finishTrailers(buf, pos);
            if (!ok) return;
            pos += r;
          } else {
            const before = this.accLen;
            const n = this.stash(buf, pos, end);
            const r = this.scan(this.acc, 0, this.accLen, isHead);
            if (r === -2) return;
            if (r === -1) {
              pos += n;
              continue;
            }
            this.accLen = 0;
            const acc = this.acc;
            // a head that needed a big buffer is rare: do not keep 60 KiB per idle connection
            if (acc.length > RETAINED_HEAD_BUFFER) this.acc = EMPTY;
            const ok = isHead ? this.finishHead(acc, 0, end - pos - (r - before)) : this.finishTrailers(acc, 0);
            if (!ok) return;
            pos += r - before;
          }
          continue;
        }
        case BODY_LENGTH:
        case CHUNK_DATA: {
          if (pos >= end) break loop;
          const avail = end - pos;
          let slice: Buffer;
          if (avail <= this.remaining) {
            slice = pos === 0 ? buf : buf.subarray(pos);
            this.remaining -= avail;
            pos = end;
          } else {
            slice = buf.subarray(pos, pos + this.remaining);
            pos += this.remaining;
            this.remaining = 0;
          }
          if (this.remaining === 0) this.state = this.state === BODY_LENGTH ? COMPLETE : CHUNK_CR;
          if (cb.onBody(slice) === 'pause') this.paused = true;
          continue;
        }
        case CHUNK_CR:
          if (pos >= end) break loop;
          if (buf[pos] !== CR) return void this.fail('MISSING_CHUNK_CRLF');
          pos++;
          this.state = CHUNK_LF;
          continue;
        case CHUNK_LF:
          if (pos >= end) break loop;
          if (buf[pos] !== LF) return void this.fail('MISSING_CHUNK_CRLF');
          pos++;
          this.state = CHUNK_LINE;
          continue;
        case CHUNK_LINE: {
          if (pos >= end) break loop;
          const line = this.chunkLine;
          const r = line.feed(buf, pos, end);
          if (r === -2) return void this.fail(line.error ?? 'INVALID_CHUNK_SIZE');
          if (r === -1) break loop;
          pos = r;
          const size = line.size;
          line.resetLine();
          if (size === 0) {
            this.secScan = this.secLineStart = this.secLines = 0;
            this.accLen = 0;
            this.state = TRAILERS;
          } else {
            this.bodyBytes += size;
            if (this.bodyBytes > this.limits.maxBodyBytes) return void this.fail('BODY_TOO_LARGE');
            this.remaining = size;
            this.state = CHUNK_DATA;
          }
          continue;
        }
        case BODY_EOF: {
          if (pos >= end) break loop;
          const allowed = this.limits.maxBodyBytes - this.bodyBytes;
          if (allowed <= 0) return void this.fail('BODY_TOO_LARGE');
          // up to the limit, then fail: the bytes delivered do not depend on how reads split
          const n = Math.min(end - pos, allowed);
          const slice = pos === 0 && n === end ? buf : buf.subarray(pos, pos + n);
          this.bodyBytes += n;
          pos += n;
          if (cb.onBody(slice) === 'pause') this.paused = true;
          continue;
        }
        case COMPLETE: {
          const head = this.head;
          this.state = head.upgrade ? UPGRADE_PENDING : IDLE;
          this.emptyLines = 0;
          // a final response (or the 101 that ends HTTP on this connection) answers the oldest request
          if (this.kind === 'response' && (head.statusCode >= 200 || head.upgrade)) {
            this.expectedMethods.shift();
            this.expectedUpgrades.shift();
          }
          if (cb.onMessageComplete() === 'pause') this.paused = true;
          continue;
        }
        case UPGRADE_PENDING: {
          let rest = pos >= end ? EMPTY : buf.subarray(pos);
          if (this.pending !== null) {
            rest = rest.length === 0 ? this.pending : Buffer.concat([rest, this.pending]);
            this.pending = null;
          }
          this.state = UPGRADED;
          cb.onUpgrade(rest);
          return;
        }
        default: // UPGRADED, DEAD
          return;
      }
    }
    if (this.paused && pos < end) {
      const rest = buf.subarray(pos);
      this.pending = this.pending === null ? Buffer.from(rest) : Buffer.concat([rest, this.pending]);
    }
  }

  /**
   * Finds the blank line ending a head or trailer section in buf[base, end), resuming from
   * the scan state. Returns the section length (past the blank line's LF), -1 if more bytes
   * are needed, -2 after failing.
   */
  private scan(buf: Buffer, base: number, end: number, isHead: boolean): number {
    const { maxHeaderBytes, maxStartLineBytes } = this.limits;
    const maxLines = this.limits.maxHeaderCount + (isHead ? 1 : 0);
    const startLineCode: H1ErrorCode = this.kind === 'request' ? 'REQUEST_LINE_TOO_LONG' : 'HEADERS_TOO_LARGE';
    let lineStart = this.secLineStart;
    let lines = this.secLines;
    let from = base + this.secScan;
    while (true) {
      const lf = buf.indexOf(LF, from);
      if (lf < 0 || lf >= end) {
        const have = end - base;
        this.secScan = have;
        this.secLineStart = lineStart;
        this.secLines = lines;
        if (isHead && lines === 0 && have - 1 > maxStartLineBytes) return this.fail(startLineCode);
        if (have >= maxHeaderBytes) return this.fail('HEADERS_TOO_LARGE');
        return -1;
      }
      const rel = lf - base;
      if (rel === lineStart || buf[lf - 1] !== CR) return this.fail('BARE_LF');
      const cr = rel - 1;
      if (isHead && lines === 0 && cr > maxStartLineBytes) return this.fail(startLineCode);
      if (rel + 1 > maxHeaderBytes) return this.fail('HEADERS_TOO_LARGE');
      if (cr === lineStart) {
        this.secLines = lines;
        return rel + 1;
      }
      if (lines >= maxLines) return this.fail('TOO_MANY_HEADERS');
      this.lineEnds[lines++] = cr;
      lineStart = rel + 1;
      from = lf + 1;
    }
  }

  /** Appends buf[pos, end) to the section buffer, at most up to the head limit. Returns bytes taken. */
  private stash(buf: Buffer, pos: number, end: number): number {
    const n = Math.min(end - pos, this.limits.maxHeaderBytes - this.accLen);
    const need = this.accLen + n;
    if (need > this.acc.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(need, this.acc.length * 2, 1024), this.limits.maxHeaderBytes));
      this.acc.copy(grown, 0, 0, this.accLen);
      this.acc = grown;
    }
    buf.copy(this.acc, this.accLen, pos, pos + n);
    this.accLen += n;
    return n;
  }

  /** `after`: bytes of the current read that follow the head. */
  private finishHead(buf: Buffer, base: number, after: number): boolean {
    const head = this.head;
    const lines = this.secLines;
    const str = latin1(buf, base, base + this.lineEnds[lines - 1]!);
    const lineEnd = this.lineEnds[0]!;
    let err = this.kind === 'request' ? parseRequestLine(buf, base, str, lineEnd, head) : parseStatusLine(buf, base, str, lineEnd, head);
    if (err === undefined) err = parseFieldLines(buf, base, str, this.lineEnds, 1, lines, head.headers, head.known);
    if (err === undefined) err = this.kind === 'request' ? this.requestFraming(head) : this.responseFraming(head);
    if (err !== undefined) {
      this.fail(err);
      return false;
    }
    this.bodyBytes = 0;
    switch (head.framing) {
      case 'none':
        this.state = COMPLETE;
        head.restInRead = true;
        break;
      case 'length':
        this.remaining = head.contentLength;
        this.state = BODY_LENGTH;
        head.restInRead = after >= head.contentLength;
        break;
      case 'chunked':
        this.chunkLine.resetMessage();
        this.state = CHUNK_LINE;
        break;
      case 'eof':
        this.state = BODY_EOF;
        break;
    }
    this.cb.onHead(head);
    return true;
  }

  private finishTrailers(buf: Buffer, base: number): boolean {
    const lines = this.secLines;
    this.state = COMPLETE;
    if (lines === 0) return true;
    const trailers: string[] = [];
    const str = latin1(buf, base, base + this.lineEnds[lines - 1]!);
    const err = parseFieldLines(buf, base, str, this.lineEnds, 0, lines, trailers, undefined);
    if (err !== undefined) {
      this.fail(err);
      return false;
    }
    this.cb.onTrailers?.(trailers);
    return true;
  }

  /** RFC 9112 §6.3 for requests, plus Host (§3.2) and CONNECT (RFC 9110 §9.3.6). */
  private requestFraming(head: MessageHead): H1ErrorCode | undefined {
    const k = head.known;
    if (k.hostCount > 1) return 'MULTIPLE_HOST';
    if (k.hostCount === 0) {
      if (head.versionMinor === 1) return 'MISSING_HOST';
    } else if (!isValidHost(k.host!)) return 'INVALID_HOST';
    const err = this.bodyFraming(head, true);
    if (err !== undefined) return err;
    const flags = connectionFlags(k.connection);
    head.keepAlive = head.versionMinor === 1 ? (flags & CONN_CLOSE) === 0 : (flags & (CONN_KEEP_ALIVE | CONN_CLOSE)) === CONN_KEEP_ALIVE;
    if (head.method === 'CONNECT') {
      if (head.framing !== 'none') return 'CONNECT_WITH_BODY';
      head.upgrade = true;
    } else {
      head.upgrade = head.versionMinor === 1 && k.upgrade !== undefined && (flags & CONN_UPGRADE) !== 0;
    }
    return undefined;
  }

  /** RFC 9112 §6.3 for responses, given the request each answers. */
  private responseFraming(head: MessageHead): H1ErrorCode | undefined {
    const status = head.statusCode;
    const method = this.expectedMethods[0]!;
    const flags = connectionFlags(head.known.connection);
    head.keepAlive = head.versionMinor === 1 ? (flags & CONN_CLOSE) === 0 : (flags & (CONN_KEEP_ALIVE | CONN_CLOSE)) === CONN_KEEP_ALIVE;
    if (status < 200) {
      // interim response: no body, the final response is still to come
      if (status === 101) {
        if (this.expectedUpgrades[0] !== true) return 'UNEXPECTED_SWITCHING_PROTOCOLS';
        head.upgrade = true;
      }
      head.framing = 'none';
      return undefined;
    }
    if (method === 'CONNECT' && status < 300) {
      head.upgrade = true;
      head.framing = 'none';
      return undefined;
    }
    const err = this.bodyFraming(head, false);
    if (err !== undefined) return err;
    if (method === 'HEAD' || status === 204 || status === 304) {
      // no content whatever the fields say (a Content-Length here describes the GET / 200
      // representation and stays in head.known.contentLength)
      head.framing = 'none';
      head.contentLength = 0;
    } else if (head.framing === 'eof') {
      head.keepAlive = false;
    }
    return undefined;
  }

  /**
   * Transfer-Encoding / Content-Length → framing. Both present is an error (a request must be
   * rejected; for responses RFC 9112 §6.3 allows it as an error and we take that option, as
   * Envoy does). Only a lone `chunked` is accepted: other codings are 501 (requests) / 502.
   */
  private bodyFraming(head: MessageHead, isRequest: boolean): H1ErrorCode | undefined {
    const k = head.known;
    if (k.transferEncoding !== undefined) {
      if (k.contentLength !== undefined) return 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING';
      if (head.versionMinor === 0) return 'TRANSFER_ENCODING_IN_HTTP10';
      switch (parseTransferEncoding(k.transferEncoding)) {
        case TransferCoding.Chunked:
          head.framing = 'chunked';
          head.contentLength = -1;
          return undefined;
        case TransferCoding.ChunkedNotFinal:
          return 'CHUNKED_NOT_FINAL';
        case TransferCoding.Invalid:
          return 'INVALID_TRANSFER_ENCODING';
        default:
          return 'UNSUPPORTED_TRANSFER_ENCODING';
      }
    }
    if (k.contentLength !== undefined) {
      const n = parseContentLength(k.contentLength);
      if (n === -1) return 'INVALID_CONTENT_LENGTH';
      if (n === -2) return 'CONFLICTING_CONTENT_LENGTH';
      if (n > this.limits.maxBodyBytes) return 'BODY_TOO_LARGE';
      head.contentLength = n;
      head.framing = n === 0 ? 'none' : 'length';
      return undefined;
    }
    head.contentLength = isRequest ? 0 : -1;
    head.framing = isRequest ? 'none' : 'eof';
    return undefined;
  }

  private fail(code: H1ErrorCode): -2 {
    if (this.state !== DEAD) {
      this.state = DEAD;
      this.pending = null;
      this.cb.onError(new H1ParseError(code, this.kind, describe(code)));
    }
    return -2;
  }
}

const DESCRIPTIONS: Record<H1ErrorCode, string> = {
  INVALID_METHOD: 'method is not a token followed by a single SP',
  INVALID_TARGET: 'request-target has a forbidden byte or does not fit the method (origin/absolute/authority/asterisk form)',
  INVALID_VERSION: 'HTTP-version is not HTTP/DIGIT.DIGIT',
  UNSUPPORTED_VERSION: 'only HTTP/1.x is spoken here',
  INVALID_STATUS_LINE: 'status-line is not HTTP-version SP 3DIGIT [SP reason]',
  REQUEST_LINE_TOO_LONG: 'request-line longer than the limit',
  TOO_MANY_EMPTY_LINES: 'too many empty lines before the start line',
  BARE_LF: 'LF without CR where CRLF is required',
  BARE_CR: 'CR not followed by LF',
  INVALID_HEADER_NAME: 'field name is not a token',
  WHITESPACE_BEFORE_COLON: 'whitespace between field name and colon',
  WHITESPACE_AFTER_START_LINE: 'whitespace at the start of the first field line',
  OBS_FOLD: 'obsolete line folding',
  INVALID_HEADER_VALUE: 'control character in a field value',
  HEADERS_TOO_LARGE: 'header section larger than the limit',
  TOO_MANY_HEADERS: 'more field lines than the limit',
  MISSING_HOST: 'HTTP/1.1 request without Host',
  MULTIPLE_HOST: 'more than one Host field line',
  INVALID_HOST: 'Host value is not a host[:port]',
  INVALID_CONTENT_LENGTH: 'Content-Length is not 1*DIGIT (or is too large)',
  CONFLICTING_CONTENT_LENGTH: 'Content-Length values differ',
  CONTENT_LENGTH_WITH_TRANSFER_ENCODING: 'both Content-Length and Transfer-Encoding',
  TRANSFER_ENCODING_IN_HTTP10: 'Transfer-Encoding in an HTTP/1.0 message',
  CHUNKED_NOT_FINAL: 'chunked is not the final transfer coding, or is applied twice',
  INVALID_TRANSFER_ENCODING: 'Transfer-Encoding is not a list of transfer codings',
  UNSUPPORTED_TRANSFER_ENCODING: 'transfer coding other than chunked',
  CONNECT_WITH_BODY: 'CONNECT request with content',
  BODY_TOO_LARGE: 'body larger than the limit',
  INVALID_CHUNK_SIZE: 'chunk size is not 1*HEXDIG',
  CHUNK_SIZE_TOO_LARGE: 'chunk size above 2^53-1',
  INVALID_CHUNK_EXTENSION: 'malformed chunk extension',
  CHUNK_EXTENSIONS_TOO_LARGE: 'chunk extensions larger than the limit',
  MISSING_CHUNK_CRLF: 'chunk data not followed by CRLF',
  INCOMPLETE_MESSAGE: 'connection closed in the middle of a message',
  UNSOLICITED_RESPONSE: 'response with no request outstanding',
  UNEXPECTED_SWITCHING_PROTOCOLS: '101 to a request that did not ask to upgrade',
};

function describe(code: H1ErrorCode): string {
  return DESCRIPTIONS[code];
}
