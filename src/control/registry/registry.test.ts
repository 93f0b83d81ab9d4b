import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Workload } from './model.js';
import { AggregateRegistry, type RegistryChange } from './registry.js';
import { bookinfoServices, bookinfoWorkloads, detailsOnVms, httpbinServiceEntry, kubeService, ListWatchStore, serviceEntry, workloadEntry } from './test-fixtures.js';
import { WorkloadRegistry } from './workloads.js';
import { MemoryStore } from '../store/memory.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const RATINGS = 'ratings.default.svc.cluster.local';

function bookinfo(): { store: ListWatchStore; workloads: WorkloadRegistry; registry: AggregateRegistry; changes: RegistryChange[] } {
  const store = new ListWatchStore([...bookinfoServices(), httpbinServiceEntry(), ...detailsOnVms()]);
  const workloads = new WorkloadRegistry();
  for (const w of bookinfoWorkloads()) workloads.register(w);
  const registry = new AggregateRegistry({ store, workloads });
  const changes: RegistryChange[] = [];
  registry.onChange((c) => changes.push(c));
  return { store, workloads, registry, changes };
}

function dump(registry: AggregateRegistry): string {
  const out = registry.services().map((s) => ({ s, eps: s.ports.map((p) => registry.endpoints(s.hostname, p.port)) }));
  return JSON.stringify(out);
}

test('Bookinfo: services sorted by hostname, VIPs, endpoints per port from selected pods', () => {
  const { registry } = bookinfo();
  assert.deepEqual(
    registry.services().map((s) => [s.hostname, s.namespace, s.resolution, s.meshExternal]),
    [
      ['details.bookinfo.com', 'default', 'STATIC', false],
      ['details.default.svc.cluster.local', 'default', 'STATIC', false],
      ['httpbin.org', 'default', 'DNS', true],
      ['productpage.default.svc.cluster.local', 'default', 'STATIC', false],
      ['ratings.default.svc.cluster.local', 'default', 'STATIC', false],
      ['reviews.default.svc.cluster.local', 'default', 'STATIC', false],
    ],
  );
  for (const s of registry.services().filter((x) => x.origin.kind === 'Service')) {
    assert.equal(s.addresses.length, 1);
    assert.match(s.addresses[0]!, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/, `${s.hostname} VIP in 10.96.0.0/12`);
    assert.deepEqual(s.ports, [{ name: 'http', port: 9080, protocol: 'HTTP' }]);
  }
  assert.equal(new Set(registry.services().flatMap((s) => s.addresses)).size, 4);

  const reviews = registry.endpoints(REVIEWS, 9080);
  assert.deepEqual(
    reviews.map((e) => [e.address, e.port, e.labels.version, e.workloadName, e.serviceAccount, e.health, e.hasSidecar, e.locality.zone]),
    [
      ['127.0.10.4', 9080, 'v1', 'reviews-v1', 'bookinfo-reviews', 'HEALTHY', true, 'us-east-1a'],
      ['127.0.10.5', 9080, 'v2', 'reviews-v2', 'bookinfo-reviews', 'HEALTHY', true, 'us-east-1a'],
      ['127.0.10.6', 9080, 'v3', 'reviews-v3', 'bookinfo-reviews', 'HEALTHY', true, 'us-east-1a'],
    ],
  );
  assert.ok(Object.isFrozen(reviews) && Object.isFrozen(reviews[0]) && Object.isFrozen(reviews[0]!.labels));
  assert.equal(registry.endpoints(REVIEWS, 9080), reviews, 'cached until something changes');
  assert.deepEqual(registry.endpoints(REVIEWS, 80), []);
  assert.deepEqual(registry.endpoints('nope.default.svc.cluster.local', 9080), []);

  assert.deepEqual(
    registry.endpoints('httpbin.org', 443).map((e) => [e.address, e.port]),
    [['httpbin.org', 443]],
  );
  assert.deepEqual(
    registry.endpoints('details.bookinfo.com', 80).map((e) => [e.address, e.port, e.workloadName, e.weight]),
    [
      ['2.2.2.2', 8080, 'details-legacy-vm-1', 1],
      ['3.3.3.3', 8081, 'details-legacy-vm-2', 3],
    ],
  );
  assert.equal(registry.workloads().length, 6);
  assert.equal(registry.service(REVIEWS)!.name, 'reviews');
});

test('output is deterministic whatever order things arrive in', () => {
  const a = bookinfo().registry;

  const store = new ListWatchStore();
  const workloads = new WorkloadRegistry();
  const b = new AggregateRegistry({ store, workloads });
  for (const w of bookinfoWorkloads().reverse()) workloads.register(w);
  store.put(...detailsOnVms().reverse());
  store.put(httpbinServiceEntry());
  store.put(...bookinfoServices()); // same batch order as list(): same VIPs
  assert.equal(dump(b), dump(a));
});

