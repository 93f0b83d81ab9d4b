// `rig create namespace NAME`: creates a namespace in the config store.
import type { Command } from './command.js';
import { connectedPlatform } from './platform.js';
import { CliError, runReporting } from './errors.js';
import { NAMESPACE_KIND } from '../platform/local/control-plane.js';
import { validNamespace } from '../platform/local/pod.js';

export const createCommand: Command = {
  name: 'create',
  summary: 'Create a namespace',
  usage: 'rig create namespace NAME',
  examples: ['rig create namespace bookinfo', 'rig create ns bookinfo && rig label ns bookinfo istio-injection=enabled'],
  flags: [],
  run: (args) =>
    runReporting(async () => {
      const [type, name] = args.positional;
      if (!type || !['namespace', 'ns'].includes(type) || !name) throw new CliError('usage: rig create namespace NAME');
      if (!validNamespace(name)) throw new CliError(`"${name}" is not a valid namespace name (lowercase letters, digits and '-', at most 63)`);
      const platform = connectedPlatform();
      if (await platform.controlPlane.get(NAMESPACE_KIND, '', name).catch((err: Error) => Promise.reject(new CliError(err.message))))
        throw new CliError(`namespaces "${name}" already exists`);
      await platform.controlPlane.apply(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`, 'rig create').catch((err: Error) => Promise.reject(new CliError(err.message)));
      process.stdout.write(`namespace/${name} created\n`);
      return 0;
    }),
};
