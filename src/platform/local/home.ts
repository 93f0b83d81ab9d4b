// RIG_HOME: the one directory that holds a local mesh's state (default ~/.rig).
//   config/      the config store's YAML (the control plane's --config-dir)
//   pods/        one JSON file per pod: spec + status, written by the supervisor
//   logs/        one file per container: <namespace>_<pod>_<container>.log
//   run/         supervisor.json (pid + API address), supervisor.log
//   state.json   what `rig install` set up: profile, values, addresses
// Two RIG_HOMEs on one machine are two independent meshes: each picks its own loopback
// block for pod addresses (see ipam.ts).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface RigHome {
  root: string;
  config: string;
  pods: string;
  logs: string;
  run: string;
  state: string;
  supervisorInfo: string;
  supervisorLog: string;
}

export function rigHome(env: NodeJS.ProcessEnv = process.env): RigHome {
  const root = resolve(env.RIG_HOME || join(homedir(), '.rig'));
  return {
    root,
    config: join(root, 'config'),
    pods: join(root, 'pods'),
    logs: join(root, 'logs'),
    run: join(root, 'run'),
    state: join(root, 'state.json'),
    supervisorInfo: join(root, 'run', 'supervisor.json'),
    supervisorLog: join(root, 'run', 'supervisor.log'),
  };
}

export function ensureHome(h: RigHome): void {
  for (const d of [h.root, h.config, h.pods, h.logs, h.run]) mkdirSync(d, { recursive: true });
}

/** Writes a file atomically (temp + rename), so a reader never sees half of it. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** What `rig install` recorded. */
export interface InstallState {
  profile: string;
  values: Record<string, string>;
  /** Loopback block for pod addresses, e.g. 127.42 (pods 127.42.0.x, app addresses 127.42.128.x). */
  podBlock: string;
  controlPlane?: { ip: string; xds: string; monitoring: string; pod: string };
  ingress?: { address: string; httpPort: number; httpsPort: number };
  installedAt: string;
}

export function readState(h: RigHome): InstallState | undefined {
  return readJson<InstallState>(h.state);
}

export function writeState(h: RigHome, s: InstallState): void {
  writeJsonAtomic(h.state, s);
}

/** The running supervisor, as it recorded itself. */
export interface SupervisorInfo {
  pid: number;
  address: string;
  startedAt: string;
}