test('an unready workload stays, marked UNHEALTHY; the change is endpoints-only', () => {
  const { workloads, registry, changes } = bookinfo();
  const v2 = bookinfoWorkloads()[4]!;
  workloads.register({ ...v2, healthy: false });
  assert.deepEqual(changes, [{ hostnames: [REVIEWS], endpointsOnly: true }]);
  assert.deepEqual(
    registry.endpoints(REVIEWS, 9080).map((e) => [e.workloadName, e.health]),
    [
      ['reviews-v1', 'HEALTHY'],
      ['reviews-v2', 'UNHEALTHY'],
      ['reviews-v3', 'HEALTHY'],
    ],
  );
  workloads.register({ ...v2, healthy: false }); // identical: no change
  assert.equal(changes.length, 1);
});

test('workload changes notify only the services that select them', () => {
  const { workloads, registry, changes } = bookinfo();
  const w: Workload = { ...bookinfoWorkloads()[3]!, name: 'reviews-v4', ip: '127.0.10.7', labels: { app: 'reviews', version: 'v4' } };
  workloads.register(w);
  assert.deepEqual(changes.pop(), { hostnames: [REVIEWS], endpointsOnly: true });
  assert.equal(registry.endpoints(REVIEWS, 9080).length, 4);

  // Relabelled from reviews to ratings: both services change.
  workloads.register({ ...w, labels: { app: 'ratings', version: 'v4' } });
  assert.deepEqual(changes.pop(), { hostnames: [RATINGS, REVIEWS], endpointsOnly: true });
  assert.equal(registry.endpoints(REVIEWS, 9080).length, 3);
  assert.deepEqual(
    registry.endpoints(RATINGS, 9080).map((e) => e.workloadName),
    ['ratings-v1', 'reviews-v4'],
  );

  // A label no selector looks at, a workload nobody selects, another namespace: nothing to push.
  workloads.register({ ...w, labels: { app: 'ratings', version: 'v4' }, serviceAccount: 'bookinfo-ratings' });
  assert.deepEqual(changes.pop(), { hostnames: [RATINGS], endpointsOnly: true }, 'the service account is in the endpoint');
  workloads.register({ ...w, name: 'loner', labels: { app: 'loner' } });
  workloads.register({ ...w, namespace: 'staging' });
  assert.deepEqual(changes, []);

  workloads.unregister('default', 'reviews-v4');
  assert.deepEqual(changes.pop(), { hostnames: [RATINGS], endpointsOnly: true });
  assert.equal(registry.endpoints(RATINGS, 9080).length, 1);
});

test('Service changes are full changes; one store batch is one notification', () => {
  const { store, registry, changes } = bookinfo();
  const [, , ratings, reviews] = bookinfoServices();
  const vip = registry.service(REVIEWS)!.addresses[0];

  store.put({ ...reviews!, spec: { ...reviews!.spec, ports: [{ name: 'http', port: 9080 }, { name: 'grpc', port: 9090, targetPort: 'grpc' }] } });
  assert.deepEqual(changes.pop(), { hostnames: [REVIEWS], endpointsOnly: false });
  assert.equal(registry.service(REVIEWS)!.addresses[0], vip, 'the VIP survives an update');
  assert.deepEqual(registry.endpoints(REVIEWS, 9090), [], 'no pod has a port named grpc');

  // Only the selector changed: the service is the same, its endpoints are not.
  store.put({ ...ratings!, spec: { ...ratings!.spec, selector: { app: 'reviews', version: 'v1' } } });
  assert.deepEqual(changes.pop(), { hostnames: [RATINGS], endpointsOnly: true });
  assert.deepEqual(
    registry.endpoints(RATINGS, 9080).map((e) => e.workloadName),
    ['reviews-v1'],
  );

  store.put(kubeService('default', 'a', { ports: [{ port: 80 }] }), kubeService('default', 'b', { ports: [{ port: 80 }] }));
  assert.deepEqual(changes.pop(), { hostnames: ['a.default.svc.cluster.local', 'b.default.svc.cluster.local'], endpointsOnly: false });
  assert.deepEqual(registry.endpoints('a.default.svc.cluster.local', 80), [], 'no selector, no endpoints');

  store.remove({ kind: 'Service', namespace: 'default', name: 'reviews' });
  assert.deepEqual(changes.pop(), { hostnames: [REVIEWS], endpointsOnly: false });
  assert.equal(registry.service(REVIEWS), undefined);
  assert.deepEqual(registry.endpoints(REVIEWS, 9080), []);
  assert.deepEqual(changes, []);
});

