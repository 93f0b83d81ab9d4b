// `rig delete`: deletes the objects of manifests (-f, atomically, through the control
// plane's /rig/v1/delete, shared with `rig apply`), or objects by TYPE and NAME: pods (their
// processes stop, and a Pod object that declared one goes too; a Deployment's pod is
// recreated by the controller) on the local platform, any config kind (deployments,
// services, namespaces, virtualservices …) in the control plane's store.
import type { Command } from './command.js';
import { manifestFlags, sendManifests } from './apply.js';
import { controlPlaneRequest, locateControlPlane } from './control-plane.js';
import { connectedPlatform } from './platform.js';
import { CliError, runReporting } from './errors.js';
import { collectionPath } from '../platform/local/control-plane.js';
import { resolveKindName } from '../api/istio/kinds.js';

const POD_NAMES = new Set(['pod', 'pods', 'po']);

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete the objects of manifests (-f), or pods, services and config objects by name',
  usage: 'rig delete -f FILE|DIR|- [-f …] [-n NAMESPACE] [--ignore-not-found] | rig delete TYPE NAME… [-n NAMESPACE]',
  examples: [
    'rig delete -f samples/bookinfo/networking/virtual-service-all-v1.yaml',
    'rig delete pod hello',
    'rig delete deployment reviews-v3',
    'rig delete svc hello',
    'rig delete virtualservice reviews -n bookinfo',
  ],
  flags: [...manifestFlags, { name: 'ignore-not-found', type: 'boolean', description: 'objects that do not exist are not an error' }],
  run: (args) =>
    runReporting(async () => {
      if ((args.flags.filename as string[] | undefined)?.length) return sendManifests('delete', args);
      const [type, ...names] = args.positional;
      if (!type || names.length === 0) throw new CliError('give manifests with -f FILE, or a TYPE and NAME (e.g. `rig delete pod hello`)');
      const ns = (args.flags.namespace as string | undefined) ?? 'default';
      const ignore = args.flags['ignore-not-found'] === true;
      let code = 0;
      const notFound = (what: string, name: string, namespaced: boolean) => {
        if (ignore) return;
        process.stderr.write(`Error from server (NotFound): ${what} "${name}" not found${namespaced ? ` in namespace ${ns}` : ''}\n`);
        code = 1;
      };
      if (POD_NAMES.has(type.toLowerCase())) {
        const platform = connectedPlatform();
        const podKind = resolveKindName('Pod')!;
        for (const name of names) {
          // A pod declared by a Pod object goes with its object (else the controller would bring it back).
          const declared = await platform.controlPlane.get(podKind, ns, name).catch(() => undefined);
          if (declared) await platform.controlPlane.delete(podKind, ns, name).catch((err: Error) => Promise.reject(new CliError(err.message)));
          if (!(await platform.supervisor.pod(ns, name).catch((err: Error) => Promise.reject(new CliError(err.message))))) {
            if (declared) process.stdout.write(`pod "${name}" deleted\n`);
            else notFound('pods', name, true);
            continue;
          }
          await platform.supervisor.delete(ns, name).catch((err: Error) => Promise.reject(new CliError(err.message)));
          process.stdout.write(`pod "${name}" deleted\n`);
        }
        return code;
      }
      const info = resolveKindName(type);
      if (!info) throw new CliError(`the server doesn't have a resource type "${type}"; try pods, services, namespaces, virtualservices, …`);
      const loc = locateControlPlane({ flag: args.flags['monitoring-address'] as string | undefined });
      for (const name of names) {
        const res = await controlPlaneRequest(loc, `${collectionPath(info, info.namespaced ? ns : undefined)}/${encodeURIComponent(name)}`, { method: 'DELETE' });
        if (res.status === 404) {
          notFound(info.plural, name, info.namespaced);
          continue;
        }
        if (res.status >= 300) throw new CliError(`cannot delete ${info.singular} ${name}: ${(res.json as { message?: string } | undefined)?.message ?? res.text.trim()}`);
        process.stdout.write(`${info.singular} "${name}" deleted\n`);
      }
      return code;
    }),
};
