import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandDelegate, matchConflict, mergeMatches, stringMatchConflict } from './delegate.js';

test('string match conflicts: a delegate must narrow its root', () => {
  assert.equal(stringMatchConflict({ prefix: '/productpage' }, { prefix: '/productpage/v1' }), false);
  assert.equal(stringMatchConflict({ prefix: '/productpage' }, { exact: '/productpage' }), false);
  assert.equal(stringMatchConflict({ prefix: '/productpage' }, { prefix: '/reviews' }), true);
  assert.equal(stringMatchConflict({ exact: '/a' }, { exact: '/a' }), false);
  assert.equal(stringMatchConflict({ exact: '/a' }, { prefix: '/a' }), true);
  assert.equal(stringMatchConflict({ regex: '/a.*' }, { prefix: '/a' }), true);
  assert.equal(stringMatchConflict(undefined, { prefix: '/a' }), false);
  assert.equal(stringMatchConflict({ prefix: '/a' }, undefined), false);
});

test('other match fields: case, port, source namespace, labels, gateways', () => {
  assert.equal(matchConflict({ ignoreUriCase: true }, {}), true);
  assert.equal(matchConflict({ port: 80 }, { port: 8080 }), true);
  assert.equal(matchConflict({ sourceNamespace: 'a' }, {}), true);
  assert.equal(matchConflict({ sourceLabels: { app: 'x' } }, { sourceLabels: { app: 'y' } }), true);
  assert.equal(matchConflict({ gateways: ['ns/gw'] }, { gateways: ['ns/other'] }), true);
  assert.equal(matchConflict({ headers: { a: { exact: '1' } } }, { headers: { a: { exact: '1' }, b: { exact: '2' } } }), false);
});

test('matches AND together: the delegate match inherits what it leaves unset', () => {
  const merged = mergeMatches([{ name: 'root', uri: { prefix: '/productpage' }, headers: { 'end-user': { exact: 'jason' } } }], [{ name: 'v2', uri: { prefix: '/productpage/v2' } }]);
  assert.deepEqual(merged, [{ name: 'root-v2', uri: { prefix: '/productpage/v2' }, headers: { 'end-user': { exact: 'jason' } } }]);
  assert.equal(mergeMatches([{ uri: { prefix: '/a' } }], [{ uri: { prefix: '/b' } }]), undefined);
  assert.deepEqual(mergeMatches(undefined, [{ uri: { prefix: '/b' } }]), [{ uri: { prefix: '/b' } }]);
  assert.deepEqual(mergeMatches([{ uri: { prefix: '/a' } }], []), [{ uri: { prefix: '/a' } }]);
});

test('Istio delegate example: root /productpage → delegate routes; conflicting delegate routes dropped; root fields inherited', () => {
  const out = expandDelegate({ name: 'pp', match: [{ uri: { prefix: '/productpage' } }], delegate: { name: 'productpage', namespace: 'nsA' }, timeout: '5s' }, [
    { name: 'v2', match: [{ uri: { prefix: '/productpage/v2' } }], route: [{ destination: { host: 'productpage-v2.nsA.svc.cluster.local' } }] },
    { name: 'bad', match: [{ uri: { prefix: '/reviews' } }], route: [{ destination: { host: 'x' } }] },
    { route: [{ destination: { host: 'productpage-v1.nsA.svc.cluster.local' } }], timeout: '1s' },
  ]);
  assert.deepEqual(out, [
    { name: 'pp-v2', match: [{ uri: { prefix: '/productpage/v2' } }], route: [{ destination: { host: 'productpage-v2.nsA.svc.cluster.local' } }], timeout: '5s' },
    { name: 'pp', match: [{ uri: { prefix: '/productpage' } }], route: [{ destination: { host: 'productpage-v1.nsA.svc.cluster.local' } }], timeout: '1s' },
  ]);
});
