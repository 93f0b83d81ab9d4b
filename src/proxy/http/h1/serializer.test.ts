import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyFraming,
  chunkHeader,
  encodeChunk,
  forwardFraming,
  lastChunk,
  LAST_CHUNK,
  reasonPhrase,
  serializeRequestHead,
  serializeResponseHead,
} from './serializer.js';
import { H1SerializeError } from './errors.js';
import { removeHopByHop } from './headers.js';
import type { MessageHead } from './head.js';
import { recordOne } from '../../../../test/fuzz/h1/recorder.js';

const headOf = (kind: 'request' | 'response', input: string, method = 'GET'): MessageHead => {
  const r = recordOne(kind, input, { expect: [[method]] });
  assert.equal(r.error, undefined, r.error?.message);
  return r.messages[0]!.head!;
};

describe('serializeRequestHead / serializeResponseHead', () => {
  test('writes the start line, fields in order and the blank line', () => {
    const buf = serializeRequestHead('GET', '/a?b', ['Host', 'x', 'X-Id', '1']);
    assert.equal(buf.toString('latin1'), 'GET /a?b HTTP/1.1\r\nHost: x\r\nX-Id: 1\r\n\r\n');
    assert.equal(serializeResponseHead(200, 'OK', []).toString(), 'HTTP/1.1 200 OK\r\n\r\n');
    assert.equal(serializeResponseHead(404, '', [], 0).toString(), 'HTTP/1.0 404 Not Found\r\n\r\n');
  });

  test('round-trips through the parser, obs-text included', () => {
    const headers = ['Host', 'a.example', 'X-Latin', 'caf\xe9', 'Content-Length', '0'];
    const h = headOf('request', serializeRequestHead('POST', '/p', headers).toString('latin1'));
    assert.equal(h.method, 'POST');
    assert.deepEqual(h.headers, headers);
    const r = headOf('response', serializeResponseHead(201, 'Created', ['Content-Length', '0']).toString('latin1'));
    assert.equal(r.statusCode, 201);
    assert.equal(r.reason, 'Created');
  });

  test('refuses anything that would inject fields or break the start line', () => {
    const bad: Array<() => Buffer> = [
      () => serializeRequestHead('GET', '/', ['X', 'a\r\nInjected: 1']),
      () => serializeRequestHead('GET', '/', ['X', 'a\nb']),
      () => serializeRequestHead('GET', '/', ['X', 'a\x00b']),
      () => serializeRequestHead('GET', '/', ['X', '\u010aInjected: 1']), // latin1 would truncate U+010A to LF
      () => serializeRequestHead('GET', '/', ['X: y', 'v']),
      () => serializeRequestHead('GET', '/', ['', 'v']),
      () => serializeRequestHead('GET', '/', ['X']),
      () => serializeRequestHead('GE T', '/', []),
      () => serializeRequestHead('GET', '/a b', []),
      () => serializeRequestHead('GET', '/a\r\n', []),
      () => serializeRequestHead('GET', '', []),
      () => serializeResponseHead(200, 'OK\r\nX: 1', []),
      () => serializeResponseHead(99, 'x', []),
      () => lastChunk(['X', 'a\rb']),
    ];
    for (const f of bad) assert.throws(f, H1SerializeError);
  });
});

describe('chunked encoding', () => {
  test('chunk pieces, last-chunk and trailers', () => {
    assert.equal(chunkHeader(255).toString(), 'ff\r\n');
    assert.throws(() => chunkHeader(0), RangeError);
    assert.deepEqual(encodeChunk(Buffer.alloc(0)), []);
    const body = Buffer.concat([...encodeChunk(Buffer.from('hello')), ...encodeChunk(Buffer.from(' world')), lastChunk(['X-Sum', 'abc'])]);
    assert.equal(body.toString(), '5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: abc\r\n\r\n');
    assert.equal(lastChunk(), LAST_CHUNK);
    const r = recordOne('request', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${body.toString()}`);
    assert.equal(r.messages[0]!.body.toString(), 'hello world');
    assert.deepEqual(r.messages[0]!.trailers, ['X-Sum', 'abc']);
  });
});

describe('forwardFraming / applyFraming', () => {
  test('keeps a known length, normalizing duplicates', () => {
    const h = headOf('request', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc');
    const f = forwardFraming(h, 1);
    assert.deepEqual(f, { kind: 'length', length: 3 });
    assert.deepEqual(applyFraming(h.headers, f), ['Host', 'a', 'content-length', '3']);
  });

  test('Content-Length: 0 stays; a request without framing fields gets none', () => {
    assert.deepEqual(forwardFraming(headOf('request', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n'), 1), { kind: 'length', length: 0 });
    assert.deepEqual(forwardFraming(headOf('request', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'), 1), { kind: 'none' });
  });

  test('unknown length: chunked to HTTP/1.1, close (responses) or buffer (requests) for HTTP/1.0', () => {
    const req = headOf('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n');
    assert.deepEqual(forwardFraming(req, 1), { kind: 'chunked' });
    assert.deepEqual(forwardFraming(req, 0), { kind: 'buffer' });
    const res = headOf('response', 'HTTP/1.1 200 OK\r\n\r\n');
    assert.equal(res.framing, 'eof');
    assert.deepEqual(forwardFraming(res, 1), { kind: 'chunked' });
    const close = forwardFraming(res, 0);
    assert.deepEqual(close, { kind: 'close' });
    assert.deepEqual(applyFraming(['Content-Type', 'text/plain'], close), ['Content-Type', 'text/plain', 'connection', 'close']);
  });

  test('HEAD and 304 responses keep their Content-Length as metadata; 204 drops it', () => {
    assert.deepEqual(forwardFraming(headOf('response', 'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', 'HEAD'), 1), { kind: 'length', length: 99 });
    assert.deepEqual(forwardFraming(headOf('response', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n'), 1), { kind: 'length', length: 99 });
    assert.deepEqual(forwardFraming(headOf('response', 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n'), 1), { kind: 'none' });
  });

  test('re-framing a chunked request for the upstream after hop-by-hop removal', () => {
    const h = headOf('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: 5\r\nX-App: 1\r\n\r\n');
    const out = applyFraming(removeHopByHop(h.headers, h.known.connection), forwardFraming(h, 1));
    assert.deepEqual(out, ['Host', 'a', 'X-App', '1', 'transfer-encoding', 'chunked']);
  });

  test('reason phrases', () => {
    assert.equal(reasonPhrase(431), 'Request Header Fields Too Large');
    assert.equal(reasonPhrase(299), '');
  });
});
