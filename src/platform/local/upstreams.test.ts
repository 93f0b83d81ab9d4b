// Upstream bindings of a pod: the annotation's syntax and checks, the sidecar metadata and the app's environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePodSpec, type PodSpec } from './pod.js';
import { UPSTREAMS_ANNOTATION, parseUpstreams, upstreamEnv, upstreamErrors, upstreamsMetadata } from './upstreams.js';

const ann = (v: string) => ({ [UPSTREAMS_ANNOTATION]: v });

test('parseUpstreams: SERVICE:PORT[=LOCALPORT], every malformed entry reported', () => {
  const r = parseUpstreams('reviews:9080, mongodb.db:27017=27018,,echo,x:70000,y:1=0');
  assert.deepEqual(r.upstreams, [
    { service: 'reviews', port: 9080, localPort: 9080 },
    { service: 'mongodb.db', port: 27017, localPort: 27018 },
  ]);
  assert.equal(r.errors.length, 3);
  assert.match(r.errors[0]!, /^"echo" is not SERVICE:PORT\[=LOCALPORT\]/);
});

test('metadata names full hosts (short names in the pod namespace); env is Kubernetes style at the pod IP', () => {
  const a = ann('reviews:9080=19080,my-db.other:5432,my-db:5433');
  assert.deepEqual(upstreamsMetadata(a, 'shop'), { RIG_UPSTREAMS: 'reviews.shop.svc.cluster.local:9080=19080,my-db.other:5432=5432,my-db.shop.svc.cluster.local:5433=5433' });
  assert.deepEqual(upstreamEnv(a, '127.9.0.4'), { REVIEWS_SERVICE_HOST: '127.9.0.4', REVIEWS_SERVICE_PORT: '19080', MY_DB_SERVICE_HOST: '127.9.0.4', MY_DB_SERVICE_PORT: '5432' });
  assert.deepEqual(upstreamsMetadata({}, 'shop'), {});
  assert.deepEqual(upstreamEnv({}, '127.9.0.4'), {});
});

test('a pod is refused for a local port bound twice, the sidecar own or its own', () => {
  assert.deepEqual(upstreamErrors(ann('a:80,b:80'), []), [`metadata.annotations[${UPSTREAMS_ANNOTATION}]: "b:80": local port 80 is bound twice; give one binding another =LOCALPORT`]);
  assert.match(upstreamErrors(ann('a:15001'), [])[0]!, /local port 15001 is the sidecar's own/);
  assert.match(upstreamErrors(ann('a:9080'), [9080])[0]!, /local port 9080 is a port of this pod/);
  const spec: PodSpec = { name: 'c', namespace: 'default', labels: {}, annotations: ann('nope'), serviceAccount: 'default', restartPolicy: 'Always', containers: [{ name: 'c', command: ['true'] }] };
  assert.match(validatePodSpec(spec).join('\n'), /rig\.io\/upstreams\]: "nope" is not SERVICE:PORT/);
  assert.deepEqual(validatePodSpec({ ...spec, annotations: ann('reviews:9080') }), []);
});
