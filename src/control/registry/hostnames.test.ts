import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServiceHostname, resolveHost, serviceHostname } from './hostnames.js';

test('resolveHost follows Istio: only dot-less names are short', () => {
  const table: [string, string, string][] = [
    ['reviews', 'default', 'reviews.default.svc.cluster.local'],
    ['reviews', 'bookinfo', 'reviews.bookinfo.svc.cluster.local'],
    // A name with a dot is taken as written, as Istio's ResolveShortnameToFQDN does.
    ['reviews.default', 'bookinfo', 'reviews.default'],
    ['reviews.default.svc', 'default', 'reviews.default.svc'],
    ['reviews.default.svc.cluster.local', 'other', 'reviews.default.svc.cluster.local'],
    ['httpbin.org', 'default', 'httpbin.org'],
    ['*.example.com', 'default', '*.example.com'],
    ['*', 'default', '*'],
    ['10.1.2.3', 'default', '10.1.2.3'],
    ['::1', 'default', '::1'],
    ['', 'default', ''],
  ];
  for (const [host, ns, want] of table) assert.equal(resolveHost(host, ns), want, `${host} in ${ns}`);
  assert.equal(resolveHost('ratings', 'prod', 'corp.internal'), 'ratings.prod.svc.corp.internal');
});

test('serviceHostname and parseServiceHostname are inverse', () => {
  assert.equal(serviceHostname('reviews', 'default'), 'reviews.default.svc.cluster.local');
  assert.deepEqual(parseServiceHostname('reviews.default.svc.cluster.local'), { name: 'reviews', namespace: 'default' });
  assert.equal(parseServiceHostname('httpbin.org'), undefined);
  assert.equal(parseServiceHostname('a.b.c.svc.cluster.local'), undefined);
  assert.deepEqual(parseServiceHostname('x.y.svc.corp', 'corp'), { name: 'x', namespace: 'y' });
});
