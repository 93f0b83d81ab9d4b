import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifests } from './parse.js';

const VS = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v1 }
`;

const DR = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: bookinfo
spec:
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
`;

// Bookinfo's platform manifest as Istio ships it (no `command`: Kubernetes runs the image).
const BOOKINFO_PLATFORM = `
# Details service
apiVersion: v1
kind: Service
metadata:
  name: details
  labels:
    app: details
    service: details
spec:
  ports:
  - port: 9080
    name: http
  selector:
    app: details
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-details
  labels:
    account: details
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: details-v1
  labels:
    app: details
    version: v1
spec:
  replicas: 1
  selector:
    matchLabels:
      app: details
      version: v1
  template:
    metadata:
      labels:
        app: details
        version: v1
    spec:
      serviceAccountName: bookinfo-details
      containers:
      - name: details
        image: docker.io/istio/examples-bookinfo-details-v1:1.20.2
        ports:
        - containerPort: 9080
---
`;

test('parseManifests: multi-document, empty documents skipped, namespaces defaulted', () => {
  const r = parseManifests(`---\n${VS}\n---\n# just a comment\n---\n${DR}`, 'reviews.yaml', { defaultNamespace: 'bookinfo' });
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  assert.deepEqual(
    r.value.resources.map((x) => `${x.kind} ${x.metadata.namespace}/${x.metadata.name}`),
    ['VirtualService bookinfo/reviews', 'DestinationRule bookinfo/reviews'],
  );
  assert.deepEqual(r.value.other, []);
});

test('parseManifests: errors name the file and document; one bad document fails the file', () => {
  const bad = VS.replace('subset: v1 }', 'subset: v1 }\n      weight: 50\n    - destination: { host: reviews, subset: v2 }\n      weight: 40');
  const r = parseManifests(`${DR}---${bad}`, 'reviews.yaml');
  assert.deepEqual(r.ok ? [] : r.errors, ['reviews.yaml: document 2: VirtualService default/reviews: spec.http[0].route[1].weight: weights must sum to 100, got 90']);
});

test('parseManifests: YAML syntax errors carry line:col', () => {
  const r = parseManifests(`${VS}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n   bad: indent\n`, 'svc.yaml');
  assert.equal(r.ok, false);
  const errors = r.ok ? [] : r.errors;
  assert.ok(errors.length > 0);
  // Lines count from the top of the file: the bad line is the 5th line of document 2.
  const line = VS.split('\n').length + 4;
  for (const e of errors) assert.match(e, new RegExp(`^svc\\.yaml: document 2: ${line}:\\d+: [A-Z]`));
});

test('parseManifests: duplicate keys are an error', () => {
  const r = parseManifests('apiVersion: v1\nkind: Namespace\nkind: Namespace\nmetadata: { name: a }\n', 'ns.yaml');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.errors[0]!, /^ns\.yaml: document 1: 3:1: Map keys must be unique/);
});

test('parseManifests: kind List items are validated one by one', () => {
  const list = `
apiVersion: v1
kind: List
items:
- apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata: { name: a }
  spec: { host: a }
- apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata: { name: b }
  spec: { hots: b }
`;
  const r = parseManifests(list, 'list.yaml');
  assert.deepEqual(r.ok ? [] : r.errors, [
    'list.yaml: document 1: items[1]: DestinationRule default/b: spec.hots: unknown field "hots"; did you mean "host"?',
    'list.yaml: document 1: items[1]: DestinationRule default/b: spec.host: required',
  ]);
});

// The same Deployment with the `command` the local platform runs, and a kind the mesh does not handle.
const BOOKINFO_LOCAL = BOOKINFO_PLATFORM.replace('        ports:\n', '        command: ["rig", "sample", "details"]\n        ports:\n');
const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { a: b }\n';

test('parseManifests: ServiceAccount and Deployment are known kinds; a container needs a command on the local platform', () => {
  const r = parseManifests(BOOKINFO_PLATFORM, 'bookinfo.yaml');
  assert.deepEqual(r.ok ? [] : r.errors, [
    'bookinfo.yaml: document 3: Deployment default/details-v1: spec.template.spec.containers[0].command: required on the local platform (the image is not pulled): the program to run, e.g. ["rig", "sample", "details"]',
  ]);
  const local = parseManifests(BOOKINFO_LOCAL, 'bookinfo.yaml');
  assert.ok(local.ok, local.ok ? '' : local.errors.join('\n'));
  assert.deepEqual(local.value.resources.map((x) => `${x.apiVersion} ${x.kind} ${x.metadata.namespace}/${x.metadata.name}`), [
    'v1 Service default/details',
    'v1 ServiceAccount default/bookinfo-details',
    'apps/v1 Deployment default/details-v1',
  ]);
  assert.equal((local.value.resources[2]!.spec as { replicas: number }).replicas, 1);
});

