// Where the CLI finds the control plane, and how it talks to its monitoring port (15014).
// The lookup order, shared by every command that needs a control plane:
//   1. the flag `--monitoring-address HOST:PORT`
//   2. the environment variable RIG_MONITORING_ADDRESS
//   3. the file $RIG_HOME/run/control-plane.json ({"monitoringAddress", "xdsAddress"}),
//      which the local platform writes when it starts the control plane (RIG_HOME: ~/.rig)
//   4. 127.0.0.1:15014
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { FlagSpec } from './args.js';
import { CliError } from './errors.js';

export const DEFAULT_MONITORING_ADDRESS = '127.0.0.1:15014';
export const MONITORING_ADDRESS_ENV = 'RIG_MONITORING_ADDRESS';

/** The `--monitoring-address` flag, for every command that reads the control plane. */
export const monitoringAddressFlag: FlagSpec = {
  name: 'monitoring-address',
  type: 'string',
  description: `control plane status address HOST:PORT (default: $${MONITORING_ADDRESS_ENV}, then $RIG_HOME/run/control-plane.json, then ${DEFAULT_MONITORING_ADDRESS})`,
};

export interface ControlPlaneLocation {
  /** HOST:PORT of the status/config HTTP API. */
  monitoringAddress: string;
  /** HOST:PORT of xDS, when the control-plane file says so. */
  xdsAddress?: string;
  /** Where the address came from, for messages. */
  from: 'flag' | 'env' | 'file' | 'default';
  /** The control-plane file, when `from` is 'file'. */
  file?: string;
}

/** RIG_HOME, default ~/.rig. */
export function rigHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.RIG_HOME || join(homedir(), '.rig');
}

/** $RIG_HOME/run/control-plane.json. */
export function controlPlaneFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(rigHome(env), 'run', 'control-plane.json');
}

function checkAddress(value: string, what: string): string {
  const v = value.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(v)) throw new CliError(`${what}: "${value}" is not HOST:PORT (e.g. ${DEFAULT_MONITORING_ADDRESS})`);
  return v;
}

/** Finds the control plane: flag, then RIG_MONITORING_ADDRESS, then the control-plane file, then the default. */
export function locateControlPlane(opts: { flag?: string | undefined; env?: NodeJS.ProcessEnv } = {}): ControlPlaneLocation {
  const env = opts.env ?? process.env;
  if (opts.flag) return { monitoringAddress: checkAddress(opts.flag, '--monitoring-address'), from: 'flag' };
  const fromEnv = env[MONITORING_ADDRESS_ENV];
  if (fromEnv) return { monitoringAddress: checkAddress(fromEnv, MONITORING_ADDRESS_ENV), from: 'env' };
  const file = controlPlaneFile(env);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (text !== undefined) {
    let v: { monitoringAddress?: unknown; xdsAddress?: unknown };
    try {
      v = JSON.parse(text) as typeof v;
    } catch (err) {
      throw new CliError(`${file} is not valid JSON (${(err as Error).message}); remove it, or give --monitoring-address HOST:PORT`);
    }
    if (typeof v?.monitoringAddress !== 'string') throw new CliError(`${file}: monitoringAddress: required ("IP:PORT"); remove the file, or give --monitoring-address HOST:PORT`);
    return {
      monitoringAddress: checkAddress(v.monitoringAddress, `${file}: monitoringAddress`),
      ...(typeof v.xdsAddress === 'string' ? { xdsAddress: v.xdsAddress } : {}),
      from: 'file',
      file,
    };
  }
  return { monitoringAddress: DEFAULT_MONITORING_ADDRESS, from: 'default' };
}

function describeSource(loc: ControlPlaneLocation): string {
  switch (loc.from) {
    case 'flag':
      return 'given by --monitoring-address';
    case 'env':
      return `from ${MONITORING_ADDRESS_ENV}`;
    case 'file':
      return `from ${loc.file}`;
    default:
      return 'the default';
  }
}

/** The message for a control plane that does not answer. */
export function unreachableMessage(loc: ControlPlaneLocation, cause: string): string {
  return (
    `cannot reach the control plane at ${loc.monitoringAddress} (${describeSource(loc)}): ${cause}\n` +
    'Is it running? Start it with `rig install` or `rig pilot`, or point at it with --monitoring-address HOST:PORT.'
  );
}

export interface ControlPlaneResponse {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined if it is not JSON. */
  json: unknown;
}

function causeOf(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time';
  if (e?.cause?.code === 'ECONNREFUSED') return 'connection refused';
  return e?.cause?.message ?? e?.message ?? String(err);
}

/** One HTTP request to the control plane's monitoring port. Unreachable → CliError saying what to do. */
export async function controlPlaneRequest(
  loc: ControlPlaneLocation,
  path: string,
  init: { method?: string; body?: string; contentType?: string; timeoutMs?: number } = {},
): Promise<ControlPlaneResponse> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`http://${loc.monitoringAddress}${path}`, {
      method: init.method ?? 'GET',
      ...(init.body !== undefined ? { body: init.body, headers: { 'content-type': init.contentType ?? 'application/yaml' } } : {}),
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
    });
    text = await res.text();
  } catch (err) {
    throw new CliError(unreachableMessage(loc, causeOf(err)));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** GET a JSON document; a non-2xx answer is a CliError with the server's message. */
export async function controlPlaneJson<T>(loc: ControlPlaneLocation, path: string, what: string): Promise<T> {
  const r = await controlPlaneRequest(loc, path);
  const body = r.json as { error?: unknown; message?: unknown } | undefined;
  if (r.status === 404 && (body?.error === undefined || String(body.error).startsWith('no such path'))) {
    throw new CliError(`the control plane at ${loc.monitoringAddress} does not serve ${path.split('?')[0]}; is it a Rigging control plane of this version?`);
  }
  if (r.status < 200 || r.status > 299 || r.json === undefined) {
    const msg = body?.error ?? body?.message ?? r.text.trim();
    throw new CliError(`${what}: the control plane at ${loc.monitoringAddress} answered ${r.status}: ${String(msg)}`);
  }
  return r.json as T;
}
