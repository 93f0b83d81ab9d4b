// H1Parser: message parsing, framing, pipelining, pause/resume and upgrades. The rejection
// rules (smuggling defence) are in strictness.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { H1Parser } from './parser.js';
import type { MessageHead } from './head.js';
import { bytewise, record, recordOne, splitAt, summarize } from '../../../../test/fuzz/h1/recorder.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('H1Parser requests', () => {
  test('parses a GET: start line, raw-cased headers, trimmed values, known fields', () => {
    const rec = recordOne('request', 'GET /a?b=c HTTP/1.1\r\nHost: example.com:8080\r\nX-Mixed-Case:   padded \t \r\nEmpty:\r\nconnection: Keep-Alive\r\n\r\n');
    assert.equal(rec.error, undefined);
    assert.equal(rec.messages.length, 1);
    const m = rec.messages[0]!;
    const h = m.head!;
    assert.equal(h.method, 'GET');
    assert.equal(h.target, '/a?b=c');
    assert.equal(h.versionMinor, 1);
    assert.deepEqual(h.headers, ['Host', 'example.com:8080', 'X-Mixed-Case', 'padded', 'Empty', '', 'connection', 'Keep-Alive']);
    assert.equal(h.known.host, 'example.com:8080');
    assert.equal(h.known.connection, 'Keep-Alive');
    assert.equal(h.framing, 'none');
    assert.equal(h.keepAlive, true);
    assert.equal(m.complete, true);
    assert.deepEqual(rec.events, ['begin', 'head', 'complete']);
  });

  test('combines repeated known fields with ", "', () => {
    const rec = recordOne('request', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nCONNECTION: x-foo\r\nTE: trailers\r\nExpect: 100-continue\r\nKeep-Alive: timeout=5\r\nUpgrade: h2c\r\n\r\n');
    const k = rec.messages[0]!.head!.known;
    assert.equal(k.connection, 'keep-alive, x-foo');
    assert.equal(k.te, 'trailers');
    assert.equal(k.expect, '100-continue');
    assert.equal(k.keepAlive, 'timeout=5');
    assert.equal(k.upgrade, 'h2c');
  });

  test('accepts obs-text in values, absolute-form, asterisk-form and authority-form targets', () => {
    assert.equal(recordOne('request', 'GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\r\n\r\n').messages[0]!.head!.headers[3], 'caf\xe9');
    assert.equal(recordOne('request', 'GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n').error, undefined);
    assert.equal(recordOne('request', 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n').error, undefined);
    const c = recordOne('request', 'CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n');
    assert.equal(c.error, undefined);
    assert.equal(c.messages[0]!.head!.upgrade, true);
  });

  test('Content-Length body, identical at every split', () => {
    const input = b('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world');
    const whole = record('request', [input]);
    assert.equal(whole.messages[0]!.body.toString(), 'hello world');
    assert.equal(whole.messages[0]!.head!.contentLength, 11);
    assert.equal(whole.messages[0]!.bodyChunks, 1);
    for (let cut = 1; cut < input.length; cut++) {
      assert.equal(summarize(record('request', splitAt(input, [cut]))), summarize(whole), `cut at ${cut}`);
    }
    assert.equal(summarize(record('request', bytewise(input))), summarize(whole));
  });

  test('body slices alias the input buffer (no copy)', () => {
    const input = b('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello');
    let slice: Buffer | undefined;
    const p = new H1Parser('request', undefined, {
      onHead() {},
      onBody(c) {
        slice = c;
      },
      onMessageComplete() {},
      onUpgrade() {},
      onError: (e) => assert.fail(e),
    });
    p.execute(input);
    assert.equal(slice!.buffer, input.buffer);
  });

  test('identical duplicate Content-Length is one length (RFC 9110 §8.6)', () => {
    for (const fields of ['Content-Length: 5, 5\r\n', 'Content-Length: 5\r\nContent-Length: 5\r\n', 'Content-Length: 005\r\n']) {
      const rec = recordOne('request', `POST / HTTP/1.1\r\nHost: a\r\n${fields}\r\nhello`);
      assert.equal(rec.error, undefined, fields);
      assert.equal(rec.messages[0]!.head!.contentLength, 5);
      assert.equal(rec.messages[0]!.body.toString(), 'hello');
    }
  });

  test('chunked body with extensions and trailers', () => {
    const input = b(
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5;name=value\r\nhello\r\n' +
        '1 ; a = "q\\"x" ; b\r\n \r\n' +
        'A\r\n0123456789\r\n' +
        '000\r\nX-Checksum: abc\r\nX-Other:\tv \r\n\r\n',
    );
    const rec = record('request', [input]);
    assert.equal(rec.error, undefined);
    const m = rec.messages[0]!;
    assert.equal(m.head!.framing, 'chunked');
    assert.equal(m.head!.contentLength, -1);
    assert.equal(m.body.toString(), 'hello 0123456789');
    assert.deepEqual(m.trailers, ['X-Checksum', 'abc', 'X-Other', 'v']);
    assert.deepEqual(rec.events, ['begin', 'head', 'body', 'body', 'body', 'trailers', 'complete']);
    assert.equal(summarize(record('request', bytewise(input))), summarize(rec));
  });

  test('chunked with no trailers, Transfer-Encoding case-insensitive and tab-prefixed', () => {
    const rec = recordOne('request', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tChunked \r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    assert.equal(rec.error, undefined);
    assert.equal(rec.messages[0]!.body.toString(), 'abc');
    assert.equal(rec.messages[0]!.trailers, undefined);
  });

  test('pipelined messages in one chunk, each complete in order', () => {
    const input = b(
      'GET /1 HTTP/1.1\r\nHost: a\r\n\r\n' +
        'POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc' +
        'POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n' +
        'GET /4 HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    const rec = record('request', [input]);
    assert.equal(rec.error, undefined);
    assert.deepEqual(
      rec.messages.map((m) => [m.head!.target, m.body.toString(), m.complete]),
      [
        ['/1', '', true],
        ['/2', 'abc', true],
        ['/3', 'z', true],
        ['/4', '', true],
      ],
    );
    assert.equal(summarize(record('request', bytewise(input))), summarize(rec));
  });

  test('ignores up to maxLeadingEmptyLines CRLFs before a request-line', () => {
    const ok = recordOne('request', '\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(ok.error, undefined);
    assert.equal(ok.messages.length, 2);
    const tooMany = recordOne('request', '\r\n'.repeat(5) + 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(tooMany.error?.code, 'TOO_MANY_EMPTY_LINES');
  });

  test('keep-alive: HTTP/1.1 unless close, HTTP/1.0 only with keep-alive', () => {
    const ka = (s: string): boolean => recordOne('request', s).messages[0]!.head!.keepAlive;
    assert.equal(ka('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), true);
    assert.equal(ka('GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n'), false);
    assert.equal(ka('GET / HTTP/1.0\r\n\r\n'), false);
    assert.equal(ka('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'), true);
  });

  test('HTTP/1.0 needs no Host; HTTP/1.2+ is processed as 1.1 (RFC 9110 §6.2)', () => {
    assert.equal(recordOne('request', 'GET / HTTP/1.0\r\n\r\n').error, undefined);
    const r = recordOne('request', 'GET / HTTP/1.2\r\nHost: a\r\n\r\n');
    assert.equal(r.error, undefined);
    assert.equal(r.messages[0]!.head!.versionMinor, 1);
  });

  test('errors are reported once, then input is ignored', () => {
    let errors = 0;
    let heads = 0;
    const p = new H1Parser('request', undefined, {
      onHead: () => heads++,
      onBody() {},
      onMessageComplete() {},
      onUpgrade() {},
      onError: () => errors++,
    });
    p.execute(b('GET / HTTP/1.1\nHost: a\r\n\r\n'));
    p.execute(b('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
    p.finish();
    assert.equal(errors, 1);
    assert.equal(heads, 0);
  });

  test('finish() mid-message is INCOMPLETE_MESSAGE; between messages it is a clean close', () => {
    assert.equal(record('request', [b('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab')], { finish: true }).error?.code, 'INCOMPLETE_MESSAGE');
    assert.equal(record('request', [b('GET / HTT')], { finish: true }).error?.code, 'INCOMPLETE_MESSAGE');
    assert.equal(record('request', [b('GET / HTTP/1.1\r\nHost: a\r\n\r\n')], { finish: true }).error, undefined);
  });
});

describe('H1Parser pause/resume', () => {
  function pausing(pauseOn: 'head' | 'body' | 'complete') {
    const events: string[] = [];
    const p: H1Parser = new H1Parser('request', undefined, {
      onHead(h) {
        events.push(`head ${h.target}`);
        if (pauseOn === 'head') p.pause();
      },
      onBody(c) {
        events.push(`body ${c.toString()}`);
        if (pauseOn === 'body') p.pause();
      },
      onMessageComplete() {
        events.push('complete');
        if (pauseOn === 'complete') p.pause();
      },
      onUpgrade() {},
      onError: (e) => assert.fail(e),
    });
    return { p, events };
  }
  const two = b('POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab' + 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n');

  test('pause in onMessageComplete keeps the next message for resume()', () => {
    const { p, events } = pausing('complete');
    p.execute(two);
    assert.deepEqual(events, ['head /1', 'body ab', 'complete']);
    assert.equal(p.isPaused, true);
    p.execute(b('GET /3 HTTP/1.1\r\nHost: a\r\n\r\n')); // buffered while paused
    assert.equal(events.length, 3);
    p.resume();
    assert.deepEqual(events.slice(3), ['head /2', 'complete']);
    p.resume();
    assert.deepEqual(events.slice(5), ['head /3', 'complete']);
  });

  test('pause in onHead holds the body; a body-less message completes on resume', () => {
    const { p, events } = pausing('head');
    p.execute(two);
    assert.deepEqual(events, ['head /1']);
    p.resume();
    assert.deepEqual(events, ['head /1', 'body ab', 'complete', 'head /2']);
    p.resume();
    assert.deepEqual(events.slice(4), ['complete']);
  });

  test('pause in onBody (backpressure) mid-body', () => {
    const { p, events } = pausing('body');
    p.execute(b('POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab'));
    p.execute(b('cd'));
    assert.deepEqual(events, ['head /1', 'body ab']);
    p.resume();
    assert.deepEqual(events, ['head /1', 'body ab', 'body cd']); // paused again by that onBody
    p.resume();
    assert.deepEqual(events, ['head /1', 'body ab', 'body cd', 'complete']);
  });

  test('finish() while paused is applied after resume drains the kept bytes', () => {
    const events: string[] = [];
    const p: H1Parser = new H1Parser('response', undefined, {
      onHead() {
        p.pause();
      },
      onBody(c) {
        events.push(c.toString());
      },
      onMessageComplete() {
        events.push('complete');
      },
      onUpgrade() {},
      onError: (e) => events.push(e.code),
    });
    p.expectResponse('GET');
    p.execute(b('HTTP/1.1 200 OK\r\n\r\nuntil close'));
    p.finish();
    assert.deepEqual(events, []);
    p.resume();
    assert.deepEqual(events, ['until close', 'complete']);
  });

  test("returning 'pause' from onMessageComplete handles one request at a time", () => {
    const targets: string[] = [];
    const p = new H1Parser('request', undefined, {
      onHead: (h) => targets.push(h.target),
      onBody() {},
      onMessageComplete: () => 'pause',
      onUpgrade() {},
      onError: (e) => assert.fail(e),
    });
    p.execute(b('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n'));
    assert.deepEqual(targets, ['/1']);
    p.resume();
    assert.deepEqual(targets, ['/1', '/2']);
    p.resume();
    p.resume();
    assert.deepEqual(targets, ['/1', '/2', '/3']);
  });

  test('finish() from inside a callback applies once the callback returns', () => {
    const events: string[] = [];
    const p: H1Parser = new H1Parser('response', undefined, {
      onHead() {},
      onBody(c) {
        events.push(c.toString());
        p.finish();
      },
      onMessageComplete() {
        events.push('complete');
      },
      onUpgrade() {},
      onError: (e) => events.push(e.code),
    });
    p.expectResponse('GET');
    p.execute(b('HTTP/1.1 200 OK\r\n\r\nlast'));
    assert.deepEqual(events, ['last', 'complete']);
    p.execute(b('more'));
    assert.deepEqual(events, ['last', 'complete']);
  });

  test('execute() from inside a callback is queued in order', () => {
    const targets: string[] = [];
    const p: H1Parser = new H1Parser('request', undefined, {
      onHead(h) {
        targets.push(h.target);
        if (h.target === '/1') p.execute(b('GET /3 HTTP/1.1\r\nHost: a\r\n\r\n'));
      },
      onBody() {},
      onMessageComplete() {},
      onUpgrade() {},
      onError: (e) => assert.fail(e),
    });
    p.execute(b('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'));
    assert.deepEqual(targets, ['/1', '/2', '/3']);
  });
});

describe('H1Parser upgrades', () => {
  test('Upgrade request: message completes, the rest is handed over', () => {
    const rec = recordOne('request', 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello');
    assert.equal(rec.messages[0]!.head!.upgrade, true);
    assert.deepEqual(rec.events, ['begin', 'head', 'complete', 'upgrade']);
    assert.equal(rec.upgrade!.toString('latin1'), '\x81\x05hello');
  });

  test('Upgrade without Connection: upgrade is an ordinary request', () => {
    const rec = recordOne('request', 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(rec.messages.length, 2);
    assert.equal(rec.upgrade, undefined);
  });

  test('CONNECT request: tunnel bytes follow the head; later reads go to onUpgrade too', () => {
    const rec = record('request', [b('CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n\r\nPG'), b('MORE')]);
    assert.equal(rec.upgrade!.toString(), 'PGMORE');
  });

  test('reset() after a refused upgrade parses HTTP again', () => {
    let rest: Buffer | undefined;
    const targets: string[] = [];
    const p = new H1Parser('request', undefined, {
      onHead: (h) => targets.push(h.target),
      onBody() {},
      onMessageComplete() {},
      onUpgrade: (r) => (rest = r),
      onError: (e) => assert.fail(e),
    });
    p.execute(b('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n'));
    p.reset();
    p.execute(rest!);
    assert.deepEqual(targets, ['/ws', '/next']);
    assert.throws(() => p.reset());
  });
});

describe('H1Parser responses', () => {
  const res = (input: string, expect: Array<[string, boolean?]> = [['GET']], finish = false) => recordOne('response', input, { expect, finish });

  test('status line, reason, Content-Length body', () => {
    const r = res('HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnope');
    const h = r.messages[0]!.head!;
    assert.equal(h.statusCode, 404);
    assert.equal(h.reason, 'Not Found');
    assert.equal(r.messages[0]!.body.toString(), 'nop');
    // 'e' begins a second response with no request outstanding
    assert.equal(r.error?.code, 'UNSOLICITED_RESPONSE');
    assert.equal(r.error?.status, 502);
  });

  test('status line without reason, with or without the SP', () => {
    assert.equal(res('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n').error, undefined);
    assert.equal(res('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').error, undefined);
  });

  test('no body for HEAD, 204 and 304 whatever the framing fields say', () => {
    const head = res('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx', [['HEAD'], ['GET']]);
    assert.equal(head.error, undefined);
    assert.equal(head.messages[0]!.head!.framing, 'none');
    assert.equal(head.messages[0]!.head!.known.contentLength, '1234');
    assert.equal(head.messages[1]!.body.toString(), 'x');
    for (const status of [204, 304]) {
      const r = res(`HTTP/1.1 ${status} X\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`, [['GET'], ['GET']]);
      assert.equal(r.error, undefined);
      assert.equal(r.messages.length, 2);
    }
  });

  test('1xx interim responses do not answer the request', () => {
    const r = res('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', [['POST']]);
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.messages.map((m) => m.head!.statusCode),
      [100, 103, 200],
    );
  });

  test('101 to an upgrade request hands the rest over; to another request it is an error', () => {
    const ok = res('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00', [['GET', true]]);
    assert.equal(ok.upgrade!.toString('latin1'), '\x81\x00');
    assert.equal(res('HTTP/1.1 101 Switching Protocols\r\n\r\n').error?.code, 'UNEXPECTED_SWITCHING_PROTOCOLS');
  });

  test('2xx to CONNECT is a tunnel; a 407 to CONNECT has a body', () => {
    const t = res('HTTP/1.1 200 Connection Established\r\n\r\nTLS...', [['CONNECT']]);
    assert.equal(t.upgrade!.toString(), 'TLS...');
    const denied = res('HTTP/1.1 407 Proxy Auth\r\nContent-Length: 2\r\n\r\nno', [['CONNECT']]);
    assert.equal(denied.messages[0]!.body.toString(), 'no');
    assert.equal(denied.upgrade, undefined);
  });

  test('read until close when there is no framing field', () => {
    const r = record('response', [b('HTTP/1.0 200 OK\r\n\r\nsome'), b(' bytes')], { expect: [['GET']], finish: true });
    assert.equal(r.error, undefined);
    assert.equal(r.messages[0]!.head!.framing, 'eof');
    assert.equal(r.messages[0]!.head!.keepAlive, false);
    assert.equal(r.messages[0]!.body.toString(), 'some bytes');
    assert.equal(r.messages[0]!.complete, true);
  });

  test('chunked response with trailers, pipelined responses matched to requests in order', () => {
    const r = res('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nGrpc-Status: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', [['GET'], ['HEAD']]);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.messages[0]!.trailers, ['Grpc-Status', '0']);
    assert.equal(r.messages[1]!.head!.framing, 'none');
  });
});

describe('H1Parser limits', () => {
  test('head split across many reads is still bounded by maxHeaderBytes', () => {
    const big = b(`GET / HTTP/1.1\r\nHost: a\r\nX: ${'v'.repeat(2000)}\r\n\r\n`);
    const rec = record('request', bytewise(big), { limits: { maxHeaderBytes: 1024 } });
    assert.equal(rec.error?.code, 'HEADERS_TOO_LARGE');
    assert.equal(rec.error?.status, 431);
  });

  test('a head of exactly maxHeaderBytes is accepted', () => {
    const head = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
    const rec = recordOne('request', head, { limits: { maxHeaderBytes: head.length } });
    assert.equal(rec.error, undefined);
    const split = record('request', bytewise(b(head)), { limits: { maxHeaderBytes: head.length } });
    assert.equal(split.error, undefined);
    assert.equal(recordOne('request', head, { limits: { maxHeaderBytes: head.length - 1 } }).error?.code, 'HEADERS_TOO_LARGE');
  });

  test('maxHeaderCount counts field lines, not the start line', () => {
    const fields = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join('');
    assert.equal(recordOne('request', `GET / HTTP/1.1\r\nHost: a\r\n${fields(99)}\r\n`).error, undefined);
    assert.equal(recordOne('request', `GET / HTTP/1.1\r\nHost: a\r\n${fields(100)}\r\n`).error?.code, 'TOO_MANY_HEADERS');
  });

  test('onHead receives a fresh head per message', () => {
    const heads: MessageHead[] = [];
    const p = new H1Parser('request', undefined, {
      onHead: (h) => heads.push(h),
      onBody() {},
      onMessageComplete() {},
      onUpgrade() {},
      onError: (e) => assert.fail(e),
    });
    p.execute(b('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n'));
    assert.notEqual(heads[0], heads[1]);
    assert.equal(heads[0]!.target, '/1');
  });
});

describe('H1Parser restInRead', () => {
  /** restInRead of each response head, fed in the given pieces. */
  function restInRead(pieces: string[], methods: string[] = ['GET']): boolean[] {
    const seen: boolean[] = [];
    const p = new H1Parser('response', undefined, { onHead: (h) => seen.push(h.restInRead), onBody() {}, onMessageComplete() {}, onUpgrade() {}, onError: (e) => assert.fail(e.message) });
    for (const m of methods) p.expectResponse(m);
    for (const piece of pieces) p.execute(b(piece));
    return seen;
  }

  test('says whether the whole rest of the message came in the read that completed the head', () => {
    assert.deepEqual(restInRead(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello']), [true]);
    assert.deepEqual(restInRead(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel', 'lo']), [false]);
    assert.deepEqual(restInRead(['HTTP/1.1 204 No Content\r\n\r\n']), [true], 'no body');
    assert.deepEqual(restInRead(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n']), [false], 'chunked: not by length');
    // A head split across reads: what follows it in the completing read counts.
    assert.deepEqual(restInRead(['HTTP/1.1 200 OK\r\nConte', 'nt-Length: 2\r\n\r\nok']), [true]);
    assert.deepEqual(restInRead(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no', 'k'], ['GET', 'GET']), [true, false]);
  });
});
