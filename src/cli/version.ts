// `rig version`: client version, and the control plane's and data plane's when one answers
// (the mesh of RIG_HOME, or --monitoring-address). The data plane count is every proxy
// connected to the control plane, gateways included.
import type { Command } from './command.js';
import { VERSION } from '../shared/version.js';
import { readState, rigHome } from '../platform/local/home.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the client version and, if reachable, the control plane and data plane versions',
  usage: 'rig version [--monitoring-address HOST:PORT] [-o json] [--short]',
  examples: ['rig version', 'rig version -o json', 'rig version --short', 'rig version --monitoring-address 127.0.0.1:15014   # a control plane started with `rig pilot`'],
  flags: [
    { name: 'monitoring-address', type: 'string', description: "control plane's status address (default: the mesh installed in RIG_HOME, else 127.0.0.1:15014)" },
    { name: 'output', short: 'o', type: 'string', description: 'output format: json' },
    { name: 'short', type: 'boolean', description: 'client version only' },
  ],
  async run(args) {
    if (args.flags.short) {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const address = (args.flags['monitoring-address'] as string | undefined) ?? readState(rigHome())?.controlPlane?.monitoring ?? '127.0.0.1:15014';
    let control: { version: string; connectedProxies: number } | undefined;
    try {
      const res = await fetch(`http://${address}/version`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) control = (await res.json()) as { version: string; connectedProxies: number };
    } catch {
      control = undefined;
    }
    const proxies = control?.connectedProxies ?? 0;
    if (args.flags.output === 'json') {
      const out = {
        clientVersion: { version: VERSION },
        meshVersion: control ? [{ component: 'pilot', info: { version: control.version } }] : [],
        dataPlaneVersion: control && proxies > 0 ? [{ version: VERSION, proxies }] : [],
        controlPlaneVersion: control?.version ?? null,
        proxies: control ? proxies : null,
      };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(`client version: ${VERSION}\n`);
    if (!control) {
      process.stdout.write(`control plane version: none running at ${address} (install one with \`rig install\`)\n`);
      return 0;
    }
    process.stdout.write(`control plane version: ${control.version}\n`);
    process.stdout.write(`data plane version: ${proxies > 0 ? `${VERSION} (${proxies} proxies)` : 'none (0 proxies)'}\n`);
    return 0;
  },
};
