// `rig version`: client version, and the control plane's when one answers.
import type { Command } from './command.js';
import { VERSION } from '../shared/version.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the client version and, if reachable, the control plane version',
  usage: 'rig version [--monitoring-address HOST:PORT] [-o json] [--short]',
  examples: ['rig version', 'rig version -o json', 'rig version --short'],
  flags: [
    { name: 'monitoring-address', type: 'string', default: '127.0.0.1:15014', description: "control plane's status address" },
    { name: 'output', short: 'o', type: 'string', description: 'output format: json' },
    { name: 'short', type: 'boolean', description: 'client version only' },
  ],
  async run(args) {
    if (args.flags.short) {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    let control: { version: string; connectedProxies: number } | undefined;
    try {
      const res = await fetch(`http://${args.flags['monitoring-address'] as string}/version`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) control = (await res.json()) as { version: string; connectedProxies: number };
    } catch {
      control = undefined;
    }
    if (args.flags.output === 'json') {
      process.stdout.write(JSON.stringify({ clientVersion: VERSION, controlPlaneVersion: control?.version ?? null, proxies: control?.connectedProxies ?? null }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(`client version: ${VERSION}\n`);
    process.stdout.write(control ? `control plane version: ${control.version}\n` : 'control plane version: none running (start one with `rig pilot`)\n');
    if (control) process.stdout.write(`data plane version: ${control.connectedProxies > 0 ? `${VERSION} (${control.connectedProxies} proxies)` : 'none (0 proxies)'}\n`);
    return 0;
  },
};
