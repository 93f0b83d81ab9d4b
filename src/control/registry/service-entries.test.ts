import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workloadEntryMember, workloadMember } from './endpoints.js';
import type { Resolution } from './model.js';
import { convertServiceEntry, serviceEntryFixedEndpoints, serviceEntryMemberEndpoints, serviceEntryResolution } from './service-entries.js';
import { detailsOnVms, httpbinServiceEntry, serviceEntry } from './test-fixtures.js';
import type { ServiceEntrySpec, WorkloadEntrySpec } from '../../api/istio/networking.js';
import type { Resource } from '../../api/istio/meta.js';

test('resolution mapping: NONE → PASSTHROUGH (the default), STATIC, DNS, DNS_ROUND_ROBIN', () => {
  const table: [ServiceEntrySpec['resolution'], Resolution][] = [
    [undefined, 'PASSTHROUGH'],
    ['NONE', 'PASSTHROUGH'],
    ['STATIC', 'STATIC'],
    ['DNS', 'DNS'],
    ['DNS_ROUND_ROBIN', 'DNS_ROUND_ROBIN'],
  ];
  for (const [r, want] of table) assert.equal(serviceEntryResolution({ hosts: ['x.com'], ...(r ? { resolution: r } : {}) }), want);
});

test('httpbin.org with DNS: one MESH_EXTERNAL service, the host itself as endpoint per port', () => {
  const se = httpbinServiceEntry();
  const services = convertServiceEntry(se);
  assert.deepEqual(services, [
    {
      hostname: 'httpbin.org',
      namespace: 'default',
      name: 'httpbin-ext',
      ports: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'https', port: 443, protocol: 'HTTPS' },
      ],
      addresses: [],
      resolution: 'DNS',
      meshExternal: true,
      exportTo: ['*'],
      labels: {},
      origin: { kind: 'ServiceEntry', namespace: 'default', name: 'httpbin-ext' },
    },
  ]);
  assert.deepEqual(
    serviceEntryFixedEndpoints(se, services).map((e) => [e.hostname, e.servicePort, e.address, e.port, e.health]),
    [
      ['httpbin.org', 80, 'httpbin.org', 80, 'HEALTHY'],
      ['httpbin.org', 443, 'httpbin.org', 443, 'HEALTHY'],
    ],
  );
});

test('inline endpoints: port by name, else targetPort, else number; labels, locality, weight, network', () => {
  const se = serviceEntry('infra', 'db', {
    hosts: ['db.internal', 'db-ro.internal', '*.wild.internal'],
    addresses: ['240.0.0.10'],
    location: 'MESH_INTERNAL',
    resolution: 'STATIC',
    exportTo: ['.'],
    ports: [
      { number: 5432, name: 'tcp-pg', protocol: 'TCP' },
      { number: 8080, name: 'http-admin', protocol: 'http', targetPort: 18080 },
      { number: 9000, name: 'grpc', protocol: 'GRPC' },
    ],
    endpoints: [
      { address: '10.1.0.1', ports: { 'tcp-pg': 15432 }, labels: { version: 'a', 'security.istio.io/tlsMode': 'istio' }, locality: 'eu/eu-1/r1', weight: 5, serviceAccount: 'db', network: 'n1' },
      { address: '10.1.0.2', labels: { 'istio-locality': 'us.us-2' } },
      { ports: { grpc: 1 } }, // no address: ignored
    ],
  });
  const services = convertServiceEntry(se);
  assert.deepEqual(
    services.map((s) => [s.hostname, s.meshExternal, s.resolution, s.addresses, s.exportTo]),
    [
      ['db.internal', false, 'STATIC', ['240.0.0.10'], ['.']],
      ['db-ro.internal', false, 'STATIC', ['240.0.0.10'], ['.']],
      ['*.wild.internal', false, 'STATIC', ['240.0.0.10'], ['.']],
    ],
  );
  const eps = serviceEntryFixedEndpoints(se, services).filter((e) => e.hostname === 'db.internal');
  assert.deepEqual(
    eps.map((e) => [e.servicePort, e.address, e.port]),
    [
      [5432, '10.1.0.1', 15432],
      [5432, '10.1.0.2', 5432],
      [8080, '10.1.0.1', 18080],
      [8080, '10.1.0.2', 18080],
      [9000, '10.1.0.1', 9000],
      [9000, '10.1.0.2', 9000],
    ],
  );
  assert.deepEqual(eps[0], {
    hostname: 'db.internal',
    servicePort: 5432,
    address: '10.1.0.1',
    port: 15432,
    labels: { version: 'a', 'security.istio.io/tlsMode': 'istio' },
    namespace: 'infra',
    workloadName: 'db',
    serviceAccount: 'db',
    locality: { region: 'eu', zone: 'eu-1', subZone: 'r1' },
    network: 'n1',
    health: 'HEALTHY',
    weight: 5,
    hasSidecar: true,
  });
  assert.deepEqual(eps[1]!.locality, { region: 'us', zone: 'us-2', subZone: '' });
  assert.equal(eps[1]!.hasSidecar, false);
  assert.equal(eps[1]!.weight, 1);
});

