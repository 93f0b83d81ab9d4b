import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from './meta.js';
import { notEnforced } from './not-enforced.js';

const res = (kind: string, spec: unknown): Resource => ({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name: 'x', namespace: 'default' }, spec });

test('notEnforced: lists the fields a resource sets that the mesh does not act on', () => {
  const vs = res('VirtualService', {
    hosts: ['reviews'],
    http: [
      { match: [{ uri: { prefix: '/' } }, { statPrefix: 'a' }], route: [{ destination: { host: 'reviews' } }] },
      { match: [{ statPrefix: 'b' }], route: [{ destination: { host: 'reviews' } }], retries: { attempts: 1, retryRemoteLocalities: true } },
    ],
  });
  assert.deepEqual(notEnforced(vs), ['spec.http[0].match[1].statPrefix', 'spec.http[1].match[0].statPrefix', 'spec.http[1].retries.retryRemoteLocalities']);
});

test('notEnforced: DestinationRule traffic policies everywhere they appear', () => {
  const dr = res('DestinationRule', {
    host: 'reviews',
    trafficPolicy: { tunnel: { targetHost: 'a', targetPort: 80 }, portLevelSettings: [{ port: { number: 80 }, loadBalancer: { warmupDurationSecs: '10s' } }] },
    subsets: [{ name: 'v1', trafficPolicy: { proxyProtocol: { version: 'V2' } } }],
  });
  assert.deepEqual(notEnforced(dr), [
    'spec.trafficPolicy.tunnel',
    'spec.subsets[0].trafficPolicy.proxyProtocol',
    'spec.trafficPolicy.portLevelSettings[0].loadBalancer.warmupDurationSecs',
  ]);
});

test('notEnforced: nothing for resources that only use enforced fields, or kinds without a list', () => {
  assert.deepEqual(notEnforced(res('VirtualService', { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }] })), []);
  assert.deepEqual(notEnforced(res('PeerAuthentication', { mtls: { mode: 'STRICT' } })), []);
  assert.deepEqual(notEnforced(res('Sidecar', { egress: [{ hosts: ['./*'], captureMode: 'NONE' }], inboundConnectionPool: {} })), ['spec.egress[0].captureMode']);
});
