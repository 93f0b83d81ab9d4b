// `rig install` refusing cleanly, as a user meets it: a port already taken, no terminal to
// confirm on, an unknown profile or value, a component that is not ready in time. Each
// exits non-zero with a message saying what to do, and leaves nothing running.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig } from '../helpers/process.js';
import { processesOf } from '../helpers/wait.js';

const home = mkdtempSync(join(tmpdir(), 'rig-platform-errors-'));
const env = { RIG_HOME: home, RIG_LOG_LEVEL: 'warn' };
const run = (...args: string[]) => rig(args, env);

const ourProcesses = (): number[] => processesOf(home);

after(async () => {
  if (ourProcesses().length) await run('uninstall', '-y');
  for (const pid of ourProcesses()) process.kill(pid, 'SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

test('a taken ingress port fails the install before anything starts, naming the port and the fix', async () => {
  const ip = `127.${200 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}.2`;
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(8080, ip, r));
  try {
    const r = await run('install', '--set', `values.gateways.istio-ingressgateway.bindAddress=${ip}`, '--set', 'values.gateways.istio-ingressgateway.httpPort=8080', '-y');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`port 8080 on ${ip.replace(/\./g, '\\.')} .* already in use`));
    assert.match(r.stderr, /--set values\.gateways\.istio-ingressgateway\.httpPort=N/);
    assert.doesNotMatch(r.stdout, /✔/);
    assert.deepEqual(ourProcesses(), []);
    assert.equal(existsSync(join(home, 'state.json')), false);
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

test('without a terminal and without -y, install asks for -y', async () => {
  const r = await run('install', '--set', 'profile=minimal');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /pass -y/);
  assert.deepEqual(ourProcesses(), []);
});

test('an unknown profile or value lists the valid ones', async () => {
  const p = await run('install', '--set', 'profile=huge', '-y');
  assert.equal(p.code, 1);
  assert.match(p.stderr, /unknown profile "huge"; valid profiles: default, demo, minimal, empty/);
  const v = await run('install', '--set', 'values.nope=1', '-y');
  assert.equal(v.code, 1);
  assert.match(v.stderr, /--set values\.nope: unknown value; known values: profile, components\.pilot\.enabled/);
  const list = await run('profile', 'list');
  assert.equal(list.code, 0);
  for (const name of ['default', 'demo', 'minimal', 'empty']) assert.match(list.stdout, new RegExp(`^\\s+${name}\\s`, 'm'));
});

test('a control plane not ready in time fails the install and stops everything it started', async () => {
  const r = await run('install', '--set', 'profile=minimal', '--timeout', '0.2', '-y');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the control plane did not become ready within 0\.2s/);
  assert.deepEqual(ourProcesses(), []);
  assert.equal(existsSync(join(home, 'state.json')), false);
  const v = await run('get', 'pods', '-A');
  assert.equal(v.code, 1);
  assert.match(v.stderr, /no mesh is installed in .*rig install/);
});