test('workloadSelector: WorkloadEntries and workloads, port by name > targetPort > number', () => {
  const [se, vm1, vm2] = detailsOnVms() as [Resource<ServiceEntrySpec>, Resource<WorkloadEntrySpec>, Resource<WorkloadEntrySpec>];
  const services = convertServiceEntry(se);
  assert.deepEqual([services[0]!.meshExternal, services[0]!.resolution], [false, 'STATIC']);
  assert.deepEqual(serviceEntryFixedEndpoints(se, services), [], 'a selector replaces the DNS/inline endpoints');

  const e1 = serviceEntryMemberEndpoints(se, services, workloadEntryMember(vm1));
  assert.deepEqual(
    e1.map((e) => [e.address, e.port, e.workloadName, e.serviceAccount, e.hasSidecar, e.locality.region, e.locality.zone]),
    [['2.2.2.2', 8080, 'details-legacy-vm-1', 'details-legacy', true, 'us-west', 'us-west-2b']],
  );
  const e2 = serviceEntryMemberEndpoints(se, services, workloadEntryMember(vm2));
  assert.deepEqual(
    e2.map((e) => [e.address, e.port, e.weight, e.network, e.hasSidecar]),
    [['3.3.3.3', 8081, 3, 'vm-network', false]],
  );
  const pod = workloadMember({
    namespace: 'default',
    name: 'details-legacy-pod',
    labels: { app: 'details-legacy' },
    serviceAccount: 'details-legacy',
    ip: '127.0.30.1',
    ports: [{ name: 'http', port: 9080 }],
    healthy: false,
    hasSidecar: true,
  });
  assert.deepEqual(
    serviceEntryMemberEndpoints(se, services, pod).map((e) => [e.address, e.port, e.health]),
    [['127.0.30.1', 9080, 'UNHEALTHY']],
  );
});

test('DNS fallback: not for wildcard hosts, not when a selector is set; DNS_ROUND_ROBIN too', () => {
  const se = serviceEntry('default', 'ext', { hosts: ['api.example.com', '*.example.com'], resolution: 'DNS_ROUND_ROBIN', ports: [{ number: 443, name: 'tls', protocol: 'TLS', targetPort: 8443 }] });
  assert.deepEqual(
    serviceEntryFixedEndpoints(se, convertServiceEntry(se)).map((e) => [e.hostname, e.address, e.port]),
    [['api.example.com', 'api.example.com', 8443]],
  );
  const sel = serviceEntry('default', 'sel', { hosts: ['a.example.com'], resolution: 'DNS', ports: [{ number: 80, name: 'http' }], workloadSelector: { labels: { app: 'a' } } });
  assert.deepEqual(serviceEntryFixedEndpoints(sel, convertServiceEntry(sel)), []);
  const none = serviceEntry('default', 'none', { hosts: ['b.example.com'], ports: [{ number: 80, name: 'http' }] });
  assert.deepEqual(serviceEntryFixedEndpoints(none, convertServiceEntry(none)), []);
  assert.equal(convertServiceEntry(none)[0]!.ports[0]!.protocol, 'UNKNOWN');
});
