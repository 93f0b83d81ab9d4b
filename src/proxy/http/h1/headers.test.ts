import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectionFlags,
  CONN_CLOSE,
  CONN_KEEP_ALIVE,
  CONN_UPGRADE,
  getHeader,
  getHeaderAll,
  KnownHeader,
  knownHeaderAt,
  parseContentLength,
  parseTransferEncoding,
  removeHopByHop,
  TransferCoding,
} from './headers.js';

describe('parseContentLength', () => {
  test('1*DIGIT, OWS around list elements, identical duplicates collapse', () => {
    assert.equal(parseContentLength('0'), 0);
    assert.equal(parseContentLength('42'), 42);
    assert.equal(parseContentLength('042'), 42);
    assert.equal(parseContentLength('42, 42,42'), 42);
    assert.equal(parseContentLength(' 7 '), 7);
    assert.equal(parseContentLength(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  });
  test('invalid (-1) and conflicting (-2)', () => {
    for (const v of ['', ' ', ',', '1,', ',1', '+1', '-1', '1.0', '1e3', '0x10', '1 2', String(Number.MAX_SAFE_INTEGER + 2), '9'.repeat(30)]) {
      assert.equal(parseContentLength(v), -1, JSON.stringify(v));
    }
    assert.equal(parseContentLength('1, 2'), -2);
    assert.equal(parseContentLength('5,5,6'), -2);
  });
});

describe('parseTransferEncoding', () => {
  const cases: Array<[string, TransferCoding]> = [
    ['chunked', TransferCoding.Chunked],
    ['Chunked', TransferCoding.Chunked],
    [' chunked ', TransferCoding.Chunked],
    [', chunked,', TransferCoding.Chunked],
    ['gzip, chunked', TransferCoding.ChunkedAfterOthers],
    ['gzip;q=1, chunked', TransferCoding.ChunkedAfterOthers],
    ['chunked, gzip', TransferCoding.ChunkedNotFinal],
    ['chunked, chunked', TransferCoding.ChunkedNotFinal],
    ['chunked, identity', TransferCoding.ChunkedNotFinal],
    ['xchunked', TransferCoding.Unsupported],
    ['chunkedx', TransferCoding.Unsupported],
    ['identity', TransferCoding.Unsupported],
    ['gzip', TransferCoding.Unsupported],
    ['', TransferCoding.Invalid],
    [' , ', TransferCoding.Invalid],
    ['"chunked"', TransferCoding.Invalid],
    ['chunked;a=b', TransferCoding.Invalid],
    ['chun ked', TransferCoding.Invalid],
  ];
  for (const [v, want] of cases) test(JSON.stringify(v), () => assert.equal(parseTransferEncoding(v), want));
});

describe('connection options', () => {
  test('flags are case-insensitive tokens', () => {
    assert.equal(connectionFlags(undefined), 0);
    assert.equal(connectionFlags('Close'), CONN_CLOSE);
    assert.equal(connectionFlags('keep-alive, Upgrade'), CONN_KEEP_ALIVE | CONN_UPGRADE);
    assert.equal(connectionFlags('closed, x-close'), 0);
  });
});

describe('knownHeaderAt', () => {
  test('matches names case-insensitively by length first', () => {
    const at = (s: string): KnownHeader => knownHeaderAt(Buffer.from(s, 'latin1'), 0, s.length);
    assert.equal(at('content-length'), KnownHeader.ContentLength);
    assert.equal(at('CONTENT-LENGTH'), KnownHeader.ContentLength);
    assert.equal(at('Transfer-Encoding'), KnownHeader.TransferEncoding);
    assert.equal(at('tE'), KnownHeader.Te);
    assert.equal(at('Keep-Alive'), KnownHeader.KeepAlive);
    assert.equal(at('Connection'), KnownHeader.Connection);
    assert.equal(at('content-lengtH'), KnownHeader.ContentLength);
    assert.equal(at('content_length'), KnownHeader.None);
    assert.equal(at('Content-Lengths'), KnownHeader.None);
    assert.equal(at('Hosts'), KnownHeader.None);
  });
});

describe('removeHopByHop', () => {
  const headers = [
    'Host', 'a',
    'Connection', 'keep-alive, X-Hop, Content-Length, Host',
    'Keep-Alive', 'timeout=5',
    'Proxy-Connection', 'keep-alive',
    'TE', 'trailers',
    'Trailer', 'X-Sum',
    'Transfer-Encoding', 'chunked',
    'Upgrade', 'websocket',
    'x-hop', '1',
    'Content-Length', '5',
    'X-End', 'kept',
  ];
  test('drops the RFC 9110 §7.6.1 fields and those Connection names, but never Content-Length or Host', () => {
    assert.deepEqual(removeHopByHop(headers, 'keep-alive, X-Hop, Content-Length, Host'), ['Host', 'a', 'Content-Length', '5', 'X-End', 'kept']);
  });
  test('keepUpgrade keeps Upgrade for a forwarded upgrade', () => {
    assert.deepEqual(removeHopByHop(['Upgrade', 'websocket', 'Connection', 'upgrade'], 'upgrade', { keepUpgrade: true }), ['Upgrade', 'websocket']);
  });
  test('getHeader / getHeaderAll', () => {
    assert.equal(getHeader(headers, 'x-end'), 'kept');
    assert.equal(getHeader(headers, 'missing'), undefined);
    assert.deepEqual(getHeaderAll(['A', '1', 'a', '2'], 'A'), ['1', '2']);
  });
});
