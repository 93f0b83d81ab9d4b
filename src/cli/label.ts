// `rig label`: sets or removes labels on namespaces (in the config store) and pods, as
// kubectl does: `k=v` sets, `k-` removes, an existing value needs --overwrite.
// A pod's new labels reach the control plane's registry at once (Services and subsets select
// it by them); its processes keep running.
import type { Command } from './command.js';
import { connectedPlatform } from './platform.js';
import { CliError, runReporting } from './errors.js';
import { resolveKindName } from '../api/istio/kinds.js';

export function parseLabelChanges(words: string[]): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const w of words) {
    if (w.endsWith('-') && !w.includes('=')) remove.push(w.slice(0, -1));
    else if (/^[A-Za-z0-9][-A-Za-z0-9_./]*=[-A-Za-z0-9_.]*$/.test(w)) set[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
    else throw new CliError(`"${w}" is not a label change; use key=value to set, key- to remove`);
  }
  if (Object.keys(set).length + remove.length === 0) throw new CliError('give at least one label change: key=value or key-');
  return { set, remove };
}

export const labelCommand: Command = {
  name: 'label',
  summary: 'Set or remove labels on a namespace or a pod (istio-injection=enabled turns on sidecars)',
  usage: 'rig label namespace|pod NAME key=value… key-… [-n NS] [--overwrite]',
  examples: ['rig label namespace default istio-injection=enabled', 'rig label namespace default istio-injection-', 'rig label pod reviews-v1 version=v1 --overwrite'],
  flags: [
    { name: 'namespace', short: 'n', type: 'string', default: 'default', description: "the pod's namespace" },
    { name: 'overwrite', type: 'boolean', description: 'allow changing an existing label' },
  ],
  run: (args) =>
    runReporting(async () => {
      const [type, name, ...changes] = args.positional;
      if (!type || !name) throw new CliError('give a TYPE (namespace or pod), a NAME and label changes, e.g. `rig label namespace default istio-injection=enabled`');
      const { set, remove } = parseLabelChanges(changes);
      const platform = connectedPlatform();
      const change = (current: Record<string, string>): Record<string, string> => {
        const labels = { ...current };
        for (const [k, v] of Object.entries(set)) {
          if (k in labels && labels[k] !== v && !args.flags.overwrite) throw new CliError(`'${k}' already has a value (${labels[k]}), and --overwrite is false`);
          labels[k] = v;
        }
        for (const k of remove) delete labels[k];
        return labels;
      };
      if (['pod', 'pods', 'po'].includes(type.toLowerCase())) {
        const podNs = args.flags.namespace as string;
        const pod = await platform.supervisor.pod(podNs, name).catch((err: Error) => Promise.reject(new CliError(err.message)));
        if (!pod) throw new CliError(`pods "${name}" not found in namespace ${podNs}`);
        await platform.supervisor.relabel(podNs, name, change(pod.spec.labels)).catch((err: Error) => Promise.reject(new CliError(err.message)));
        process.stdout.write(`pod/${name} labeled\n`);
        return 0;
      }
      const info = resolveKindName(type);
      if (info?.kind !== 'Namespace') throw new CliError(`rig label works on namespaces and pods, not "${type}"`);
      const ns = await platform.controlPlane.get(info, '', name).catch((err: Error) => Promise.reject(new CliError(err.message)));
      if (!ns) throw new CliError(`namespaces "${name}" not found; create it with \`rig create namespace ${name}\``);
      const labels = change(ns.metadata.labels ?? {});
      await platform.controlPlane.update(info, { ...ns, metadata: { ...ns.metadata, labels } }).catch((err: Error) => Promise.reject(new CliError(err.message)));
      process.stdout.write(`namespace/${name} labeled\n`);
      return 0;
    }),
};
