// Units of the local platform that need no process: pod status as kubectl shows it, `$(VAR)`
// expansion, pod addresses, install values and overrides files, kubectl's table and ages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayStatus, expandVars, readyCount, toKubePod, validatePodSpec, type ContainerStatus, type PodRecord } from './pod.js';
import { appAddressOf, defaultPodBlock, isPodBlock } from './ipam.js';
import { PROFILES, dumpProfile, overridesToSets, resolveValues } from './profiles.js';
import { age, table } from './table.js';

function pod(statuses: Partial<ContainerStatus>[], extra: Partial<PodRecord['status']> = {}): PodRecord {
  return {
    uid: 'u',
    creationTimestamp: '2026-01-01T00:00:00Z',
    spec: { name: 'p', namespace: 'default', labels: {}, annotations: {}, serviceAccount: 'default', restartPolicy: 'Always', containers: statuses.map((s, i) => ({ name: s.name ?? `c${i}`, command: ['x'] })) },
    status: {
      phase: 'Running',
      podIP: '127.9.0.1',
      appIP: '127.9.128.1',
      hostIP: '127.0.0.1',
      startTime: '2026-01-01T00:00:00Z',
      hasSidecar: false,
      events: [],
      containerStatuses: statuses.map((s, i) => ({ name: `c${i}`, image: '', state: 'Running', ready: true, restartCount: 0, ...s })),
      ...extra,
    },
  };
}

test("STATUS and READY read as kubectl's", () => {
  assert.equal(displayStatus(pod([{}, {}])), 'Running');
  assert.equal(readyCount(pod([{}, { ready: false }])), '1/2');
  assert.equal(displayStatus(pod([{}, { state: 'Waiting', reason: 'CrashLoopBackOff', ready: false }])), 'CrashLoopBackOff');
  assert.equal(displayStatus(pod([{ state: 'Waiting', reason: 'ContainerCreating', ready: false }], { phase: 'Pending' })), 'ContainerCreating');
  assert.equal(displayStatus(pod([{ state: 'Terminated', reason: 'Completed', exitCode: 0 }])), 'Completed');
  assert.equal(displayStatus(pod([{ state: 'Terminated', reason: 'Error', exitCode: 2 }])), 'Error');
  assert.equal(displayStatus(pod([{}], { deletionTimestamp: '2026-01-01T00:00:01Z' })), 'Terminating');
});

test('a pod as a Kubernetes object', () => {
  const k = toKubePod(pod([{ restartCount: 2 }])) as { kind: string; status: { podIP: string; containerStatuses: { restartCount: number; state: { running?: unknown } }[] }; spec: { nodeName: string } };
  assert.equal(k.kind, 'Pod');
  assert.equal(k.status.podIP, '127.9.0.1');
  assert.equal(k.status.containerStatuses[0]!.restartCount, 2);
  assert.ok(k.status.containerStatuses[0]!.state.running);
});

test('pod specs are validated with every error', () => {
  const errs = validatePodSpec({ name: 'Bad_Name', namespace: 'default', labels: {}, annotations: {}, serviceAccount: 'default', restartPolicy: 'Always', containers: [{ name: 'a', command: [] }] });
  assert.equal(errs.length, 2, errs.join('\n'));
  assert.match(errs[0]!, /metadata\.name/);
  assert.match(errs[1]!, /command/);
});

test('$(VAR) expands as in Kubernetes; unknown variables and $$ escapes stay literal', () => {
  assert.equal(expandVars('--admin-address=$(POD_IP)', { POD_IP: '127.1.0.2' }), '--admin-address=127.1.0.2');
  assert.equal(expandVars('$(NOPE) $$(POD_IP)', { POD_IP: 'x' }), '$(NOPE) $(POD_IP)');
});

test('pod addresses: a block per home, app addresses in its upper half', () => {
  const b = defaultPodBlock('/home/a/.rig');
  assert.ok(isPodBlock(b), b);
  assert.equal(defaultPodBlock('/home/a/.rig'), b);
  assert.equal(appAddressOf('127.42', '127.42.0.7'), '127.42.128.7');
  assert.equal(appAddressOf('127.42', '127.42.1.7'), '127.42.129.7');
  assert.throws(() => appAddressOf('127.42', '127.43.0.7'), /not in the pod block/);
});

test('install values: profiles pick components, --set overrides, unknown keys are errors', () => {
  const demo = resolveValues(['profile=demo']);
  assert.ok(demo.ok);
  assert.equal(demo.value.values['components.egressGateways.enabled'], 'true');
  const minimal = resolveValues(['profile=minimal', 'components.ingressGateways.enabled=true']);
  assert.ok(minimal.ok);
  assert.equal(minimal.value.values['components.ingressGateways.enabled'], 'true');
  const bad = resolveValues(['values.gateways.istio-ingressgateway.httpPort=99999', 'nope=1']);
  assert.ok(!bad.ok);
  assert.equal(bad.errors.length, 2);
});

test("kubectl's ages and columns", () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  const ago = (s: number) => new Date(now - s * 1000).toISOString();
  assert.deepEqual([5, 119, 200, 1800, 4 * 3600 + 60, 30 * 3600, 3 * 86400 + 3600].map((s) => age(ago(s), now)), ['5s', '119s', '3m20s', '30m', '4h1m', '30h', '3d1h']);
  assert.equal(table(['NAME', 'READY'], [['a', '1/1'], ['long-name', '2/2']]), 'NAME        READY\na           1/1\nlong-name   2/2\n');
});

test('`rig profile dump` output is an overrides file `rig install -f` takes back unchanged', () => {
  for (const p of PROFILES) {
    const sets = overridesToSets(dumpProfile(p), `${p.name}.yaml`);
    assert.ok(sets.ok, sets.ok ? '' : sets.errors.join('\n'));
    const back = resolveValues(sets.value);
    const direct = resolveValues([`profile=${p.name}`]);
    assert.ok(back.ok && direct.ok);
    assert.deepEqual(back.value.values, direct.value.values);
  }
  const mesh = overridesToSets('kind: IstioOperator\nspec:\n  meshConfig:\n    accessLogFile: /dev/stdout\n    outboundTrafficPolicy:\n      mode: REGISTRY_ONLY\n', 'o.yaml');
  assert.deepEqual(mesh.ok ? mesh.value : mesh.errors, ['meshConfig.accessLogFile=/dev/stdout', 'meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY']);
  const bad = overridesToSets('kind: IstioOperator\nspec:\n  meshConfig:\n    enableAutoMtls: true\n', 'o.yaml');
  assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.split(';')[0]), ['o.yaml: spec.meshConfig.enableAutoMtls: not supported']);
});

test('a new mesh skips a pod block whose first address another mesh already uses', async () => {
  const { createServer } = await import('node:net');
  const { freePodBlock } = await import('./install.js');
  const { defaultPodBlock } = await import('./ipam.js');
  const root = `/tmp/rig-block-test-${process.pid}`;
  const hashed = defaultPodBlock(root);
  assert.equal(await freePodBlock(root), hashed);
  const other = createServer();
  await new Promise<void>((r) => other.listen(15014, `${hashed}.0.1`, r));
  try {
    const n = Number(hashed.split('.')[1]);
    assert.equal(await freePodBlock(root), `127.${n === 219 ? 20 : n + 1}`);
  } finally {
    await new Promise((r) => other.close(r));
  }
});
