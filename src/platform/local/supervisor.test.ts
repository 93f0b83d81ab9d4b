// The supervisor with real processes (no control plane): restarts with backoff into
// CrashLoopBackOff, readiness from a TCP probe, a stubborn process group killed after the
// grace period, and pods coming back when a new supervisor starts on the same RIG_HOME.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureHome, rigHome } from './home.js';
import { Supervisor } from './supervisor.js';
import type { PodRecord, PodSpec } from './pod.js';
import { displayStatus, isReady } from './pod.js';

const root = mkdtempSync(join(tmpdir(), 'rig-supervisor-'));
const home = rigHome({ RIG_HOME: root });
ensureHome(home);
const supervisors: Supervisor[] = [];

function start(): Supervisor {
  const s = new Supervisor({ home, rigCommand: [process.execPath], terminationGraceMs: 300, probeIntervalMs: 50 });
  s.start();
  supervisors.push(s);
  return s;
}

function spec(name: string, command: string[], extra: Partial<PodSpec> = {}): PodSpec {
  return { name, namespace: 'rig-system', labels: { app: name }, annotations: {}, serviceAccount: 'default', restartPolicy: 'Always', containers: [{ name: 'main', command }], ...extra };
}

async function until(fn: () => boolean, what: string, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

after(async () => {
  for (const s of supervisors) await s.stop();
  rmSync(root, { recursive: true, force: true });
});

test('a crashing container is restarted with backoff and ends in CrashLoopBackOff, its output in the log', async () => {
  const sup = start();
  await sup.create(spec('crasher', ['sh', '-c', 'echo attempt; exit 3']));
  const p = () => sup.get('rig-system', 'crasher')!;
  await until(() => p().status.containerStatuses[0]!.restartCount >= 2 && displayStatus(p()) === 'CrashLoopBackOff', 'CrashLoopBackOff after two restarts');
  const c = p().status.containerStatuses[0]!;
  assert.equal(c.lastTermination?.exitCode, 3);
  assert.equal(c.ready, false);
  assert.ok(readFileSync(join(home.logs, 'rig-system_crasher_main.log'), 'utf8').split('attempt').length >= 3);
  await sup.delete('rig-system', 'crasher');
  assert.equal(sup.get('rig-system', 'crasher'), undefined);
});

test('a container with a port is ready once it listens on the pod address; the app gets its environment', async () => {
  const sup = start();
  const script = "setTimeout(() => require('net').createServer().listen(+process.env.PORT, process.env.HOST), 300); console.log(process.env.POD_NAME, process.env.POD_NAMESPACE, process.env.POD_IP)";
  const created = await sup.create({ ...spec('web', []), containers: [{ name: 'main', command: [process.execPath, '-e', script], ports: [{ containerPort: 9080 }] }] });
  assert.equal(isReady(created), false);
  await until(() => isReady(sup.get('rig-system', 'web')!), 'the TCP probe to pass');
  const p = sup.get('rig-system', 'web') as PodRecord;
  assert.equal(p.status.hasSidecar, false);
  assert.equal(readFileSync(join(home.logs, 'rig-system_web_main.log'), 'utf8').trim(), `web rig-system ${p.status.podIP}`);
  await sup.delete('rig-system', 'web');
});

test('deleting a pod whose process ignores SIGTERM kills its whole process group after the grace period', async () => {
  const sup = start();
  await sup.create(spec('stubborn', ['sh', '-c', 'trap "" TERM; sleep 30 & echo $! > ' + join(root, 'child.pid') + '; wait']));
  await until(() => sup.get('rig-system', 'stubborn')!.status.containerStatuses[0]!.state === 'Running', 'the pod to run');
  let child = 0;
  await until(() => {
    try {
      child = Number(readFileSync(join(root, 'child.pid'), 'utf8'));
    } catch {
      return false;
    }
    return child > 0;
  }, 'the background child to start');
  const pid = sup.get('rig-system', 'stubborn')!.status.containerStatuses[0]!.pid!;
  const t0 = Date.now();
  await sup.delete('rig-system', 'stubborn');
  assert.ok(Date.now() - t0 >= 250, 'waited for the grace period');
  await until(() => !alive(pid) && !alive(child), 'the shell and its child to be gone', 2000);
});

test('a new supervisor on the same RIG_HOME brings the pods back with their addresses', async () => {
  const first = start();
  const p = await first.create(spec('keeper', ['sleep', '30']));
  await until(() => first.get('rig-system', 'keeper')!.status.phase === 'Running', 'the pod to run');
  await first.stop();
  const second = start();
  await until(() => second.get('rig-system', 'keeper')?.status.containerStatuses[0]?.state === 'Running', 'the pod to come back');
  assert.equal(second.get('rig-system', 'keeper')!.status.podIP, p.status.podIP);
  await second.delete('rig-system', 'keeper');
});
