// analyze: istioctl's message lines split into parts, namespace scope, and offline analysis of files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeOffline, inScope, parseMessage } from './analyze.js';
import { parseManifests } from '../api/istio/parse.js';
import type { Resource } from '../api/istio/meta.js';

test('a message line splits into severity, code and resource', () => {
  const m = parseMessage('Error [IST0101] (VirtualService default/reviews) spec.http[0]: referenced host not found: "reviews2"');
  assert.deepEqual({ ...m, text: undefined }, { text: undefined, severity: 'Error', code: 'IST0101', kind: 'VirtualService', namespace: 'default', name: 'reviews' });
  const ns = parseMessage('Info [IST0102] (Namespace bookinfo) the namespace is not enabled for Istio injection');
  assert.equal(ns.namespace, '');
  assert.equal(ns.name, 'bookinfo');
  const msgs = [m, ns, parseMessage('Warning [IST0173] (DestinationRule other/x) …')];
  assert.deepEqual(inScope(msgs, 'default').map((x) => x.code), ['IST0101', 'IST0102'], 'cluster-scoped messages are always in scope');
  assert.equal(inScope(msgs, undefined).length, 3);
});

test('files are analyzed on their own: a route to a host no file defines is IST0101; with its Service, clean', () => {
  const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
`;
  const svc = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: bookinfo}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`;
  const parse = (t: string): Resource[] => {
    const r = parseManifests(t, 'f.yaml');
    assert.ok(r.ok);
    return r.value.resources;
  };
  const alone = analyzeOffline(parse(vs));
  assert.equal(alone.length, 1);
  assert.match(alone[0]!, /^Error \[IST0101\] \(VirtualService bookinfo\/reviews\) .*referenced host not found: "reviews"/);
  assert.deepEqual(analyzeOffline([...parse(vs), ...parse(svc)]), [], 'checks that need running workloads (gateway selector, subset pods) are skipped offline');
});
