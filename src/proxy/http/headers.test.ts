// HeaderMap: lower-case names, repeated fields kept in order, set/remove semantics, what
// fromH1 leaves out when forwarding, and the validity a serializer relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderMap, fieldProblem } from './headers.js';
import { serializeRequestHead } from './h1/index.js';

test('fromH1 lower-cases names and drops hop-by-hop, nominated and framing fields', () => {
  const h = HeaderMap.fromH1(
    ['Host', 'a', 'Connection', 'keep-alive, X-Secret, Host, Content-Length', 'X-Secret', 's', 'Keep-Alive', '5', 'TE', 'trailers', 'Transfer-Encoding', 'chunked', 'Content-Length', '3', 'Trailer', 'x', 'Upgrade', 'h2c', 'Proxy-Connection', 'close', 'X-A', '1', 'x-a', '2'],
    'keep-alive, X-Secret, Host, Content-Length',
  );
  assert.deepEqual(h.toFlat(), ['host', 'a', 'x-a', '1', 'x-a', '2']);
  assert.equal(h.invalid, undefined);
});

test('get, getAll, has; get joined; set replaces every value in place of the first; remove removes all', () => {
  const h = HeaderMap.fromFlat(['A', '1', 'b', '2', 'a', '3', 'c', '4']);
  assert.equal(h.get('a'), '1');
  assert.equal(h.get('A', true), '1, 3');
  assert.deepEqual(h.getAll('a'), ['1', '3']);
  assert.ok(h.has('C'));
  assert.equal(h.get('missing'), undefined);
  h.set('a', 'x');
  assert.deepEqual(h.toFlat(), ['a', 'x', 'b', '2', 'c', '4']);
  h.set('d', '5');
  h.add('b', '6');
  assert.deepEqual(h.toFlat(), ['a', 'x', 'b', '2', 'c', '4', 'd', '5', 'b', '6']);
  assert.equal(h.size, 4);
  h.remove('B');
  assert.deepEqual(h.toFlat(), ['a', 'x', 'c', '4', 'd', '5']);
  assert.deepEqual([...h.entries()], [['a', 'x'], ['c', '4'], ['d', '5']]);
});

test('a field that cannot go on the wire is recorded, and the serializer refuses the head', () => {
  assert.equal(fieldProblem('x-ok', 'v\tw é'), undefined);
  assert.match(fieldProblem('bad name', 'v') ?? '', /invalid field name/);
  assert.match(fieldProblem('x', 'a\r\nInjected: 1') ?? '', /invalid value for x/);
  assert.match(fieldProblem('x', 'Ċ') ?? '', /invalid value/); // U+010A: latin1 would send LF
  const h = new HeaderMap();
  h.set('x-ok', 'fine');
  assert.equal(h.invalid, undefined);
  h.add('x-evil', 'a\r\nInjected: 1');
  assert.match(h.invalid ?? '', /x-evil/);
  assert.throws(() => serializeRequestHead('GET', '/', h.toFlat(), 1, h.invalid === undefined), /invalid value for x-evil/);
});
