// Declared workloads → pods: the pure conversion (workloads.ts) and the controller's
// convergence (controller.ts) against an in-memory pod runtime and a store stand-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../api/istio/meta.js';
import type { KindInfo } from '../../api/istio/kinds.js';
import { ControlPlaneClient } from './control-plane.js';
import { WorkloadController, type PodRuntime } from './controller.js';
import type { PodRecord, PodSpec } from './pod.js';
import { deploymentHash, deploymentPod, deploymentStatus, objectPod, templateHash } from './workloads.js';

function deployment(name: string, replicas: number, version = 'v1'): Resource {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'reviews', version } },
      template: {
        metadata: { labels: { app: 'reviews', version } },
        spec: {
          serviceAccountName: 'bookinfo-reviews',
          containers: [
            {
              name: 'reviews',
              image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.17.0',
              command: ['rig', 'sample', 'reviews'],
              env: [{ name: 'SERVICE_VERSION', value: version }, { name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [{ name: 'http', containerPort: 9080 }],
              readinessProbe: { httpGet: { path: '/health', port: 'http' } },
            },
          ],
        },
      },
    },
  };
}

test('templateHash: stable across key order, different for a different template', () => {
  assert.equal(templateHash({ a: 1, b: [1, { c: 2, d: 3 }] }), templateHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
  assert.notEqual(templateHash({ a: 1 }), templateHash({ a: 2 }));
  assert.match(templateHash({}), /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  // Replicas are not part of the template: scaling keeps the pods' hash.
  assert.equal(deploymentHash(deployment('reviews-v1', 1)), deploymentHash(deployment('reviews-v1', 3)));
});

test('deploymentPod: template labels, service account, container command/env/ports/probe, owner', () => {
  const d = deployment('reviews-v1', 1);
  const hash = deploymentHash(d);
  const p = deploymentPod(d, 'abcde');
  assert.equal(p.name, `reviews-v1-${hash}-abcde`);
  assert.deepEqual(p.labels, { app: 'reviews', version: 'v1', 'pod-template-hash': hash });
  assert.equal(p.serviceAccount, 'bookinfo-reviews');
  assert.equal(p.restartPolicy, 'Always');
  assert.deepEqual(p.owner, { kind: 'Deployment', name: 'reviews-v1', hash });
  assert.deepEqual(p.containers, [
    {
      name: 'reviews',
      image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.17.0',
      command: ['rig', 'sample', 'reviews'],
      env: { SERVICE_VERSION: 'v1', ME: '$(POD_NAME)' },
      ports: [{ name: 'http', containerPort: 9080 }],
      readinessProbe: { httpGet: { path: '/health', port: 9080 } },
    },
  ]);
  const bare = objectPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sleep', namespace: 'ns1', labels: { app: 'sleep' } }, spec: { containers: [{ name: 'sleep', command: ['sleep', '60'] }] } });
  assert.equal(bare.name, 'sleep');
  assert.equal(bare.namespace, 'ns1');
  assert.equal(bare.serviceAccount, 'default');
  assert.deepEqual(bare.labels, { app: 'sleep' });
  assert.equal(bare.owner?.kind, 'Pod');
});

/** A supervisor stand-in: pods are records, ready as soon as they exist. */
class FakeRuntime implements PodRuntime {
  readonly pods = new Map<string, PodRecord>();
  private n = 0;
  list(): PodRecord[] {
    return [...this.pods.values()];
  }
  get(namespace: string, name: string): PodRecord | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }
  create(spec: PodSpec): Promise<PodRecord> {
    const rec: PodRecord = {
      uid: String(++this.n),
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, this.n)).toISOString(),
      spec,
      status: { phase: 'Running', podIP: '127.1.0.2', appIP: '127.1.128.2', hostIP: '127.0.0.1', startTime: '', hasSidecar: false, containerStatuses: [{ name: 'c', image: '', state: 'Running', ready: true, restartCount: 0 }], events: [] },
    };
    this.pods.set(`${spec.namespace}/${spec.name}`, rec);
    return Promise.resolve(rec);
  }
  delete(namespace: string, name: string): Promise<PodRecord> {
    const rec = this.pods.get(`${namespace}/${name}`)!;
    this.pods.delete(`${namespace}/${name}`);
    return Promise.resolve(rec);
  }
}

/** The store's Deployments and Pods, served as the control plane's API would list them. */
class FakeStore extends ControlPlaneClient {
  objects: Resource[] = [];
  failing = false;
  constructor() {
    super('127.0.0.1:1');
  }
  override list(info: KindInfo): Promise<Resource[]> {
    return this.failing ? Promise.reject(new Error('unreachable')) : Promise.resolve(this.objects.filter((o) => o.kind === info.kind));
  }
}

test('the controller converges: create, scale up and down, recreate, new template, orphans; an unreadable store changes nothing', async () => {
  const rt = new FakeRuntime();
  const store = new FakeStore();
  let i = 0;
  const c = new WorkloadController({ runtime: rt, controlPlane: () => store, suffix: () => `s${++i}` });
  const names = () => rt.list().map((p) => p.spec.name).sort();
  await rt.create({ name: 'by-hand', namespace: 'default', labels: {}, annotations: {}, serviceAccount: 'default', restartPolicy: 'Always', containers: [] });

  store.objects = [deployment('reviews-v1', 2)];
  await c.reconcile();
  const hash = deploymentHash(store.objects[0]!);
  assert.deepEqual(names(), ['by-hand', `reviews-v1-${hash}-s1`, `reviews-v1-${hash}-s2`]);
  await c.reconcile();
  assert.equal(rt.list().length, 3, 'idempotent');
  assert.deepEqual(deploymentStatus(store.objects[0]!, rt.list()), { replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 });

  store.objects = [deployment('reviews-v1', 3)];
  await c.reconcile();
  assert.equal(rt.list().filter((p) => p.spec.owner).length, 3);
  store.objects = [deployment('reviews-v1', 1)];
  await c.reconcile();
  assert.deepEqual(names(), ['by-hand', `reviews-v1-${hash}-s1`], 'the newest go first');

  await rt.delete('default', `reviews-v1-${hash}-s1`);
  await c.reconcile();
  assert.deepEqual(names(), ['by-hand', `reviews-v1-${hash}-s4`], 'a deleted pod is recreated');

  store.objects = [deployment('reviews-v1', 1, 'v9')];
  const newHash = deploymentHash(store.objects[0]!);
  await c.reconcile();
  assert.deepEqual(names(), ['by-hand', `reviews-v1-${hash}-s4`, `reviews-v1-${newHash}-s5`], 'a new template: new pods first');
  await c.reconcile();
  assert.deepEqual(names(), ['by-hand', `reviews-v1-${newHash}-s5`], 'then the old ones go, once the new ones are ready');

  store.failing = true;
  store.objects = [];
  await c.reconcile();
  assert.equal(rt.list().length, 2, 'nothing changes while the store cannot be read');

  store.failing = false;
  store.objects = [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sleep', namespace: 'default' }, spec: { containers: [{ name: 'sleep', command: ['sleep', '60'] }] } }];
  await c.reconcile();
  assert.deepEqual(names(), ['by-hand', 'sleep'], 'the Deployment is gone, its pods too; the Pod object runs; rig run pods stay');
});
