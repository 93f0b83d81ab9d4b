import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workloadEntryMember, workloadMember } from './endpoints.js';
import { convertKubeService, externalNameEndpoints, kubeMemberEndpoints, kubeServiceNeedsVip, kubeServiceSelector } from './kube-services.js';
import { kubeService, workloadEntry } from './test-fixtures.js';
import type { Workload } from './model.js';

const pod: Workload = {
  namespace: 'shop',
  name: 'web-1',
  labels: { app: 'web' },
  serviceAccount: 'web',
  ip: '127.0.20.1',
  ports: [
    { name: 'http-main', port: 8080 },
    { name: 'metrics', port: 9090 },
  ],
  healthy: false,
  hasSidecar: true,
};

test('a core Service becomes <name>.<ns>.svc.<domain> with per-port protocols', () => {
  const res = kubeService(
    'shop',
    'web',
    {
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http-main' },
        { name: 'grpc-api', port: 9000, targetPort: 9001 },
        { name: 'tcp-raw', port: 7000 },
        { port: 3306 },
        { name: 'web', port: 81, appProtocol: 'http2' },
      ],
    },
    { team: 'a' },
  );
  res.metadata.annotations = { 'networking.istio.io/exportTo': '., istio-system' };
  const svc = convertKubeService(res, 'cluster.local', '10.96.1.2');
  assert.deepEqual(svc, {
    hostname: 'web.shop.svc.cluster.local',
    namespace: 'shop',
    name: 'web',
    ports: [
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'grpc-api', port: 9000, protocol: 'GRPC' },
      { name: 'tcp-raw', port: 7000, protocol: 'TCP' },
      { name: '', port: 3306, protocol: 'TCP' },
      { name: 'web', port: 81, protocol: 'HTTP2' },
    ],
    addresses: ['10.96.1.2'],
    resolution: 'STATIC',
    meshExternal: false,
    exportTo: ['.', 'istio-system'],
    labels: { team: 'a' },
    origin: { kind: 'Service', namespace: 'shop', name: 'web' },
  });
  assert.ok(Object.isFrozen(svc) && Object.isFrozen(svc.ports) && Object.isFrozen(svc.ports[0]));

  // Named targetPort resolves against the pod's named container ports; numeric is used as is.
  const eps = kubeMemberEndpoints(svc, res.spec, workloadMember(pod));
  assert.deepEqual(
    eps.map((e) => [e.servicePort, e.address, e.port, e.health]),
    [
      [80, '127.0.20.1', 8080, 'UNHEALTHY'],
      [9000, '127.0.20.1', 9001, 'UNHEALTHY'],
      [7000, '127.0.20.1', 7000, 'UNHEALTHY'],
      [3306, '127.0.20.1', 3306, 'UNHEALTHY'],
      [81, '127.0.20.1', 81, 'UNHEALTHY'],
    ],
  );
  assert.deepEqual(eps[0], {
    hostname: 'web.shop.svc.cluster.local',
    servicePort: 80,
    address: '127.0.20.1',
    port: 8080,
    labels: { app: 'web' },
    namespace: 'shop',
    workloadName: 'web-1',
    serviceAccount: 'web',
    locality: { region: '', zone: '', subZone: '' },
    network: '',
    health: 'UNHEALTHY',
    weight: 1,
    hasSidecar: true,
  });
});

test('a pod without the named targetPort serves no endpoint for that port', () => {
  const res = kubeService('shop', 'web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'missing' }, { name: 'm', port: 9090, targetPort: 'metrics' }] });
  const svc = convertKubeService(res, 'cluster.local', '10.96.1.2');
  assert.deepEqual(
    kubeMemberEndpoints(svc, res.spec, workloadMember(pod)).map((e) => [e.servicePort, e.port]),
    [[9090, 9090]],
  );
  // A WorkloadEntry's `ports` play the part of named container ports.
  const we = workloadEntryMember(workloadEntry('shop', 'vm', { address: '10.0.0.5', labels: { app: 'web' }, ports: { missing: 8443 } }));
  assert.deepEqual(
    kubeMemberEndpoints(svc, res.spec, we).map((e) => [e.servicePort, e.address, e.port, e.health, e.workloadName]),
    [[80, '10.0.0.5', 8443, 'HEALTHY', 'vm']],
  );
});

test('clusterIP, headless, ExternalName and selectors', () => {
  const explicit = kubeService('default', 'a', { clusterIP: '10.0.0.10', ports: [{ port: 80 }] });
  assert.equal(kubeServiceNeedsVip(explicit.spec), false);
  assert.deepEqual(convertKubeService(explicit, 'cluster.local', '10.96.9.9').addresses, ['10.0.0.10']);

  const headless = kubeService('default', 'h', { clusterIP: 'None', selector: { app: 'h' }, ports: [{ port: 80 }] });
  assert.equal(kubeServiceNeedsVip(headless.spec), false);
  const h = convertKubeService(headless, 'cluster.local');
  assert.deepEqual([h.resolution, h.addresses], ['PASSTHROUGH', []]);

  const ext = kubeService('default', 'db', { type: 'ExternalName', externalName: 'db.example.com', ports: [{ name: 'tcp', port: 5432 }] });
  const e = convertKubeService(ext, 'cluster.local');
  assert.deepEqual([e.resolution, e.meshExternal, e.addresses], ['DNS', true, []]);
  assert.deepEqual(
    externalNameEndpoints(e, ext.spec).map((x) => [x.address, x.port, x.servicePort]),
    [['db.example.com', 5432, 5432]],
  );

  assert.equal(kubeServiceSelector({ selector: {} }), undefined, 'an empty selector selects nothing');
  assert.equal(kubeServiceSelector({}), undefined);
  assert.equal(kubeServiceNeedsVip({}), true);
});
