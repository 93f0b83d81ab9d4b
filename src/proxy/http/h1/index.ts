// The proxy's HTTP/1.1 codec: a strict incremental parser on net.Socket Buffers, the
// serializer, and the header helpers a proxy needs (hop-by-hop removal, framing). No node:http.
//
// Strictness — where RFC 9110/9112 leave a choice, the choice made and why. A proxy that is
// more lenient than the server behind it is how request smuggling happens, so the codec
// rejects what another hop could read differently, and normalizes what it forwards.
//  - Line endings: CRLF only. A bare LF (start line, fields, chunk lines, after chunk data,
//    trailers) or bare CR is a 400 (RFC 9112 §2.2 allows accepting LF; we do not).
//  - Up to 4 empty lines before a start line are skipped (§2.2 asks for at least one).
//  - Whitespace before the first field line, obs-fold, whitespace before the colon: 400.
//  - Field names are tokens; values may hold HTAB, SP, VCHAR and obs-text; NUL, other CTLs
//    and DEL are a 400.
//  - request-target: VCHAR only, no `#` (Envoy/HAProxy reject fragments, CVE-2023-45539), no
//    raw non-ASCII; its form must fit the method (authority-form iff CONNECT, `*` only for
//    OPTIONS). HTTP/1.0 and 1.1 are spoken; 1.2–1.9 are processed as 1.1 (RFC 9110 §6.2);
//    other majors are a 505, anything not `HTTP/D.D` a 400.
//  - Host: required in HTTP/1.1, at most one line, host[:port] characters only (§3.2).
//  - Content-Length: 1*DIGIT up to 2^53-1. Identical values, as repeated lines or a list
//    ("5, 5"), are accepted as one length and forwarded as one field (RFC 9110 §8.6, RFC 9112
//    §6.3 rule 5 — the option Envoy's header validator takes); differing ones are a 400.
//  - Transfer-Encoding and Content-Length together: a 400, for responses too (502) —
//    §6.3 lets a recipient treat it as an error, as Envoy does. Transfer-Encoding must be
//    exactly `chunked` (case-insensitive, empty list elements ignored): `chunked` not last or
//    twice is a 400, any other coding (xchunked, identity, gzip, chunked) a 501; in HTTP/1.0 a
//    400. A response with another coding is rejected (502) instead of read until close.
//  - Chunk lines follow the grammar exactly: 1*HEXDIG (at most 2^53-1), then extensions with
//    BWS only before `;`/`=`; extensions are ignored but validated and bounded (16 KiB per
//    message). Chunk data must be followed by CRLF.
//  - Limits: start line 8 KiB (414), head 60 KiB and 100 fields (431, Envoy's defaults),
//    optional body limit (413). A rejected response is answered 502.
//  - Connection may not nominate Content-Length or Host for removal (removeHopByHop).
//  - Responses are matched to requests (expectResponse): HEAD, 1xx, 204, 304 have no body; a
//    101 is only accepted for a request that asked to upgrade; 2xx to CONNECT is a tunnel.
//  - Status lines: 100–599; a missing SP after the code is tolerated (unambiguous).
export { H1Parser, DEFAULT_H1_LIMITS, type H1Limits, type H1ParserCallbacks } from './parser.js';
export { MessageHead, type BodyFraming } from './head.js';
export { H1ParseError, H1SerializeError, type H1ErrorCode, type H1MessageKind } from './errors.js';
export { KnownHeaders, getHeader, getHeaderAll, removeHopByHop, connectionOptions, type HopByHopOptions } from './headers.js';
export {
  serializeRequestHead,
  serializeResponseHead,
  chunkHeader,
  encodeChunk,
  lastChunk,
  CRLF,
  LAST_CHUNK,
  forwardFraming,
  applyFraming,
  pushFramingFields,
  reasonPhrase,
  type ForwardFraming,
} from './serializer.js';
