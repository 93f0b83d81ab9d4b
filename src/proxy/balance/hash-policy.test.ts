import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { duration } from '../../api/envoy/build.js';
import { RouteAction_HashPolicySchema, type RouteAction_HashPolicy } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { compileHashPolicy, computeHash, cookieValue, type HashRequest } from './hash-policy.js';
import { xxHash64 } from './xxhash64.js';

const policy = (p: MessageInitShape<typeof RouteAction_HashPolicySchema>): RouteAction_HashPolicy => create(RouteAction_HashPolicySchema, p);
const header = (headerName: string, terminal = false) => policy({ policySpecifier: { case: 'header', value: { headerName } }, terminal });
const query = (name: string) => policy({ policySpecifier: { case: 'queryParameter', value: { name } } });
const sourceIp = () => policy({ policySpecifier: { case: 'connectionProperties', value: { sourceIp: true } } });

function req(headers: Record<string, string | string[]>, q: Record<string, string> = {}, ip?: string): HashRequest {
  return { header: (n) => headers[n], query: (n) => q[n], sourceIp: ip };
}

const rotl1 = (h: bigint) => ((h << 1n) | (h >> 63n)) & 0xffffffffffffffffn;

test('header: xxHash64 of the value; absent header gives no hash', () => {
  assert.equal(computeHash([header('x-user')], req({ 'x-user': 'foo' })), 3728699739546630719n);
  assert.equal(computeHash([header('X-User')], req({ 'x-user': 'foo' })), 3728699739546630719n);
  assert.equal(computeHash([header('x-user')], req({})), undefined);
  assert.equal(computeHash([], req({ 'x-user': 'foo' })), undefined);
});

test('header with several values hashes them sorted, chained', () => {
  assert.equal(computeHash([header('x-v')], req({ 'x-v': ['foo', 'bar'] })), xxHash64('foo', xxHash64('bar')));
  assert.equal(computeHash([header('x-v')], req({ 'x-v': ['bar', 'foo'] })), computeHash([header('x-v')], req({ 'x-v': ['foo', 'bar'] })));
});

test('header regex_rewrite applies before hashing', () => {
  const p = policy({ policySpecifier: { case: 'header', value: { headerName: ':path', regexRewrite: { pattern: { regex: '^/users/([0-9]+)/.*$' }, substitution: 'user-\\1' } } } });
  assert.equal(computeHash([p], req({ ':path': '/users/42/cart' })), xxHash64('user-42'));
});

test('policies combine by rotate-and-xor; terminal stops once a hash exists', () => {
  const r = req({ a: 'foo', b: 'bar' });
  assert.equal(computeHash([header('a'), header('b')], r), rotl1(xxHash64('foo')) ^ xxHash64('bar'));
  assert.equal(computeHash([header('a', true), header('b')], r), xxHash64('foo'));
  // A terminal policy without a value does not stop the evaluation.
  assert.equal(computeHash([header('missing', true), header('b')], r), xxHash64('bar'));
  // The same policy twice does not cancel out.
  assert.notEqual(computeHash([header('a'), header('a')], r), 0n);
});

test('query parameter and source IP', () => {
  assert.equal(computeHash([query('user')], req({}, { user: 'lyft' })), 4400747396090729504n);
  assert.equal(computeHash([query('user')], req({})), undefined);
  assert.equal(computeHash([sourceIp()], req({}, {}, '10.1.2.3')), xxHash64('10.1.2.3'));
  assert.equal(computeHash([sourceIp()], req({})), undefined);
});

test('cookie: the value hashes; absent with a ttl, the generated cookie hashes', () => {
  const session = policy({ policySpecifier: { case: 'cookie', value: { name: 'session', path: '/', ttl: duration(3_600_000) } } });
  assert.equal(computeHash([session], req({ cookie: 'theme=dark; session=abc123' })), xxHash64('abc123'));
  const set: unknown[] = [];
  const r: HashRequest = { ...req({}), addCookie: (name, path, ttl, attrs) => (set.push([name, path, ttl, attrs]), 'generated') };
  assert.equal(computeHash([session], r), xxHash64('generated'));
  assert.deepEqual(set, [['session', '/', 3600, []]]);
  // No ttl: no cookie is generated and there is no hash.
  const noTtl = policy({ policySpecifier: { case: 'cookie', value: { name: 'session' } } });
  assert.equal(computeHash([noTtl], r), undefined);
  assert.equal(set.length, 1);
});

test('cookieValue parses Cookie headers', () => {
  assert.equal(cookieValue('a=1; b="two"; c=3', 'b'), 'two');
  assert.equal(cookieValue(['a=1', 'b=2'], 'b'), '2');
  assert.equal(cookieValue('ab=1', 'a'), undefined);
  assert.equal(cookieValue(undefined, 'a'), undefined);
});

test('compiled once per policy list', () => {
  const list = [header('x')];
  assert.equal(compileHashPolicy(list), compileHashPolicy(list));
});
