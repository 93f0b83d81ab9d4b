// The chunked transfer coding (RFC 9112 §7.1): an incremental decoder for the chunk-size
// line (the encoding helpers are in serializer.ts).
//
//   chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-size = 1*HEXDIG
//   chunk-ext  = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//
// Extensions are ignored but validated to the grammar: a lenient chunk line (bare LF, junk
// after the size, whitespace inside the size) is what chunk-based smuggling exploits
// ("funky chunks", CVE-2025-22871). Whitespace is only allowed where BWS is, i.e. when a
// `;` or `=` follows. The size must fit in 2^53-1.
import { CR, HEX, HTAB, LF, QDTEXT, SP, TOKEN } from './chars.js';
import type { H1ErrorCode } from './errors.js';

const S_FIRST_HEX = 0;
const S_SIZE = 1;
const S_BWS_BEFORE_SEMI = 2;
const S_BWS_BEFORE_NAME = 3;
const S_NAME = 4;
const S_BWS_AFTER_NAME = 5;
const S_BWS_BEFORE_VALUE = 6;
const S_VALUE = 7;
const S_QVALUE = 8;
const S_QPAIR = 9;
const S_AFTER_QVALUE = 10;
const S_LF = 11;

/** Largest size that can take one more hex digit without passing Number.MAX_SAFE_INTEGER. */
const MAX_BEFORE_SHIFT = 0x1ffffffffffff;
/** Leading zeros make a size line arbitrarily long; no real sender needs more digits. */
const MAX_SIZE_DIGITS = 32;

export class ChunkLineDecoder {
  /** The chunk size, valid once `feed` returned a position. */
  size = 0;
  /** Set when `feed` returned -2. */
  error: H1ErrorCode | undefined = undefined;
  private state = S_FIRST_HEX;
  private digits = 0;
  /** Extension bytes seen in this message; bounded by `maxExtensionBytes`. */
  private extensionBytes = 0;

  constructor(private readonly maxExtensionBytes: number) {}

  /** Start of a new message. */
  resetMessage(): void {
    this.extensionBytes = 0;
    this.resetLine();
  }

  resetLine(): void {
    this.state = S_FIRST_HEX;
    this.size = 0;
    this.digits = 0;
    this.error = undefined;
  }

  /**
   * Consumes bytes of a chunk-size line from buf[pos, end). Returns the index just after the
   * line's LF when the line is complete, -1 when more bytes are needed, -2 on error.
   */
  feed(buf: Buffer, pos: number, end: number): number {
    let state = this.state;
    let p = pos;
    for (; p < end; p++) {
      const c = buf[p]!;
      if (state === S_SIZE || state === S_FIRST_HEX) {
        const h = HEX[c]!;
        if (h >= 0) {
          if (this.size > MAX_BEFORE_SHIFT || ++this.digits > MAX_SIZE_DIGITS) return this.fail('CHUNK_SIZE_TOO_LARGE');
          this.size = this.size * 16 + h;
          state = S_SIZE;
          continue;
        }
        if (state === S_FIRST_HEX) return this.fail(c === LF ? 'BARE_LF' : 'INVALID_CHUNK_SIZE');
        if (c === CR) {
          state = S_LF;
          continue;
        }
        if (c === 0x3b) state = S_BWS_BEFORE_NAME;
        else if (c === SP || c === HTAB) state = S_BWS_BEFORE_SEMI;
        else return this.fail(c === LF ? 'BARE_LF' : 'INVALID_CHUNK_SIZE');
        if (++this.extensionBytes > this.maxExtensionBytes) return this.fail('CHUNK_EXTENSIONS_TOO_LARGE');
        continue;
      }
      if (state === S_LF) {
        if (c !== LF) return this.fail('BARE_CR');
        this.state = S_FIRST_HEX;
        return p + 1;
      }
      // inside chunk-ext
      if (++this.extensionBytes > this.maxExtensionBytes) return this.fail('CHUNK_EXTENSIONS_TOO_LARGE');
      const ows = c === SP || c === HTAB;
      switch (state) {
        case S_BWS_BEFORE_SEMI:
          if (c === 0x3b) state = S_BWS_BEFORE_NAME;
          else if (!ows) return this.failExt(c);
          break;
        case S_BWS_BEFORE_NAME:
          if (TOKEN[c] === 1) state = S_NAME;
          else if (!ows) return this.failExt(c);
          break;
        case S_NAME:
          if (TOKEN[c] === 1) break;
          if (c === 0x3d) state = S_BWS_BEFORE_VALUE;
          else if (c === 0x3b) state = S_BWS_BEFORE_NAME;
          else if (ows) state = S_BWS_AFTER_NAME;
          else if (c === CR) state = S_LF;
          else return this.failExt(c);
          break;
        case S_BWS_AFTER_NAME:
          if (c === 0x3d) state = S_BWS_BEFORE_VALUE;
          else if (c === 0x3b) state = S_BWS_BEFORE_NAME;
          else if (!ows) return this.failExt(c);
          break;
        case S_BWS_BEFORE_VALUE:
          if (TOKEN[c] === 1) state = S_VALUE;
          else if (c === 0x22) state = S_QVALUE;
          else if (!ows) return this.failExt(c);
          break;
        case S_VALUE:
          if (TOKEN[c] === 1) break;
          if (c === 0x3b) state = S_BWS_BEFORE_NAME;
          else if (ows) state = S_BWS_BEFORE_SEMI;
          else if (c === CR) state = S_LF;
          else return this.failExt(c);
          break;
        case S_QVALUE:
          if (c === 0x22) state = S_AFTER_QVALUE;
          else if (c === 0x5c) state = S_QPAIR;
          else if (QDTEXT[c] !== 1) return this.failExt(c);
          break;
        case S_QPAIR:
          if (c === HTAB || c === SP || (c >= 0x21 && c <= 0x7e) || c >= 0x80) state = S_QVALUE;
          else return this.failExt(c);
          break;
        case S_AFTER_QVALUE:
          if (c === 0x3b) state = S_BWS_BEFORE_NAME;
          else if (ows) state = S_BWS_BEFORE_SEMI;
          else if (c === CR) state = S_LF;
          else return this.failExt(c);
          break;
      }
    }
    this.state = state;
    return -1;
  }

  private failExt(c: number): number {
    return this.fail(c === LF ? 'BARE_LF' : 'INVALID_CHUNK_EXTENSION');
  }

  private fail(code: H1ErrorCode): number {
    this.error = code;
    return -2;
  }
}
