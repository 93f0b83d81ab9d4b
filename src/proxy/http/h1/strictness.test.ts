// The codec's rejection rules — its request-smuggling defence. Each case is parsed whole and
// one byte at a time; both must fail with the same code and the status the proxy answers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bytewise, record, recordOne } from '../../../../test/fuzz/h1/recorder.js';
import type { H1Limits } from './parser.js';

interface Case {
  name: string;
  input: string;
  code: string;
  status: number;
  limits?: Partial<H1Limits>;
}

const H = 'Host: a\r\n';
const post = (fields: string, body = ''): string => `POST / HTTP/1.1\r\n${H}${fields}\r\n${body}`;
const chunked = (body: string): string => post('Transfer-Encoding: chunked\r\n', body);

const requestCases: Case[] = [
  // framing: Content-Length / Transfer-Encoding (RFC 9112 §6)
  { name: 'CL with TE (CL.TE / TE.CL)', input: post('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'), code: 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING', status: 400 },
  { name: 'TE with CL, TE first', input: post('Transfer-Encoding: chunked\r\nContent-Length: 4\r\n', '0\r\n\r\n'), code: 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING', status: 400 },
  { name: 'two different CL lines', input: post('Content-Length: 5\r\nContent-Length: 6\r\n', 'hello!'), code: 'CONFLICTING_CONTENT_LENGTH', status: 400 },
  { name: 'CL list with different values', input: post('Content-Length: 5, 6\r\n', 'hello!'), code: 'CONFLICTING_CONTENT_LENGTH', status: 400 },
  { name: 'non-numeric CL', input: post('Content-Length: abc\r\n'), code: 'INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'negative CL', input: post('Content-Length: -1\r\n'), code: 'INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'signed CL', input: post('Content-Length: +5\r\n', 'hello'), code: 'INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'fractional CL', input: post('Content-Length: 5.0\r\n', 'hello'), code: 'INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'hex CL', input: post('Content-Length: 0x5\r\n', 'hello'), code: 'INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'empty CL', input: post('Content-Length:\r\n'), code: 'INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'CL list with empty element', input: post('Content-Length: 5,\r\n', 'hello'), code: 'INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'CL with space inside the number', input: post('Content-Length: 1 0\r\n', 'hello'), code: 'INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'CL above 2^53-1', input: post('Content-Length: 99999999999999999999\r\n'), code: 'INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'TE xchunked', input: post('Transfer-Encoding: xchunked\r\n'), code: 'UNSUPPORTED_TRANSFER_ENCODING', status: 501 },
  { name: 'TE identity', input: post('Transfer-Encoding: identity\r\n'), code: 'UNSUPPORTED_TRANSFER_ENCODING', status: 501 },
  { name: 'TE gzip, chunked', input: post('Transfer-Encoding: gzip, chunked\r\n', '0\r\n\r\n'), code: 'UNSUPPORTED_TRANSFER_ENCODING', status: 501 },
  { name: 'TE chunked, identity', input: post('Transfer-Encoding: chunked, identity\r\n', '0\r\n\r\n'), code: 'CHUNKED_NOT_FINAL', status: 400 },
  { name: 'TE chunked then a second TE line', input: post('Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n', '0\r\n\r\n'), code: 'CHUNKED_NOT_FINAL', status: 400 },
  { name: 'TE chunked twice', input: post('Transfer-Encoding: chunked, chunked\r\n', '0\r\n\r\n'), code: 'CHUNKED_NOT_FINAL', status: 400 },
  { name: 'TE chunked with a parameter', input: post('Transfer-Encoding: chunked;q=1\r\n', '0\r\n\r\n'), code: 'INVALID_TRANSFER_ENCODING', status: 400 },
  { name: 'TE with a quoted coding', input: post('Transfer-Encoding: "chunked"\r\n', '0\r\n\r\n'), code: 'INVALID_TRANSFER_ENCODING', status: 400 },
  { name: 'TE empty', input: post('Transfer-Encoding: \r\n'), code: 'INVALID_TRANSFER_ENCODING', status: 400 },
  { name: 'TE with vertical tab', input: post('Transfer-Encoding: \x0bchunked\r\n', '0\r\n\r\n'), code: 'INVALID_HEADER_VALUE', status: 400 },
  { name: 'TE in HTTP/1.0', input: 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', code: 'TRANSFER_ENCODING_IN_HTTP10', status: 400 },
  { name: 'CONNECT with content', input: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nContent-Length: 2\r\n\r\nhi', code: 'CONNECT_WITH_BODY', status: 400 },
  { name: 'CL over maxBodyBytes', input: post('Content-Length: 11\r\n', 'hello world'), code: 'BODY_TOO_LARGE', status: 413, limits: { maxBodyBytes: 10 } },
  { name: 'chunked over maxBodyBytes', input: chunked('6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n'), code: 'BODY_TOO_LARGE', status: 413, limits: { maxBodyBytes: 10 } },

  // field lines (RFC 9112 §5, §2.2)
  { name: 'obs-fold', input: `GET / HTTP/1.1\r\n${H}X-Long: a\r\n b\r\n\r\n`, code: 'OBS_FOLD', status: 400 },
  { name: 'obs-fold with tab', input: `GET / HTTP/1.1\r\n${H}X-Long: a\r\n\tb\r\n\r\n`, code: 'OBS_FOLD', status: 400 },
  { name: 'whitespace before the first field line', input: 'GET / HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: a\r\n\r\n', code: 'WHITESPACE_AFTER_START_LINE', status: 400 },
  { name: 'SP between name and colon', input: `GET / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n`, code: 'WHITESPACE_BEFORE_COLON', status: 400 },
  { name: 'HTAB between name and colon', input: `GET / HTTP/1.1\r\n${H}Content-Length\t: 0\r\n\r\n`, code: 'WHITESPACE_BEFORE_COLON', status: 400 },
  { name: 'field line without colon', input: `GET / HTTP/1.1\r\n${H}NoColon\r\n\r\n`, code: 'INVALID_HEADER_NAME', status: 400 },
  { name: 'empty field name', input: `GET / HTTP/1.1\r\n${H}: value\r\n\r\n`, code: 'INVALID_HEADER_NAME', status: 400 },
  { name: 'non-token name char', input: `GET / HTTP/1.1\r\n${H}X(a): 1\r\n\r\n`, code: 'INVALID_HEADER_NAME', status: 400 },
  { name: 'obs-text in name', input: `GET / HTTP/1.1\r\n${H}X\xe9: 1\r\n\r\n`, code: 'INVALID_HEADER_NAME', status: 400 },
  { name: 'NUL in name', input: `GET / HTTP/1.1\r\n${H}X\x00Y: 1\r\n\r\n`, code: 'INVALID_HEADER_NAME', status: 400 },
  { name: 'NUL in value', input: `GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`, code: 'INVALID_HEADER_VALUE', status: 400 },
  { name: 'control char in value', input: `GET / HTTP/1.1\r\n${H}X: a\x01b\r\n\r\n`, code: 'INVALID_HEADER_VALUE', status: 400 },
  { name: 'DEL in value', input: `GET / HTTP/1.1\r\n${H}X: a\x7fb\r\n\r\n`, code: 'INVALID_HEADER_VALUE', status: 400 },
  { name: 'bare CR in value', input: `GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`, code: 'BARE_CR', status: 400 },
  { name: 'bare LF ending a field line', input: `GET / HTTP/1.1\r\n${H}X: a\nY: b\r\n\r\n`, code: 'BARE_LF', status: 400 },
  { name: 'bare LF ending the head', input: `GET / HTTP/1.1\r\n${H}\n`, code: 'BARE_LF', status: 400 },
  { name: 'LF-only head', input: 'GET / HTTP/1.1\nHost: a\n\n', code: 'BARE_LF', status: 400 },
  { name: 'bare LF before the request-line', input: `\nGET / HTTP/1.1\r\n${H}\r\n`, code: 'BARE_LF', status: 400 },
  { name: 'bare CR before the request-line', input: `\rGET / HTTP/1.1\r\n${H}\r\n`, code: 'BARE_CR', status: 400 },
  { name: 'more fields than maxHeaderCount', input: `GET / HTTP/1.1\r\n${H}A: 1\r\nB: 2\r\n\r\n`, code: 'TOO_MANY_HEADERS', status: 431, limits: { maxHeaderCount: 2 } },
  { name: 'head over maxHeaderBytes', input: `GET / HTTP/1.1\r\n${H}X: ${'v'.repeat(200)}\r\n\r\n`, code: 'HEADERS_TOO_LARGE', status: 431, limits: { maxHeaderBytes: 128 } },
  { name: 'head over the default 60 KiB', input: `GET / HTTP/1.1\r\n${H}X: ${'v'.repeat(61 * 1024)}\r\n\r\n`, code: 'HEADERS_TOO_LARGE', status: 431 },

  // Host (RFC 9112 §3.2)
  { name: 'HTTP/1.1 without Host', input: 'GET / HTTP/1.1\r\n\r\n', code: 'MISSING_HOST', status: 400 },
  { name: 'absolute-form without Host', input: 'GET http://a/ HTTP/1.1\r\n\r\n', code: 'MISSING_HOST', status: 400 },
  { name: 'two Host lines', input: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', code: 'MULTIPLE_HOST', status: 400 },
  { name: 'two identical Host lines', input: 'GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n', code: 'MULTIPLE_HOST', status: 400 },
  { name: 'Host with a space', input: 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', code: 'INVALID_HOST', status: 400 },
  { name: 'Host with a path', input: 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', code: 'INVALID_HOST', status: 400 },
  { name: 'Host with userinfo', input: 'GET / HTTP/1.1\r\nHost: u@a\r\n\r\n', code: 'INVALID_HOST', status: 400 },

  // request-line (RFC 9112 §3)
  { name: 'non-token method', input: `G(T / HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_METHOD', status: 400 },
  { name: 'NUL in method', input: `GE\x00T / HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_METHOD', status: 400 },
  { name: 'request-line starts with SP', input: ` GET / HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_METHOD', status: 400 },
  { name: 'two SPs after the method', input: `GET  / HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_TARGET', status: 400 },
  { name: 'HTAB as separator', input: `GET\t/ HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_METHOD', status: 400 },
  { name: 'space in target', input: `GET /a b HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_VERSION', status: 400 },
  { name: 'control char in target', input: `GET /a\x01b HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_TARGET', status: 400 },
  { name: 'NUL in target', input: `GET /\x00 HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_TARGET', status: 400 },
  { name: 'fragment in target', input: `GET /admin#/public HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_TARGET', status: 400 },
  { name: 'raw UTF-8 in target', input: `GET /caf\xc3\xa9 HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_TARGET', status: 400 },
  { name: 'asterisk-form for GET', input: `GET * HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_TARGET', status: 400 },
  { name: 'relative target', input: `GET a/b HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_TARGET', status: 400 },
  { name: 'CONNECT with origin-form', input: `CONNECT / HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_TARGET', status: 400 },
  { name: 'CONNECT without port', input: `CONNECT a.example HTTP/1.1\r\n${H}\r\n`, code: 'INVALID_TARGET', status: 400 },
  { name: 'HTTP/0.9 request-line', input: 'GET /\r\n\r\n', code: 'INVALID_VERSION', status: 400 },
  { name: 'lower-case version', input: `GET / http/1.1\r\n${H}\r\n`, code: 'INVALID_VERSION', status: 400 },
  { name: 'version without minor', input: `GET / HTTP/1\r\n${H}\r\n`, code: 'INVALID_VERSION', status: 400 },
  { name: 'two-digit minor', input: `GET / HTTP/1.10\r\n${H}\r\n`, code: 'INVALID_VERSION', status: 400 },
  { name: 'trailing SP after version', input: `GET / HTTP/1.1 \r\n${H}\r\n`, code: 'INVALID_VERSION', status: 400 },
  { name: 'bare CR ending the request-line', input: `GET / HTTP/1.1\r${H}\r\n`, code: 'INVALID_VERSION', status: 400 },
  { name: 'bare LF ending the request-line', input: `GET / HTTP/1.1\n${H}\r\n`, code: 'BARE_LF', status: 400 },
  { name: 'HTTP/2.0', input: `GET / HTTP/2.0\r\n${H}\r\n`, code: 'UNSUPPORTED_VERSION', status: 505 },
  { name: 'HTTP/0.9 with a version', input: `GET / HTTP/0.9\r\n${H}\r\n`, code: 'UNSUPPORTED_VERSION', status: 505 },
  { name: 'request-line over the limit', input: `GET /${'a'.repeat(100)} HTTP/1.1\r\n${H}\r\n`, code: 'REQUEST_LINE_TOO_LONG', status: 414, limits: { maxStartLineBytes: 64 } },
  { name: 'request-line over the default 8 KiB', input: `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`, code: 'REQUEST_LINE_TOO_LONG', status: 414 },

  // chunked body (RFC 9112 §7.1)
  { name: 'non-hex chunk size', input: chunked('g\r\n'), code: 'INVALID_CHUNK_SIZE', status: 400 },
  { name: '0x chunk size', input: chunked('0x5\r\nhello\r\n0\r\n\r\n'), code: 'INVALID_CHUNK_SIZE', status: 400 },
  { name: 'negative chunk size', input: chunked('-5\r\nhello\r\n0\r\n\r\n'), code: 'INVALID_CHUNK_SIZE', status: 400 },
  { name: 'SP before chunk size', input: chunked(' 5\r\nhello\r\n0\r\n\r\n'), code: 'INVALID_CHUNK_SIZE', status: 400 },
  { name: 'SP after chunk size without extension', input: chunked('5 \r\nhello\r\n0\r\n\r\n'), code: 'INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'SP inside chunk size', input: chunked('5 0\r\n'), code: 'INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'underscore in chunk size', input: chunked('5_0\r\n'), code: 'INVALID_CHUNK_SIZE', status: 400 },
  { name: 'chunk size above 2^53-1', input: chunked('20000000000000\r\n'), code: 'CHUNK_SIZE_TOO_LARGE', status: 400 },
  { name: 'chunk size of 17 hex digits', input: chunked('fffffffffffffffff\r\n'), code: 'CHUNK_SIZE_TOO_LARGE', status: 400 },
  { name: 'empty chunk size line', input: chunked('\r\n'), code: 'INVALID_CHUNK_SIZE', status: 400 },
  { name: 'bare LF after chunk size', input: chunked('5\nhello\r\n0\r\n\r\n'), code: 'BARE_LF', status: 400 },
  { name: 'bare LF in chunk extension', input: chunked('5;a\nhello\r\n0\r\n\r\n'), code: 'BARE_LF', status: 400 },
  { name: 'bare CR after chunk size', input: chunked('5\rhello\r\n0\r\n\r\n'), code: 'BARE_CR', status: 400 },
  { name: 'empty extension name', input: chunked('5;\r\nhello\r\n0\r\n\r\n'), code: 'INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'extension value with SP inside', input: chunked('5;a=b c\r\nhello\r\n0\r\n\r\n'), code: 'INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'unterminated quoted extension', input: chunked('5;a="x\r\nhello\r\n0\r\n\r\n'), code: 'INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'control char in extension', input: chunked('5;a=\x01\r\nhello\r\n0\r\n\r\n'), code: 'INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'extensions over the limit', input: chunked(`5;a=${'x'.repeat(100)}\r\nhello\r\n0\r\n\r\n`), code: 'CHUNK_EXTENSIONS_TOO_LARGE', status: 400, limits: { maxChunkExtensionBytes: 64 } },
  { name: 'chunk data longer than its size', input: chunked('5\r\nhello!\r\n0\r\n\r\n'), code: 'MISSING_CHUNK_CRLF', status: 400 },
  { name: 'chunk data followed by bare LF', input: chunked('5\r\nhello\n0\r\n\r\n'), code: 'MISSING_CHUNK_CRLF', status: 400 },
  { name: 'chunk data followed by CR only', input: chunked('5\r\nhello\r0\r\n\r\n'), code: 'MISSING_CHUNK_CRLF', status: 400 },
  { name: 'obs-fold in trailers', input: chunked('0\r\nX: a\r\n b\r\n\r\n'), code: 'OBS_FOLD', status: 400 },
  { name: 'bare LF in trailers', input: chunked('0\r\nX: a\n\r\n'), code: 'BARE_LF', status: 400 },
  { name: 'bare LF ending trailers', input: chunked('0\r\n\n'), code: 'BARE_LF', status: 400 },
  { name: 'invalid trailer name', input: chunked('0\r\nX Y: a\r\n\r\n'), code: 'INVALID_HEADER_NAME', status: 400 },
];

const responseCases: Case[] = [
  { name: 'status-line without version', input: '200 OK\r\n\r\n', code: 'INVALID_STATUS_LINE', status: 502 },
  { name: 'two-digit status', input: 'HTTP/1.1 20 OK\r\n\r\n', code: 'INVALID_STATUS_LINE', status: 502 },
  { name: 'status 600', input: 'HTTP/1.1 600 Odd\r\n\r\n', code: 'INVALID_STATUS_LINE', status: 502 },
  { name: 'HTTP/2.0 status-line', input: 'HTTP/2.0 200 OK\r\n\r\n', code: 'UNSUPPORTED_VERSION', status: 502 },
  { name: 'control char in reason', input: 'HTTP/1.1 200 O\x01K\r\n\r\n', code: 'INVALID_STATUS_LINE', status: 502 },
  { name: 'CL with TE', input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', code: 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING', status: 502 },
  { name: 'differing CL', input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n', code: 'CONFLICTING_CONTENT_LENGTH', status: 502 },
  { name: 'TE gzip, chunked', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', code: 'UNSUPPORTED_TRANSFER_ENCODING', status: 502 },
  { name: 'TE in HTTP/1.0 response', input: 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', code: 'TRANSFER_ENCODING_IN_HTTP10', status: 502 },
  { name: 'obs-fold', input: 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n', code: 'OBS_FOLD', status: 502 },
  { name: 'bare LF', input: 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', code: 'BARE_LF', status: 502 },
  { name: 'status-line over the limit', input: `HTTP/1.1 200 ${'x'.repeat(100)}\r\n\r\n`, code: 'HEADERS_TOO_LARGE', status: 502, limits: { maxStartLineBytes: 64 } },
];

function check(kind: 'request' | 'response', c: Case): void {
  const options = { limits: c.limits, expect: kind === 'response' ? [['GET'] as [string]] : undefined, finish: false };
  const input = Buffer.from(c.input, 'latin1');
  const whole = recordOne(kind, input, options);
  assert.equal(whole.error?.code, c.code, `whole: ${c.name}`);
  assert.equal(whole.error?.status, c.status, `whole status: ${c.name}`);
  assert.ok(whole.messages.every((m) => !m.complete), 'no message completes before the error');
  const split = record(kind, bytewise(input), options);
  assert.equal(split.error?.code, c.code, `byte by byte: ${c.name}`);
}

describe('requests the codec rejects', () => {
  for (const c of requestCases) test(`${c.name} → ${c.status} ${c.code}`, () => check('request', c));
});

describe('responses the codec rejects (answered downstream with 502)', () => {
  for (const c of responseCases) test(`${c.name} → ${c.code}`, () => check('response', c));
});

describe('accepted on purpose', () => {
  const accepts = (input: string): void => {
    const r = recordOne('request', input);
    assert.equal(r.error, undefined, r.error?.message);
    assert.ok(r.messages[0]?.complete);
  };
  test('HTAB as OWS around a value', () => accepts(`GET / HTTP/1.1\r\n${H}X:\ta\t\r\n\r\n`));
  test('identical Content-Length duplicates', () => accepts(post('Content-Length: 5\r\ncontent-length: 5, 5\r\n', 'hello')));
  test('empty list elements in Transfer-Encoding', () => accepts(post('Transfer-Encoding: , chunked,\r\n', '0\r\n\r\n')));
  test('chunk extensions with BWS and quoted values', () => accepts(chunked('5 ; a = 1 ; b="x y" ;c\r\nhello\r\n0;last\r\n\r\n')));
  test('leading zeros in chunk sizes', () => accepts(chunked('0005\r\nhello\r\n0000\r\n\r\n')));
  test('a chunk size of 2^53-1 digits is parsed, not rejected', () => {
    const r = recordOne('request', chunked('1fffffffffffff\r\nab'));
    assert.equal(r.error, undefined);
    assert.equal(r.messages[0]!.body.toString(), 'ab');
  });
  test('empty Host in HTTP/1.1', () => accepts('GET / HTTP/1.1\r\nHost:\r\n\r\n'));
  test('IPv6 Host', () => accepts('GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n'));
  test('query with sub-delims and percent-encoding', () => accepts(`GET /a/b;c?x=%20&y=[1]&z=a|b HTTP/1.1\r\n${H}\r\n`));
});
