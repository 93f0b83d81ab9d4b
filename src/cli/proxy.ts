// `rig proxy`: runs the Rigging proxy (sidecar or gateway) configured over xDS.
import type { Command } from './command.js';
import { ProxyAgent } from '../proxy/agent.js';
import { builtinFilters } from '../proxy/filter-lookup.js';

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run the proxy (sidecar or gateway), configured by the control plane over xDS',
  usage: 'rig proxy --xds HOST:PORT --node-id ID [--metadata JSON] [--admin-address IP] [--admin-port N]',
  examples: [
    "rig proxy --xds 127.0.0.1:15010 --node-id 'sidecar~127.0.0.2~reviews-v1-1.default~default.svc.cluster.local' --metadata '{\"NAMESPACE\":\"default\",\"LABELS\":{\"app\":\"reviews\"}}'",
    "rig proxy --xds 127.0.0.1:15010 --node-id 'router~127.0.0.9~rig-ingressgateway-1.rig-system~rig-system.svc.cluster.local' --admin-port 0",
  ],
  flags: [
    { name: 'xds', type: 'string', default: '127.0.0.1:15010', description: 'control plane ADS address' },
    { name: 'node-id', type: 'string', description: "xDS node id, Istio's form TYPE~IP~POD.NS~NS.svc.cluster.local" },
    { name: 'cluster', type: 'string', default: '', description: 'xDS node cluster (service.namespace)' },
    { name: 'metadata', type: 'string', default: '{}', description: 'xDS node metadata as JSON (NAMESPACE, LABELS, INSTANCE_IPS, INTERCEPTION_MODE, …)' },
    { name: 'zone', type: 'string', default: '', description: 'locality zone' },
    { name: 'admin-address', type: 'string', default: '127.0.0.1', description: 'admin API address' },
    { name: 'admin-port', type: 'number', default: 15000, description: 'admin API port (0 = any)' },
    { name: 'drain-seconds', type: 'number', default: 5, description: 'on SIGTERM, how long in-flight requests may take' },
  ],
  async run(args) {
    const id = args.flags['node-id'] as string | undefined;
    if (!id) {
      process.stderr.write('error: --node-id is required (e.g. sidecar~127.0.0.2~app-1.default~default.svc.cluster.local)\n');
      return 1;
    }
    let metadata: Record<string, unknown>;
    try {
      metadata = JSON.parse(args.flags.metadata as string) as Record<string, unknown>;
    } catch (err) {
      process.stderr.write(`error: --metadata is not valid JSON: ${(err as Error).message}\n`);
      return 1;
    }
    const agent = new ProxyAgent({
      bootstrap: { node: { id, cluster: args.flags.cluster as string, metadata: metadata as never, locality: { zone: args.flags.zone as string } }, xdsServer: args.flags.xds as string },
      filters: builtinFilters,
      admin: { address: args.flags['admin-address'] as string, port: args.flags['admin-port'] as number },
      drainMs: (args.flags['drain-seconds'] as number) * 1000,
    });
    try {
      await agent.start();
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`rig proxy ${id}\n  admin  http://${args.flags['admin-address'] as string}:${agent.adminPort}/\n  xDS    ${args.flags.xds as string}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await agent.stop();
    return 0;
  },
};
