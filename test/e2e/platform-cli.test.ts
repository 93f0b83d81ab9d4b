// The day-to-day commands on a minimal local mesh, each a real `node bin/rig …` process:
// create a namespace, run a pod without a sidecar (1/1), read its logs, describe it, run a
// command in its environment, relabel it, list it as Kubernetes JSON, delete it, uninstall.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig } from '../helpers/process.js';
import { processesOf } from '../helpers/wait.js';

const home = mkdtempSync(join(tmpdir(), 'rig-platform-cli-'));
const env = { RIG_HOME: home, RIG_LOG_LEVEL: 'warn' };
const run = (...args: string[]) => rig(args, env);

const ourProcesses = (): number[] => processesOf(home);

after(async () => {
  if (ourProcesses().length) await run('uninstall', '-y');
  for (const pid of ourProcesses()) process.kill(pid, 'SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

test('minimal profile: a pod in a namespace without injection runs alone, and every inspection command shows it', async () => {
  const i = await run('install', '--set', 'profile=minimal', '-y');
  assert.equal(i.code, 0, i.stdout + i.stderr);
  assert.doesNotMatch(i.stdout, /gateways installed/);

  assert.equal((await run('create', 'namespace', 'team')).code, 0);
  const dup = await run('create', 'ns', 'team');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /namespaces "team" already exists/);

  const r = await run('run', 'ticker', '-n', 'team', '--labels', 'version=v1', '--', 'sh', '-c', 'echo "started $POD_NAME.$POD_NAMESPACE"; exec sleep 60');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /pod\/ticker 1\/1 Running \(IP 127\.\d+\.\d+\.\d+\)/);

  const logs = await run('logs', 'ticker', '-n', 'team');
  assert.equal(logs.stdout, 'started ticker.team\n');
  const noSidecar = await run('logs', 'ticker', '-n', 'team', '-c', 'istio-proxy');
  assert.equal(noSidecar.code, 1);
  assert.match(noSidecar.stderr, /container istio-proxy is not valid for pod ticker; choose one of: \[ticker\]/);

  const d = await run('describe', 'pod', 'ticker', '-n', 'team');
  assert.match(d.stdout, /^Status:\s+Running$/m);
  assert.match(d.stdout, /^Labels:\s+app=ticker\n\s+version=v1$/m);
  assert.match(d.stdout, /^ {4}Restart Count:\s+0$/m);

  const e = await run('exec', 'ticker', '-n', 'team', '--', 'sh', '-c', 'echo "$POD_NAME $HOST ${HTTP_PROXY:-none}"');
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /^ticker 127\.\d+\.\d+\.\d+ none\n$/);

  assert.equal((await run('label', 'pod', 'ticker', '-n', 'team', 'version=v2')).code, 1, 'an existing label needs --overwrite');
  assert.equal((await run('label', 'pod', 'ticker', '-n', 'team', 'version=v2', '--overwrite', 'tier=back')).code, 0);
  const json = JSON.parse((await run('get', 'pods', '-n', 'team', '-o', 'json')).stdout) as {
    kind: string;
    items: { metadata: { name: string; labels: Record<string, string> }; status: { phase: string; podIP: string; containerStatuses: { ready: boolean }[] } }[];
  };
  assert.equal(json.kind, 'List');
  assert.deepEqual(json.items[0]!.metadata.labels, { app: 'ticker', tier: 'back', version: 'v2' });
  assert.equal(json.items[0]!.status.phase, 'Running');
  assert.equal(json.items[0]!.status.containerStatuses[0]!.ready, true);

  const del = await run('delete', 'pod', 'ticker', '-n', 'team');
  assert.equal(del.code, 0, del.stderr);
  const none = await run('get', 'pods', '-n', 'team');
  assert.match(none.stderr, /No resources found in team namespace\./);

  const u = await run('uninstall', '-y');
  assert.equal(u.code, 0, u.stderr);
  assert.deepEqual(ourProcesses(), []);
});
