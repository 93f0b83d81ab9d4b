// `rig exec POD -- COMMAND…`: runs a command in a pod's environment (its POD_IP, HOST, PORT,
// and with a sidecar, HTTP_PROXY pointing at it), so `rig exec sleep -- curl -s
// http://reviews:9080/` goes through the sleep pod's sidecar. The command runs here, in the
// foreground, with the terminal's stdin/stdout; its exit code is rig's.
import { isReady, type PodRecord } from '../platform/local/pod.js';
import { spawn } from 'node:child_process';
import type { Command } from './command.js';
import { connectedPlatform } from './platform.js';
import { CliError, runReporting } from './errors.js';

export const execCommand: Command = {
  name: 'exec',
  summary: "Run a command in a pod's environment (its sidecar as HTTP proxy)",
  usage: 'rig exec POD [-n NS] [-c CONTAINER] -- COMMAND [ARG…]',
  examples: ['rig exec sleep -- curl -s http://hello:8080/', 'rig exec -n bookinfo productpage -- env'],
  flags: [
    { name: 'namespace', short: 'n', type: 'string', default: 'default', description: 'namespace' },
    { name: 'container', short: 'c', type: 'string', description: "container whose environment to use (default: the pod's first)" },
  ],
  run: (args) =>
    runReporting(async () => {
      const [pod] = args.positional;
      if (!pod || args.rest.length === 0) throw new CliError('give a POD and the command after --, e.g. `rig exec sleep -- curl -s http://hello:8080/`');
      const platform = connectedPlatform();
      const name = await resolvePodName(platform.supervisor, args.flags.namespace as string, pod);
      const ctx = await platform.supervisor
        .execContext(args.flags.namespace as string, name, args.flags.container as string | undefined)
        .catch((err: Error) => Promise.reject(new CliError(err.message)));
      // A pod with its own network namespace (netns isolation): the command runs inside it, as kubectl exec does.
      const argv = ctx.netns ? ['ip', 'netns', 'exec', ctx.netns, ...args.rest] : args.rest;
      const [cmd, ...rest] = argv as [string, ...string[]];
      return new Promise<number>((resolve) => {
        const child = spawn(cmd, rest, { env: ctx.env, stdio: 'inherit', ...(ctx.workingDir ? { cwd: ctx.workingDir } : {}) });
        child.once('error', (err) => {
          process.stderr.write(`error: cannot run ${cmd}: ${err.message}\n`);
          resolve(127);
        });
        child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      });
    }),
};

/**
 * A pod name, or kubectl's `deploy/NAME` / `deployment/NAME` (a ready pod of that
 * Deployment, else any of its pods) and `pod/NAME`.
 */
export async function resolvePodName(sup: { pods(namespace?: string): Promise<PodRecord[]> }, namespace: string, ref: string): Promise<string> {
  const slash = ref.indexOf('/');
  if (slash < 0) return ref;
  const kind = ref.slice(0, slash).toLowerCase();
  const name = ref.slice(slash + 1);
  if (!name || !['pod', 'pods', 'po', 'deploy', 'deployment', 'deployments'].includes(kind)) throw new CliError(`cannot use ${ref}: give a pod name, pod/NAME or deploy/NAME`);
  if (kind.startsWith('po')) return name;
  const pods = (await sup.pods(namespace)).filter((p) => p.spec.owner?.kind === 'Deployment' && p.spec.owner.name === name && !p.status.deletionTimestamp);
  const pick = pods.find(isReady) ?? pods[0];
  if (!pick) throw new CliError(`deployment "${name}" has no pods in namespace ${namespace} (rig get deploy -n ${namespace})`);
  return pick.spec.name;
}
