// Starting and stopping the supervisor, the one background process of a local mesh.
//   startSupervisor(): spawns `rig supervisor` detached (its own session, output to
//     RIG_HOME/run/supervisor.log), so it outlives the CLI, and waits for its API.
//   stopSupervisor(): SIGTERM (it stops every pod), SIGKILL after a timeout, then kills any
//     container process a killed supervisor may have left behind (found through the pods'
//     recorded pids, checked against the pod's uid in the process environment).
//   runSupervisor(): the body of `rig supervisor`.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { logger } from '../../shared/log.js';
import { ensureHome, readJson, writeJsonAtomic, type RigHome, type SupervisorInfo } from './home.js';
import { SupervisorClient } from './client.js';
import { Supervisor } from './supervisor.js';
import { reconcileNetns } from './netns.js';
import { supervisorServer } from './supervisor-api.js';
import type { PodRecord } from './pod.js';

const log = logger('supervisor');

/** `rig` as a command line: this Node and bin/rig of this checkout. */
export const RIG_COMMAND = [process.execPath, join(import.meta.dirname, '..', '..', '..', 'bin', 'rig')];

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running supervisor of this home, if any. */
export async function runningSupervisor(home: RigHome): Promise<{ info: SupervisorInfo; client: SupervisorClient } | undefined> {
  const info = readJson<SupervisorInfo>(home.supervisorInfo);
  if (!info || !alive(info.pid)) return undefined;
  const client = new SupervisorClient(info.address);
  return (await client.healthy()) ? { info, client } : undefined;
}

export async function startSupervisor(home: RigHome, timeoutMs = 15_000): Promise<{ info: SupervisorInfo; client: SupervisorClient }> {
  const running = await runningSupervisor(home);
  if (running) return running;
  ensureHome(home);
  rmSync(home.supervisorInfo, { force: true });
  const out = openSync(home.supervisorLog, 'a');
  const child = spawn(RIG_COMMAND[0]!, [...RIG_COMMAND.slice(1), 'supervisor'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, RIG_HOME: home.root },
  });
  closeSync(out);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.once('error', () => (exited = -1));
  child.unref();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await runningSupervisor(home);
    if (r) return r;
    // Another `rig install` may have started one first: then ours exits and theirs is awaited.
    const holder = Number(safeRead(join(home.run, 'supervisor.pid')).trim());
    const another = exited !== undefined && holder > 0 && holder !== child.pid && alive(holder);
    if ((exited !== undefined && !another) || Date.now() > deadline) {
      if (exited === undefined && child.pid) process.kill(child.pid, 'SIGKILL');
      const tail = safeRead(home.supervisorLog).split('\n').slice(-15).join('\n');
      throw new Error(`the supervisor did not start${exited !== undefined ? ` (exit code ${exited})` : ` within ${timeoutMs / 1000}s`}; its log (${home.supervisorLog}):\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function safeRead(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

/** Stops the supervisor (and with it every pod); returns how many stray processes had to be killed. */
export async function stopSupervisor(home: RigHome, timeoutMs = 20_000): Promise<number> {
  const info = readJson<SupervisorInfo>(home.supervisorInfo);
  if (info && alive(info.pid)) {
    process.kill(info.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (alive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(info.pid)) process.kill(info.pid, 'SIGKILL');
  }
  rmSync(home.supervisorInfo, { force: true });
  const strays = killStrays(home);
  // The network namespaces and bridge of a killed supervisor's netns pods go too.
  reconcileNetns(home.root);
  return strays;
}

/** Container processes still running for this home's pods (their pid carries RIG_POD_UID=<uid>). */
export function strayProcesses(home: RigHome): number[] {
  const out: number[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(home.pods).filter((f) => f.endsWith('.json'));
  } catch {
    return out;
  }
  for (const f of files) {
    const rec = readJson<PodRecord>(join(home.pods, f));
    for (const c of rec?.status.containerStatuses ?? []) {
      if (!c.pid || !alive(c.pid)) continue;
      const environ = safeRead(`/proc/${c.pid}/environ`);
      if (environ.split('\0').includes(`RIG_POD_UID=${rec!.uid}`)) out.push(c.pid);
    }
  }
  return out;
}

export function killStrays(home: RigHome): number {
  const pids = strayProcesses(home);
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  return pids.length;
}

/**
 * One supervisor per RIG_HOME: creates run/supervisor.pid exclusively. Returns undefined when
 * this process now holds it, or the pid of the live supervisor that does (a stale file from
 * a dead one is taken over).
 */
function lockHome(home: RigHome): number | undefined {
  const file = join(home.run, 'supervisor.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(safeRead(file).trim());
    if (pid > 0 && pid !== process.pid && alive(pid)) return pid;
    rmSync(file, { force: true });
  }
  throw new Error(`cannot take ${file}; remove it if no supervisor runs`);
}

/** `rig supervisor`: runs in the foreground until SIGTERM/SIGINT. */
export async function runSupervisor(home: RigHome): Promise<number> {
  ensureHome(home);
  const owner = lockHome(home);
  if (owner !== undefined) {
    process.stderr.write(`error: a supervisor already runs for ${home.root} (pid ${owner}); stop it with \`rig uninstall\`\n`);
    return 1;
  }
  // Containers a killed supervisor left behind would hold their pods' ports: stop them first.
  const strays = killStrays(home);
  if (strays > 0) log.warn('stopped container processes a previous supervisor left running', { count: strays });
  const sup = new Supervisor({ home, rigCommand: RIG_COMMAND });
  const server = supervisorServer(sup, home);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  sup.start();
  writeJsonAtomic(home.supervisorInfo, { pid: process.pid, address, startedAt: new Date().toISOString() } satisfies SupervisorInfo);
  log.info('supervisor running', { home: home.root, api: address, pid: process.pid });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('stopping every pod');
  server.close();
  server.closeAllConnections();
  await sup.stop();
  const info = readJson<SupervisorInfo>(home.supervisorInfo);
  if (info?.pid === process.pid) rmSync(home.supervisorInfo, { force: true });
  rmSync(join(home.run, 'supervisor.pid'), { force: true });
  log.info('supervisor stopped');
  return 0;
}
