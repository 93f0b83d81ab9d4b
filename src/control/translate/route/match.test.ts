import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { RouteMatchSchema } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { isCatchAllMatch, jwtClaimPath, translateRouteMatch } from './match.js';
import type { HTTPMatchRequest } from '../../../api/istio/networking.js';

const json = (m: HTTPMatchRequest | undefined) => toJson(RouteMatchSchema, translateRouteMatch(m)) as JsonObject;

test('no match is the catch-all prefix "/"', () => {
  assert.deepEqual(json(undefined), { prefix: '/' });
  assert.equal(isCatchAllMatch(translateRouteMatch(undefined)), true);
});

test('uri exact → path, prefix → prefix, regex → safe_regex; case sensitivity always set', () => {
  assert.deepEqual(json({ uri: { exact: '/productpage' } }), { path: '/productpage', caseSensitive: true });
  assert.deepEqual(json({ uri: { prefix: '/static' } }), { prefix: '/static', caseSensitive: true });
  assert.deepEqual(json({ uri: { regex: '/api/v[0-9]+/.*' } }), { safeRegex: { regex: '/api/v[0-9]+/.*' }, caseSensitive: true });
  assert.deepEqual(json({ uri: { prefix: '/Login' }, ignoreUriCase: true }), { prefix: '/Login', caseSensitive: false });
  // prefix "/" with nothing else is still a catch-all.
  assert.equal(isCatchAllMatch(translateRouteMatch({ uri: { prefix: '/' } })), true);
  assert.equal(isCatchAllMatch(translateRouteMatch({ uri: { prefix: '/a' } })), false);
});

test('headers: string matchers sorted by name; empty or regex "*" means present', () => {
  assert.deepEqual(json({ headers: { 'x-b': { prefix: 'v' }, 'end-user': { exact: 'jason' }, 'x-any': { regex: '*' }, 'x-empty': {} } }), {
    prefix: '/',
    caseSensitive: true,
    headers: [
      { name: 'end-user', stringMatch: { exact: 'jason' } },
      { name: 'x-any', presentMatch: true },
      { name: 'x-b', stringMatch: { prefix: 'v' } },
      { name: 'x-empty', presentMatch: true },
    ],
  });
  assert.equal(isCatchAllMatch(translateRouteMatch({ headers: { a: { exact: 'b' } } })), false);
});

test('withoutHeaders invert the match; missing headers count as empty unless it is a presence test', () => {
  assert.deepEqual(json({ withoutHeaders: { 'end-user': { exact: 'jason' }, 'x-debug': {} } }).headers, [
    { name: 'end-user', stringMatch: { exact: 'jason' }, invertMatch: true, treatMissingHeaderAsEmpty: true },
    { name: 'x-debug', presentMatch: true, invertMatch: true },
  ]);
});

test('method, authority and scheme become pseudo-header matchers after the sorted headers', () => {
  const m = json({ headers: { z: { exact: '1' } }, method: { exact: 'GET' }, authority: { prefix: 'bookinfo' }, scheme: { exact: 'https' } });
  assert.deepEqual(
    (m.headers as { name: string }[]).map((h) => h.name),
    ['z', ':method', ':authority', ':scheme'],
  );
});

test('query parameters sorted by name, "*" regex is present', () => {
  assert.deepEqual(json({ queryParams: { version: { exact: 'v2' }, debug: { regex: '*' } } }).queryParameters, [
    { name: 'debug', presentMatch: true },
    { name: 'version', stringMatch: { exact: 'v2' } },
  ]);
});

test('JWT claim headers become dynamic metadata matchers on istio_authn', () => {
  assert.deepEqual(jwtClaimPath('@request.auth.claims.group.id'), ['group', 'id']);
  assert.deepEqual(jwtClaimPath('@request.auth.claims[group][id]'), ['group', 'id']);
  assert.equal(jwtClaimPath('x-user'), undefined);
  const m = json({ headers: { '@request.auth.claims.groups': { exact: 'admin' } }, withoutHeaders: { '@request.auth.claims[sub]': { exact: 'bob' } } });
  assert.equal(m.headers, undefined);
  assert.deepEqual(m.dynamicMetadata, [
    {
      filter: 'istio_authn',
      path: [{ key: 'request.auth.claims' }, { key: 'groups' }],
      value: { listMatch: { oneOf: { stringMatch: { exact: 'admin' } } } },
    },
    {
      filter: 'istio_authn',
      path: [{ key: 'request.auth.claims' }, { key: 'sub' }],
      value: { listMatch: { oneOf: { stringMatch: { exact: 'bob' } } } },
      invert: true,
    },
  ]);
  assert.equal(isCatchAllMatch(translateRouteMatch({ headers: { '@request.auth.claims.groups': { exact: 'admin' } } })), false);
});
