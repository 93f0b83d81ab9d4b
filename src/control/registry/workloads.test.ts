import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bookinfoWorkloads } from './test-fixtures.js';
import { validateWorkload, WorkloadRegistry, type WorkloadChange } from './workloads.js';

test('register, update, unregister, with change notifications', () => {
  const reg = new WorkloadRegistry();
  const changes: WorkloadChange[] = [];
  reg.onChange((c) => changes.push(c));
  const [details, productpage] = bookinfoWorkloads();

  assert.deepEqual(reg.register(productpage!), { created: true, changed: true, workload: reg.get('default', 'productpage-v1') });
  reg.register(details!);
  assert.deepEqual(
    reg.list().map((w) => w.name),
    ['details-v1', 'productpage-v1'],
  );
  assert.equal(reg.size, 2);

  // Identical re-registration: no change.
  assert.equal(reg.register({ ...details!, labels: { version: 'v1', app: 'details' } }).changed, false);
  assert.equal(changes.length, 2);

  const r = reg.register({ ...details!, healthy: false });
  assert.deepEqual([r.created, r.changed], [false, true]);
  assert.equal(changes.at(-1)!.previous!.healthy, true);
  assert.equal(changes.at(-1)!.current!.healthy, false);

  assert.equal(reg.unregister('default', 'details-v1')!.name, 'details-v1');
  assert.equal(reg.unregister('default', 'details-v1'), undefined);
  assert.equal(changes.at(-1)!.current, undefined);
  assert.deepEqual(
    reg.list().map((w) => w.name),
    ['productpage-v1'],
  );
});

test('the registry keeps a frozen copy: the caller mutating its object changes nothing', () => {
  const reg = new WorkloadRegistry();
  const w = bookinfoWorkloads()[3]!;
  reg.register(w);
  w.labels.version = 'v9';
  w.ports.push({ port: 1 });
  const kept = reg.get('default', 'reviews-v1')!;
  assert.equal(kept.labels.version, 'v1');
  assert.equal(kept.ports.length, 1);
  assert.ok(Object.isFrozen(kept) && Object.isFrozen(kept.labels) && Object.isFrozen(kept.ports));
});

test('select uses labels within one namespace', () => {
  const reg = new WorkloadRegistry();
  for (const w of [...bookinfoWorkloads('default'), ...bookinfoWorkloads('staging')]) reg.register(w);
  assert.deepEqual(
    reg.select('default', { app: 'reviews' }).map((w) => `${w.namespace}/${w.name}`),
    ['default/reviews-v1', 'default/reviews-v2', 'default/reviews-v3'],
  );
  assert.deepEqual(
    reg.select('staging', { app: 'reviews', version: 'v2' }).map((w) => w.name),
    ['reviews-v2'],
  );
  assert.deepEqual(reg.select('default', { app: 'nope' }), []);
  assert.deepEqual(reg.select('nowhere', { app: 'reviews' }), []);
  assert.equal(reg.select('default', {}).length, 6);
});

test('validateWorkload: defaults, URL identity, and every error at once', () => {
  const ok = validateWorkload({ ip: '127.0.10.9', labels: { app: 'x' }, ports: [{ name: 'http', port: 8080 }], locality: 'eu/eu-1a/rack1' }, { namespace: 'default', name: 'x-1' });
  assert.deepEqual(ok, {
    ok: true,
    value: {
      namespace: 'default',
      name: 'x-1',
      labels: { app: 'x' },
      serviceAccount: 'default',
      ip: '127.0.10.9',
      ports: [{ name: 'http', port: 8080 }],
      locality: { region: 'eu', zone: 'eu-1a', subZone: 'rack1' },
      healthy: true,
      hasSidecar: false,
    },
  });

  const bad = validateWorkload(
    { namespace: 'other', ip: 'not-an-ip', labels: { a: 1 }, ports: [{ port: 0 }, { name: 'HTTP', port: 80 }, 'x'], healthy: 'yes', locality: 3 },
    { namespace: 'default', name: 'x-1' },
  );
  assert.equal(bad.ok, false);
  assert.deepEqual(!bad.ok && bad.errors, [
    'namespace: "other" does not match the URL\'s namespace "default"',
    'labels.a: must be a string',
    'ip: "not-an-ip" is not an IP address',
    'ports[0].port: must be an integer 1-65535',
    'ports[1].name: must be a lowercase IANA service name (at most 15 characters)',
    'ports[2]: must be an object',
    'locality: must be "region/zone/subzone" or {region, zone, subZone}',
    'healthy: must be true or false',
  ]);
  assert.deepEqual(validateWorkload([]), { ok: false, errors: ['a workload must be a JSON object'] });
  assert.deepEqual(validateWorkload({ namespace: 'Bad_NS', name: 'x', ip: '1.2.3.4' }), {
    ok: false,
    errors: ['namespace: "Bad_NS" is not a valid namespace (lowercase RFC 1123 label)'],
  });
});
