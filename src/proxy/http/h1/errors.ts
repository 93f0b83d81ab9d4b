// Errors of the HTTP/1.1 codec. Each carries a stable code and the status the proxy answers
// with: a request the parser rejects gets `status` (400, 413, 414, 431, 501, 505) and the
// downstream connection is then closed; an upstream response the parser rejects is answered
// downstream with 502 and the upstream connection is closed (RFC 9112 §6.3, §11.2).

export type H1ErrorCode =
  // start line
  | 'INVALID_METHOD'
  | 'INVALID_TARGET'
  | 'INVALID_VERSION'
  | 'UNSUPPORTED_VERSION'
  | 'INVALID_STATUS_LINE'
  | 'REQUEST_LINE_TOO_LONG'
  | 'TOO_MANY_EMPTY_LINES'
  // field lines
  | 'BARE_LF'
  | 'BARE_CR'
  | 'INVALID_HEADER_NAME'
  | 'WHITESPACE_BEFORE_COLON'
  | 'WHITESPACE_AFTER_START_LINE'
  | 'OBS_FOLD'
  | 'INVALID_HEADER_VALUE'
  | 'HEADERS_TOO_LARGE'
  | 'TOO_MANY_HEADERS'
  | 'MISSING_HOST'
  | 'MULTIPLE_HOST'
  | 'INVALID_HOST'
  // framing
  | 'INVALID_CONTENT_LENGTH'
  | 'CONFLICTING_CONTENT_LENGTH'
  | 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING'
  | 'TRANSFER_ENCODING_IN_HTTP10'
  | 'CHUNKED_NOT_FINAL'
  | 'INVALID_TRANSFER_ENCODING'
  | 'UNSUPPORTED_TRANSFER_ENCODING'
  | 'CONNECT_WITH_BODY'
  | 'BODY_TOO_LARGE'
  // chunked body
  | 'INVALID_CHUNK_SIZE'
  | 'CHUNK_SIZE_TOO_LARGE'
  | 'INVALID_CHUNK_EXTENSION'
  | 'CHUNK_EXTENSIONS_TOO_LARGE'
  | 'MISSING_CHUNK_CRLF'
  // connection level
  | 'INCOMPLETE_MESSAGE'
  | 'UNSOLICITED_RESPONSE'
  | 'UNEXPECTED_SWITCHING_PROTOCOLS';

/** Status the proxy answers a rejected request with, per code (400 unless listed). */
const REQUEST_STATUS: Partial<Record<H1ErrorCode, number>> = {
  UNSUPPORTED_VERSION: 505,
  REQUEST_LINE_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  TOO_MANY_HEADERS: 431,
  UNSUPPORTED_TRANSFER_ENCODING: 501,
  BODY_TOO_LARGE: 413,
};

export type H1MessageKind = 'request' | 'response';

export class H1ParseError extends Error {
  override readonly name = 'H1ParseError';
  /** The status the proxy should answer with: for requests 400/413/414/431/501/505, for responses 502. */
  readonly status: number;

  constructor(
    readonly code: H1ErrorCode,
    readonly kind: H1MessageKind,
    message: string,
  ) {
    super(`${kind} ${code}: ${message}`);
    this.status = kind === 'request' ? (REQUEST_STATUS[code] ?? 400) : 502;
  }
}

/** Thrown by the serializer for a header or start line that must not reach the wire (e.g. CR/LF injection). */
export class H1SerializeError extends Error {
  override readonly name = 'H1SerializeError';
  constructor(
    readonly code: 'INVALID_HEADER_NAME' | 'INVALID_HEADER_VALUE' | 'INVALID_START_LINE',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
