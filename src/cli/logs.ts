// `rig logs POD [-c CONTAINER] [-f]`: a pod container's output (stdout and stderr), from
// the supervisor; -f follows it until the pod goes away or Ctrl-C.
import type { Command } from './command.js';
import { resolvePodName } from './exec.js';
import { connectedPlatform } from './platform.js';
import { CliError, runReporting } from './errors.js';

export const logsCommand: Command = {
  name: 'logs',
  summary: "Print a pod container's output (-c istio-proxy for its sidecar)",
  usage: 'rig logs POD [-n NS] [-c CONTAINER] [-f]',
  examples: ['rig logs hello', 'rig logs hello -c istio-proxy', 'rig logs -n rig-system rigd-x7k2p -f'],
  flags: [
    { name: 'namespace', short: 'n', type: 'string', default: 'default', description: 'namespace' },
    { name: 'container', short: 'c', type: 'string', description: "container (default: the pod's first)" },
    { name: 'follow', short: 'f', type: 'boolean', description: 'keep printing new output' },
  ],
  run: (args) =>
    runReporting(async () => {
      const [pod] = args.positional;
      if (!pod) throw new CliError('give a POD, e.g. `rig logs hello`');
      const platform = connectedPlatform();
      const name = await resolvePodName(platform.supervisor, args.flags.namespace as string, pod);
      const stream = await platform.supervisor
        .log(args.flags.namespace as string, name, args.flags.container as string | undefined, args.flags.follow === true)
        .catch((err: Error) => Promise.reject(new CliError(err.message)));
      for await (const chunk of stream) process.stdout.write(chunk);
      return 0;
    }),
};
