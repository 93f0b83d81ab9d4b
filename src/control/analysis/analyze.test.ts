import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../api/istio/meta.js';
import { buildPushContext } from '../snapshot/build.js';
import { defaultMeshConfig } from '../model/mesh.js';
import { analyze, formatMessage } from './analyze.js';
import { bookinfoRegistry, registryOf } from '../../../test/helpers/mesh-fixtures.js';

const vs = (name: string, spec: unknown, ns = 'default'): Resource => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec });
const dr = (name: string, spec: unknown): Resource => ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: 'default' }, spec });

function run(resources: Resource[], registry = bookinfoRegistry()) {
  const push = buildPushContext({ resources, registry, mesh: defaultMeshConfig() });
  return analyze({ resources, push }).map(formatMessage);
}

test('a clean Bookinfo config has no messages', () => {
  assert.deepEqual(
    run([
      vs('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] }),
      dr('reviews', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] }),
    ]),
    [],
  );
});

test('unknown host, unknown subset, missing gateway, duplicate VirtualService hosts, subset selecting no pods', () => {
  const msgs = run([
    vs('a', { hosts: ['reviews'], gateways: ['missing-gw'], http: [{ route: [{ destination: { host: 'reviewz' } }] }] }),
    vs('b', { hosts: ['reviews.default.svc.cluster.local'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v9' } }] }] }),
    vs('c', { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' } }] }] }),
    vs('d', { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' } }] }] }),
    dr('reviews', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v4', labels: { version: 'v4' } }] }),
  ]);
  assert.ok(msgs.includes('Error [IST0101] (VirtualService default/a) spec.http[0].route[0].destination: referenced host not found: "reviewz" (no Service or ServiceEntry defines reviewz.default.svc.cluster.local)'), msgs.join('\n'));
  assert.ok(msgs.includes('Error [IST0101] (VirtualService default/a) spec.gateways: referenced gateway not found: "default/missing-gw"'));
  assert.ok(msgs.includes('Error [IST0101] (VirtualService default/b) spec.http[0].route[0].destination: referenced host+subset in destinationrule not found: "reviews.default.svc.cluster.local+v9"'));
  assert.ok(msgs.some((m) => m.startsWith('Error [IST0109] (VirtualService default/c)') && m.includes('ratings.default.svc.cluster.local')));
  assert.ok(msgs.includes('Warning [IST0173] (DestinationRule default/reviews) spec.subsets[1]: subset "v4" selects no pods of reviews.default.svc.cluster.local (labels {"version":"v4"})'));
  // a is mesh-bound? No: it names a gateway, so only b counts for reviews: no IST0109 for reviews.
  assert.ok(!msgs.some((m) => m.includes('IST0109') && m.includes('reviews')));
});

test('a Gateway whose selector matches no gateway workload', () => {
  const gw: Resource = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'default' }, spec: { selector: { istio: 'ingressgateway' }, servers: [] } };
  assert.deepEqual(run([gw]), ['Error [IST0101] (Gateway default/g) spec.selector: referenced selector not found: "istio=ingressgateway" (no gateway workload has these labels)']);
  const withGateway = registryOf({ name: 'rig-ingressgateway', namespace: 'rig-system', ports: [[80, 'HTTP', 8080]], pods: [{ ip: '127.0.0.20', labels: { istio: 'ingressgateway' } }] });
  assert.deepEqual(run([gw], withGateway), []);
});