test('WorkloadEntries: a STATIC entry changes endpoints only; a DNS entry pushes clusters', () => {
  const { store, registry, changes } = bookinfo();
  store.put(workloadEntry('default', 'details-legacy-vm-3', { address: '4.4.4.4', labels: { app: 'details-legacy' } }));
  assert.deepEqual(changes.pop(), { hostnames: ['details.bookinfo.com'], endpointsOnly: true });
  assert.deepEqual(
    registry.endpoints('details.bookinfo.com', 80).map((e) => e.address),
    ['2.2.2.2', '3.3.3.3', '4.4.4.4'],
  );
  store.remove({ kind: 'WorkloadEntry', namespace: 'default', name: 'details-legacy-vm-1' });
  assert.deepEqual(changes.pop(), { hostnames: ['details.bookinfo.com'], endpointsOnly: true });
  assert.deepEqual(
    registry.endpoints('details.bookinfo.com', 80).map((e) => e.address),
    ['3.3.3.3', '4.4.4.4'],
  );

  // A registered workload is selected by the ServiceEntry too; its container port named
  // like the ServiceEntry port (http: 9080) wins over the targetPort (8080).
  registry.workloadRegistry.register({ ...bookinfoWorkloads()[0]!, name: 'details-legacy-pod', labels: { app: 'details-legacy' }, ip: '127.0.10.50' });
  assert.deepEqual(changes.pop(), { hostnames: ['details.bookinfo.com'], endpointsOnly: true });
  assert.deepEqual(
    registry.endpoints('details.bookinfo.com', 80).map((e) => [e.address, e.port]),
    [
      ['127.0.10.50', 9080],
      ['3.3.3.3', 8081],
      ['4.4.4.4', 8080],
    ],
  );

  // httpbin.org with DNS: its endpoints live in the cluster, so the change is not EDS-only.
  store.put(
    serviceEntry('default', 'httpbin-ext', {
      hosts: ['httpbin.org'],
      ports: [{ number: 80, name: 'http', protocol: 'HTTP' }, { number: 443, name: 'https', protocol: 'HTTPS' }],
      resolution: 'DNS',
      endpoints: [{ address: 'eu.httpbin.org' }, { address: 'us.httpbin.org' }],
    }),
  );
  assert.deepEqual(changes.pop(), { hostnames: ['httpbin.org'], endpointsOnly: false });
  assert.deepEqual(
    registry.endpoints('httpbin.org', 80).map((e) => e.address),
    ['eu.httpbin.org', 'us.httpbin.org'],
  );
  assert.deepEqual(changes, []);
});

test('same hostname twice: Service beats ServiceEntry in a namespace; other namespaces listed apart', () => {
  const { store, registry } = bookinfo();
  store.put(serviceEntry('default', 'shadow', { hosts: [REVIEWS], ports: [{ number: 1, name: 'tcp' }], resolution: 'STATIC', endpoints: [{ address: '9.9.9.9' }] }));
  assert.equal(registry.service(REVIEWS)!.origin.kind, 'Service');
  assert.equal(registry.endpoints(REVIEWS, 9080).length, 3);
  assert.equal(registry.services().filter((s) => s.hostname === REVIEWS).length, 1);

  store.put(
    { ...serviceEntry('default', 'b-newer', { hosts: ['api.example.com'], ports: [{ number: 443, name: 'tls' }], resolution: 'STATIC', endpoints: [{ address: '1.1.1.2' }] }), metadata: { namespace: 'default', name: 'b-newer', creationTimestamp: '2024-02-01T00:00:00Z' } },
    { ...serviceEntry('default', 'c-older', { hosts: ['api.example.com'], ports: [{ number: 443, name: 'tls' }], resolution: 'STATIC', endpoints: [{ address: '1.1.1.1' }] }), metadata: { namespace: 'default', name: 'c-older', creationTimestamp: '2024-01-01T00:00:00Z' } },
    serviceEntry('team-a', 'api', { hosts: ['api.example.com'], ports: [{ number: 443, name: 'tls' }], resolution: 'STATIC', endpoints: [{ address: '1.1.1.3' }] }),
  );
  assert.deepEqual(
    registry
      .services()
      .filter((s) => s.hostname === 'api.example.com')
      .map((s) => [s.namespace, s.name]),
    [
      ['default', 'c-older'],
      ['team-a', 'api'],
    ],
  );
  assert.deepEqual(
    registry.endpoints('api.example.com', 443).map((e) => e.address),
    ['1.1.1.1'],
  );
  store.remove({ kind: 'ServiceEntry', namespace: 'default', name: 'c-older' });
  assert.deepEqual(
    registry.endpoints('api.example.com', 443).map((e) => e.address),
    ['1.1.1.2'],
  );
  assert.equal(registry.service('api.example.com', 'team-a')!.name, 'api');
});