test('parseManifests: unknown kinds are errors unless allowed, then returned untouched', () => {
  const strict = parseManifests(`${BOOKINFO_LOCAL}${CONFIG_MAP}`, 'bookinfo.yaml');
  assert.deepEqual(strict.ok ? [] : strict.errors.map((e) => e.split('; known kinds')[0]), ['bookinfo.yaml: document 4: kind: unknown kind "ConfigMap"']);

  const lenient = parseManifests(`${BOOKINFO_LOCAL}${CONFIG_MAP}`, 'bookinfo.yaml', { allowUnknownKinds: true });
  assert.ok(lenient.ok);
  assert.deepEqual(lenient.value.resources.map((x) => x.kind), ['Service', 'ServiceAccount', 'Deployment']);
  assert.deepEqual(lenient.value.other.map((d) => [d.source, d.apiVersion, d.kind]), [['bookinfo.yaml: document 4', 'v1', 'ConfigMap']]);
  assert.deepEqual((lenient.value.other[0]!.value as { data: unknown }).data, { a: 'b' });
});

test('parseManifests: workload fields the local platform uses are checked, the rest of the manifest is kept', () => {
  const bad = BOOKINFO_LOCAL.replace('replicas: 1', 'replicas: -1')
    .replace('      - name: details\n', '      - name: Details\n')
    .replace('        - containerPort: 9080', '        - containerPort: 90800')
    .replace('      serviceAccountName: bookinfo-details\n', '      serviceAccountName: bookinfo-details\n      restartPolicy: Sometimes\n      volumes: [{ name: tmp, emptyDir: {} }]\n');
  const r = parseManifests(bad, 'bookinfo.yaml');
  assert.deepEqual(r.ok ? [] : r.errors.map((e) => e.replace('bookinfo.yaml: document 3: Deployment default/details-v1: ', '')), [
    'spec.replicas: must be a whole number ≥ 0',
    'spec.template.spec.containers[0].name: required: a lower-case DNS label (letters, digits and -)',
    'spec.template.spec.containers[0].ports[0].containerPort: required: a port number 1-65535',
    'spec.template.spec.restartPolicy: must be Always, OnFailure or Never',
  ]);
  const pod = parseManifests('apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n  - name: c\n    command: [sleep, "60"]\n    env: [{ name: X, valueFrom: { secretKeyRef: { name: s, key: k } } }]\n', 'pod.yaml');
  assert.deepEqual(pod.ok ? [] : pod.errors.map((e) => e.split(' is supported')[0]), [
    'pod.yaml: document 1: Pod default/p: spec.containers[0].env[0].valueFrom: only fieldRef.fieldPath metadata.name, metadata.namespace, status.podIP, status.hostIP, spec.serviceAccountName, spec.nodeName',
  ]);
});

test('parseManifests: a Gateway API Gateway is another kind, not an invalid Istio Gateway', () => {
  const k8sGateway = 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: g }\nspec: { gatewayClassName: istio }\n';
  const lenient = parseManifests(k8sGateway, 'gw.yaml', { allowUnknownKinds: true });
  assert.ok(lenient.ok);
  assert.equal(lenient.value.other.length, 1);
  const strict = parseManifests(k8sGateway, 'gw.yaml');
  assert.deepEqual(strict.ok ? [] : strict.errors, [
    'gw.yaml: document 1: apiVersion: Gateway is served as networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3, not gateway.networking.k8s.io/v1',
  ]);
});

test('parseManifests: null fields are dropped from the stored spec', () => {
  const r = parseManifests(`${DR.replace('subsets:', 'trafficPolicy:\nsubsets:'.replace('\n', '\n  '))}`, 'dr.yaml');
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  assert.equal('trafficPolicy' in (r.value.resources[0]!.spec as object), false);
});

test('parseManifests: an empty file is no resources', () => {
  const r = parseManifests('', 'empty.yaml');
  assert.deepEqual(r, { ok: true, value: { resources: [], other: [] } });
});
