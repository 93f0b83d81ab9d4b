// `rig exec POD -- COMMAND…`: runs a command in a pod's environment (its POD_IP, HOST, PORT,
// and with a sidecar, HTTP_PROXY pointing at it), so `rig exec sleep -- curl -s
// http://reviews:9080/` goes through the sleep pod's sidecar. The command runs here, in the
// foreground, with the terminal's stdin/stdout; its exit code is rig's.
import { spawn } from 'node:child_process';
import type { Command } from './command.js';
import { CliError, runReporting } from './errors.js';
import { connectPlatform } from '../platform/local/client.js';

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
      let platform;
      try {
        platform = connectPlatform();
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      const ctx = await platform.supervisor
        .execContext(args.flags.namespace as string, pod, args.flags.container as string | undefined)
        .catch((err: Error) => Promise.reject(new CliError(err.message)));
      const [cmd, ...rest] = args.rest as [string, ...string[]];
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
