// `rig pilot`: runs the control plane in the foreground (the istiod of Rigging).
import type { Command } from './command.js';
import { Pilot } from '../control/pilot.js';
import { FileSource } from '../control/xds/file-source.js';
import type { ResourceSource } from '../control/xds/source.js';
import { DirectoryStore } from '../control/store/directory.js';
import type { ConfigStore } from '../control/store/store.js';
import { VERSION } from '../shared/version.js';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { parseMeshConfig } from '../control/model/mesh-file.js';
import type { MeshConfig } from '../control/model/mesh.js';

export const pilotCommand: Command = {
  name: 'pilot',
  summary: 'Run the control plane (xDS server and status API) in the foreground',
  usage: 'rig pilot [--address IP] [--xds-port N] [--monitoring-port N] [--config-dir DIR | --resources FILE]',
  examples: [
    'rig pilot                                        # Istio config in memory (apply it through the API)',
    'rig pilot --config-dir ./mesh-config             # Istio YAML files in a directory, watched',
    'rig pilot --resources envoy-resources.yaml      # serve a file of Envoy resources to every proxy',
    'rig pilot --xds-port 0 --monitoring-port 0      # any free ports (printed at start)',
    'rig pilot --config-dir ./mesh-config --mesh-config mesh.yaml   # meshConfig: outboundTrafficPolicy, accessLogFile, …',
  ],
  flags: [
    { name: 'address', type: 'string', default: '127.0.0.1', description: 'address to bind' },
    { name: 'xds-port', type: 'number', default: 15010, description: 'ADS (xDS over gRPC, plaintext) port' },
    { name: 'monitoring-port', type: 'number', default: 15014, description: 'metrics and status HTTP port' },
    { name: 'config-dir', type: 'string', description: 'directory of Istio YAML (and where applied config is kept); watched for changes' },
    { name: 'resources', type: 'string', description: 'instead of Istio config: a YAML/JSON file of Envoy resources ("@type" each) served to every proxy' },
    { name: 'mesh-config', type: 'string', description: "Istio's meshConfig as YAML (outboundTrafficPolicy.mode, accessLogFile, defaultConfig.tracing.sampling, …); watched, changes are pushed" },
  ],
  async run(args) {
    let source: ResourceSource | undefined;
    let fileSource: FileSource | undefined;
    let store: ConfigStore | undefined;
    let dirStore: DirectoryStore | undefined;
    const file = args.flags.resources as string | undefined;
    const dir = args.flags['config-dir'] as string | undefined;
    if (file && dir) {
      process.stderr.write('error: give either --config-dir (Istio config) or --resources (Envoy resources), not both\n');
      return 1;
    }
    if (dir) {
      dirStore = new DirectoryStore({ dir });
      await dirStore.start();
      for (const e of dirStore.fileErrors()) process.stderr.write(`warning: ${e.file} was not applied:\n  ${e.errors.join('\n  ')}\n`);
      store = dirStore;
    }
    if (file) {
      fileSource = new FileSource(file);
      const r = fileSource.load();
      if (!r.ok) {
        process.stderr.write(`error: cannot load resources:\n  ${r.errors.join('\n  ')}\n`);
        return 1;
      }
      fileSource.watch();
      source = fileSource;
    }
    const meshFile = args.flags['mesh-config'] as string | undefined;
    let mesh: MeshConfig | undefined;
    if (meshFile) {
      const m = readMeshConfig(meshFile);
      if (!m.ok) {
        process.stderr.write(`error: ${m.errors.join('\n  ')}\n`);
        fileSource?.close();
        await dirStore?.close();
        return 1;
      }
      mesh = m.value;
    }
    const pilot = new Pilot({
      ...(mesh ? { mesh } : {}),
      ...(source ? { source } : {}),
      ...(store ? { store } : {}),
      host: args.flags.address as string,
      xdsPort: args.flags['xds-port'] as number,
      monitoringPort: args.flags['monitoring-port'] as number,
    });
    try {
      await pilot.start();
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\nIs another control plane running? Stop it, or pick other ports with --xds-port/--monitoring-port.\n`);
      fileSource?.close();
      await dirStore?.close();
      return 1;
    }
    const host = args.flags.address as string;
    process.stdout.write(
      `rig control plane ${VERSION}\n` +
        `  xDS (ADS, plaintext)  ${host}:${pilot.xdsPort}\n` +
        `  status and metrics    http://${host}:${pilot.monitoringPort}/debug/syncz  /metrics\n` +
        `Press Ctrl-C to stop.\n`,
    );
    if (meshFile) {
      // Polled, so an editor's rename-and-replace is seen too.
      watchFile(meshFile, { interval: 500 }, () => {
        const m = readMeshConfig(meshFile);
        if (!m.ok) process.stderr.write(`warning: the mesh config was not changed:\n  ${m.errors.join('\n  ')}\n`);
        else pilot.setMeshConfig(m.value);
      });
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    if (meshFile) unwatchFile(meshFile);
    fileSource?.close();
    await pilot.stop();
    await dirStore?.close();
    return 0;
  },
};

function readMeshConfig(file: string): ReturnType<typeof parseMeshConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`cannot read the mesh config ${file}: ${(err as Error).message}`] };
  }
  return parseMeshConfig(text, file);
}
