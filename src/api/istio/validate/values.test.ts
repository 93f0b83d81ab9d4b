import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCollector } from '../../../shared/result.js';
import { enumOf, list, map, object, parseShape, string, uint32 } from './shape.js';
import {
  checkHeaderValue,
  checkIPOrCIDR,
  checkRegex,
  checkWildcardDomain,
  closest,
  hostSubsetOf,
  hostsOverlap,
  parseDuration,
} from './values.js';

test('closest: typos, case, snake_case; nothing when far', () => {
  const fields = ['route', 'redirect', 'retries', 'perTryTimeout', 'weight', 'destination'];
  assert.equal(closest('rout', fields), 'route');
  assert.equal(closest('weigth', fields), 'weight');
  assert.equal(closest('Destination', fields), 'destination');
  assert.equal(closest('per_try_timeout', fields), 'perTryTimeout');
  assert.equal(closest('xyz', fields), undefined);
});

test('parseDuration: Go and protobuf forms, in nanoseconds', () => {
  assert.equal(parseDuration('1.5s'), 1.5e9);
  assert.equal(parseDuration('500ms'), 5e8);
  assert.equal(parseDuration('1h30m'), 5400e9);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('0.001s'), 1e6);
  assert.equal(parseDuration('10'), undefined);
  assert.equal(parseDuration('1 s'), undefined);
  assert.equal(parseDuration(''), undefined);
});

test('hosts: wildcard domains, overlaps, subsets', () => {
  assert.equal(checkWildcardDomain('*.example.com'), undefined);
  assert.equal(checkWildcardDomain('reviews'), undefined);
  assert.equal(checkWildcardDomain('istio.io.'), undefined);
  assert.equal(checkWildcardDomain('a.*.com'), 'domain name "a.*.com" invalid (label "*" invalid)');
  assert.equal(checkWildcardDomain('1.2.3.4'), 'domain name "1.2.3.4" invalid (top level domain "4" cannot be all-numeric)');
  assert.equal(checkWildcardDomain(''), 'empty domain name not allowed');
  assert.ok(hostsOverlap('*.com', '*.example.com'));
  assert.ok(hostsOverlap('a.example.com', '*.example.com'));
  assert.ok(!hostsOverlap('a.example.com', 'b.example.com'));
  assert.ok(hostSubsetOf('a.example.com', '*.example.com'));
  assert.ok(!hostSubsetOf('*.example.com', 'a.example.com'));
});

test('IPs and CIDRs', () => {
  assert.equal(checkIPOrCIDR('10.0.0.1'), undefined);
  assert.equal(checkIPOrCIDR('10.0.0.0/8'), undefined);
  assert.equal(checkIPOrCIDR('2001:db8::/32'), undefined);
  assert.equal(checkIPOrCIDR('10.0.0.0/33'), '10.0.0.0/33 is not a valid CIDR block');
  assert.equal(checkIPOrCIDR('example.com'), 'example.com is not a valid IP');
});

test('regexes: RE2-ish', () => {
  assert.equal(checkRegex('^/api/v[0-9]+/.*'), undefined);
  assert.equal(checkRegex('(?i)^/API'), undefined);
  assert.equal(checkRegex('(?P<version>v[0-9])'), undefined);
  assert.equal(checkRegex('\\\\1'), undefined); // an escaped backslash, then "1"
  assert.match(checkRegex('(a)\\1')!, /backreferences are not supported/);
  assert.match(checkRegex('a(?!b)')!, /lookahead and lookbehind/);
  assert.match(checkRegex('[a-')!, /^Unterminated character class/);
  assert.match(checkRegex('x'.repeat(1025))!, /too large/);
});

test('header values: Envoy substitutions', () => {
  assert.equal(checkHeaderValue('%HOSTNAME%'), undefined);
  assert.equal(checkHeaderValue('100%%'), undefined);
  assert.equal(checkHeaderValue('prefix %START_TIME% suffix'), undefined);
  assert.ok(checkHeaderValue('abc%123'));
  assert.ok(checkHeaderValue('%START_TIME%%'));
  assert.ok(checkHeaderValue('a\nb'));
});

test('parseShape: unknown fields, types, nulls, enums, oneofs, required', () => {
  const shape = object(
    { name: string, port: uint32, mode: enumOf('A', 'B'), tags: map(string), items: list(string), a: string, b: string },
    { required: ['name'], oneofs: [['a', 'b']] },
  );
  const e = new ErrorCollector('spec');
  const out = parseShape({ nam: 'x', port: -1, mode: 'a', tags: { t: 1 }, items: ['x', null], a: 'x', b: 'y', extra: null }, shape, e, '');
  assert.deepEqual(e.errors, [
    'spec.nam: unknown field "nam"; did you mean "name"?',
    'spec.port: must be a non-negative integer, got -1',
    'spec.mode: must be one of A, B, got "a" (did you mean "A"?)',
    'spec.tags[t]: must be a string, got 1 (quote it in YAML)',
    'spec.items[1]: must not be null',
    'spec.extra: unknown field "extra"',
    'spec.name: required',
    'spec: only one of a, b may be set, got a and b',
  ]);
  assert.ok(out && typeof out === 'object');

  const clean = new ErrorCollector('spec');
  assert.deepEqual(parseShape({ name: 'x', port: 80, a: null }, shape, clean, ''), { name: 'x', port: 80 });
  assert.deepEqual(clean.errors, []);
});
