// `rig pilot`: runs the control plane in the foreground (the istiod of Rigging).
import type { Command } from './command.js';
import { Pilot } from '../control/pilot.js';
import { FileSource } from '../control/xds/file-source.js';
import { MemorySource, type ResourceSource } from '../control/xds/source.js';
import { VERSION } from '../shared/version.js';

export const pilotCommand: Command = {
  name: 'pilot',
  summary: 'Run the control plane (xDS server and status API) in the foreground',
  usage: 'rig pilot [--address IP] [--xds-port N] [--monitoring-port N] [--resources FILE]',
  examples: [
    'rig pilot',
    'rig pilot --resources envoy-resources.yaml      # serve a file of Envoy resources to every proxy',
    'rig pilot --xds-port 0 --monitoring-port 0      # any free ports (printed at start)',
  ],
  flags: [
    { name: 'address', type: 'string', default: '127.0.0.1', description: 'address to bind' },
    { name: 'xds-port', type: 'number', default: 15010, description: 'ADS (xDS over gRPC, plaintext) port' },
    { name: 'monitoring-port', type: 'number', default: 15014, description: 'metrics and status HTTP port' },
    { name: 'resources', type: 'string', description: 'YAML/JSON file of Envoy resources ("@type" each) to serve; reloaded on change' },
  ],
  async run(args) {
    let source: ResourceSource = new MemorySource();
    let fileSource: FileSource | undefined;
    const file = args.flags.resources as string | undefined;
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
    const pilot = new Pilot({
      source,
      host: args.flags.address as string,
      xdsPort: args.flags['xds-port'] as number,
      monitoringPort: args.flags['monitoring-port'] as number,
    });
    try {
      await pilot.start();
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\nIs another control plane running? Stop it, or pick other ports with --xds-port/--monitoring-port.\n`);
      fileSource?.close();
      return 1;
    }
    const host = args.flags.address as string;
    process.stdout.write(
      `rig control plane ${VERSION}\n` +
        `  xDS (ADS, plaintext)  ${host}:${pilot.xdsPort}\n` +
        `  status and metrics    http://${host}:${pilot.monitoringPort}/debug/syncz  /metrics\n` +
        `Press Ctrl-C to stop.\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    fileSource?.close();
    await pilot.stop();
    return 0;
  },
};