test('an explicit clusterIP takes precedence over an allocated VIP', () => {
  const { store, registry, changes } = bookinfo();
  const vip = registry.service(REVIEWS)!.addresses[0]!;
  store.put(kubeService('default', 'legacy', { clusterIP: vip, ports: [{ port: 80 }] }));
  assert.deepEqual(changes.pop(), { hostnames: ['legacy.default.svc.cluster.local', REVIEWS], endpointsOnly: false });
  assert.deepEqual(registry.service('legacy.default.svc.cluster.local')!.addresses, [vip]);
  const moved = registry.service(REVIEWS)!.addresses[0]!;
  assert.notEqual(moved, vip);
});

test('scale: 1,000 services × 10 endpoints, and a workload change touches one service', () => {
  const store = new ListWatchStore();
  const workloads = new WorkloadRegistry();
  const registry = new AggregateRegistry({ store, workloads });
  const changes: RegistryChange[] = [];
  registry.onChange((c) => changes.push(c));
  const services = Array.from({ length: 1000 }, (_, i) => kubeService('load', `svc-${String(i).padStart(4, '0')}`, { selector: { app: `app-${i}` }, ports: [{ name: 'http', port: 8080 }] }));
  store.put(...services);
  assert.equal(changes.length, 1);
  for (let i = 0; i < 1000; i++)
    for (let j = 0; j < 10; j++)
      workloads.register({
        namespace: 'load',
        name: `app-${i}-${j}`,
        labels: { app: `app-${i}`, pod: `p${j}` },
        serviceAccount: 'default',
        ip: `127.${1 + Math.floor(i / 250)}.${i % 250}.${j + 1}`,
        ports: [{ name: 'http', port: 8080 }],
        healthy: true,
        hasSidecar: true,
      });
  assert.equal(changes.length, 1 + 10_000);
  assert.ok(changes.slice(1).every((c) => c.endpointsOnly && c.hostnames.length === 1));
  assert.equal(registry.services().length, 1000);
  assert.equal(new Set(registry.services().map((s) => s.addresses[0])).size, 1000);
  let total = 0;
  for (const s of registry.services()) total += registry.endpoints(s.hostname, 8080).length;
  assert.equal(total, 10_000);

  changes.length = 0;
  workloads.register({ ...workloads.get('load', 'app-500-3')!, healthy: false });
  assert.deepEqual(changes, [{ hostnames: ['svc-0500.load.svc.cluster.local'], endpointsOnly: true }]);
  assert.equal(registry.endpoints('svc-0500.load.svc.cluster.local', 8080).filter((e) => e.health === 'UNHEALTHY').length, 1);
});

test('close() stops listening', () => {
  const { store, workloads, registry, changes } = bookinfo();
  registry.close();
  store.put(kubeService('default', 'late', { ports: [{ port: 80 }] }));
  workloads.register({ ...bookinfoWorkloads()[4]!, healthy: false });
  assert.deepEqual(changes, []);
});

test('with the real MemoryStore: validated Bookinfo + ServiceEntries, one batch per apply', async () => {
  const store = new MemoryStore({ now: () => new Date('2024-01-01T00:00:00Z'), newUid: () => 'uid' });
  const workloads = new WorkloadRegistry();
  for (const w of bookinfoWorkloads()) workloads.register(w);
  const registry = new AggregateRegistry({ store, workloads });
  const changes: RegistryChange[] = [];
  registry.onChange((c) => changes.push(c));

  const applied = await store.apply([...bookinfoServices(), httpbinServiceEntry(), ...detailsOnVms()]);
  assert.ok(applied.ok, JSON.stringify(applied));
  assert.deepEqual(changes, [
    {
      hostnames: ['details.bookinfo.com', 'details.default.svc.cluster.local', 'httpbin.org', 'productpage.default.svc.cluster.local', 'ratings.default.svc.cluster.local', REVIEWS],
      endpointsOnly: false,
    },
  ]);
  assert.equal(dump(registry), dump(bookinfo().registry));

  const del = await store.delete({ kind: 'WorkloadEntry', namespace: 'default', name: 'details-legacy-vm-2' });
  assert.ok(del.ok);
  assert.deepEqual(changes.at(-1), { hostnames: ['details.bookinfo.com'], endpointsOnly: true });
  assert.deepEqual(
    registry.endpoints('details.bookinfo.com', 80).map((e) => e.address),
    ['2.2.2.2'],
  );
  registry.close();
});
