// `rig x precheck`: checks that this machine can run the mesh before `rig install` —
// Node.js version, per-pod loopback addresses, Istio's control-plane ports, and a writable
// RIG_HOME — printing ✔ or ✘ per check, and for each failure what to do.
import { createServer } from 'node:net';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from './command.js';
import { UsageError } from './args.js';
import { rigHome } from './control-plane.js';
import { runReporting } from './errors.js';
import { formatStructured, outputFormat } from './table.js';

export const MIN_NODE_MAJOR = 20;

export interface CheckResult {
  ok: boolean;
  /** What was checked and found. */
  message: string;
  /** On failure: what to do. */
  fix?: string;
}

export interface PrecheckOptions {
  nodeVersion?: string;
  rigHome?: string;
  /** A loopback address other than 127.0.0.1 that pods would use. */
  loopbackAddress?: string;
  host?: string;
  xdsPort?: number;
  monitoringPort?: number;
}

export function checkNodeVersion(version: string): CheckResult {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? { ok: true, message: `Node.js ${version} (${MIN_NODE_MAJOR} or newer needed)` }
    : { ok: false, message: `Node.js ${version} is too old: ${MIN_NODE_MAJOR} or newer is needed`, fix: `install Node.js ${MIN_NODE_MAJOR} or newer (e.g. from your package manager or nodejs.org) and run rig with it` };
}

/** Binds a TCP port; resolves with the error code, or undefined when it could bind. */
function tryBind(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

export async function checkLoopback(address: string): Promise<CheckResult> {
  const err = await tryBind(address, 0);
  if (!err) return { ok: true, message: `loopback addresses 127.x.y.z are usable (bound ${address})` };
  const fix =
    process.platform === 'darwin'
      ? `add loopback aliases, e.g. \`sudo ifconfig lo0 alias ${address} up\` (one per pod address)`
      : `make 127.0.0.0/8 usable on the loopback interface (\`ip addr show lo\` should list 127.0.0.1/8)`;
  return { ok: false, message: `cannot bind ${address} (${err}): pods need their own loopback addresses`, fix };
}

/** The /version of a Rigging control plane on host:port, or undefined if none answers. */
async function riggingVersion(host: string, port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${host}:${port}/version`, { signal: AbortSignal.timeout(1500) });
    const v = (await res.json()) as { version?: unknown; connectedProxies?: unknown };
    return res.ok && typeof v.version === 'string' && typeof v.connectedProxies === 'number' ? v.version : undefined;
  } catch {
    return undefined;
  }
}

export async function checkPorts(host: string, xdsPort: number, monitoringPort: number): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  let rigging: string | undefined | null = null;
  for (const [port, what] of [
    [xdsPort, 'xDS'],
    [monitoringPort, 'monitoring'],
  ] as const) {
    const err = await tryBind(host, port);
    if (!err) {
      out.push({ ok: true, message: `port ${port} (${what}) on ${host} is free` });
      continue;
    }
    if (rigging === null) rigging = await riggingVersion(host, monitoringPort);
    if (rigging !== undefined) {
      out.push({ ok: true, message: `port ${port} (${what}) on ${host} is held by a Rigging control plane (version ${rigging})` });
      continue;
    }
    out.push({
      ok: false,
      message: `port ${port} (${what}) on ${host} is ${err === 'EADDRINUSE' ? 'in use by another program' : `not bindable (${err})`}`,
      fix: err === 'EADDRINUSE' ? `stop the program holding it (\`ss -ltnp 'sport = :${port}'\` shows which), or run the control plane on other ports (rig pilot --xds-port/--monitoring-port)` : `check that ${host} is a local address`,
    });
  }
  return out;
}

export function checkRigHome(dir: string): CheckResult {
  const fix = `set RIG_HOME to a directory you can write, or fix the permissions of ${dir}`;
  try {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) return { ok: false, message: `RIG_HOME ${dir} is not a directory`, fix };
      const probe = mkdtempSync(join(dir, '.precheck-'));
      rmSync(probe, { recursive: true, force: true });
      return { ok: true, message: `RIG_HOME ${dir} is writable` };
    }
    let parent = dirname(dir);
    while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
    if (!statSync(parent).isDirectory()) return { ok: false, message: `RIG_HOME ${dir} cannot be created: ${parent} is not a directory`, fix };
    accessSync(parent, constants.W_OK);
    return { ok: true, message: `RIG_HOME ${dir} can be created (in ${parent})` };
  } catch (err) {
    return { ok: false, message: `RIG_HOME ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, fix };
  }
}

export async function runChecks(o: PrecheckOptions = {}): Promise<CheckResult[]> {
  const host = o.host ?? '127.0.0.1';
  return [
    checkNodeVersion(o.nodeVersion ?? process.versions.node),
    await checkLoopback(o.loopbackAddress ?? '127.10.0.1'),
    ...(await checkPorts(host, o.xdsPort ?? 15010, o.monitoringPort ?? 15014)),
    checkRigHome(o.rigHome ?? rigHome()),
  ];
}

export function formatChecks(results: readonly CheckResult[]): string {
  const lines = results.flatMap((r) => (r.ok ? [`✔ ${r.message}`] : [`✘ ${r.message}`, `    fix: ${r.fix ?? 'see the message above'}`]));
  const failed = results.filter((r) => !r.ok).length;
  lines.push(failed ? `Error: ${failed} check${failed > 1 ? 's' : ''} failed; fix ${failed > 1 ? 'them' : 'it'} and run \`rig x precheck\` again.` : '✔ No issues found when checking this machine: ready for `rig install`.');
  return lines.join('\n') + '\n';
}

export const xCommand: Command = {
  name: 'x',
  summary: 'Experimental commands: precheck',
  usage: 'rig x precheck [-o json|yaml]\n\nprecheck: checks the Node.js version, that 127.x.y.z addresses are bindable, that ports\n15010 and 15014 on 127.0.0.1 are free (or held by a Rigging control plane), and that RIG_HOME is writable.',
  examples: ['rig x precheck', 'RIG_HOME=/srv/rig rig x precheck', 'rig x precheck -o json'],
  flags: [{ name: 'output', short: 'o', type: 'string', description: 'output format: json|yaml (default: ✔/✘ lines)' }],
  run: (args) =>
    runReporting(async () => {
      const [sub, ...extra] = args.positional;
      if (sub !== 'precheck') throw new UsageError(sub ? `unknown subcommand "x ${sub}"; available: x precheck` : 'give a subcommand: rig x precheck');
      if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
      const format = outputFormat(args.flags.output);
      const results = await runChecks();
      process.stdout.write(format === 'json' || format === 'yaml' ? formatStructured(results, format) : formatChecks(results));
      return results.every((r) => r.ok) ? 0 : 1;
    }),
};
