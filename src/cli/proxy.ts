// `rig proxy`: runs the Rigging proxy (sidecar or gateway), configured over xDS by the
// control plane, or standalone from an Envoy bootstrap file (static_resources, with an
// optional dynamic_resources ADS section), as Envoy runs.
import { readFileSync } from 'node:fs';
import cluster from 'node:cluster';
import type { Command } from './command.js';
import { formatFlags, parseArgs, UsageError } from './args.js';
import { ProxyAgent, type AgentOptions } from '../proxy/agent.js';
import { builtinFilters } from '../proxy/filter-lookup.js';

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run the proxy (sidecar or gateway), configured over xDS or from an Envoy bootstrap file',
  usage: 'rig proxy (--config envoy.yaml | --xds HOST:PORT --node-id ID [--metadata JSON]) [--admin-address IP] [--admin-port N] [--concurrency N]',
  examples: [
    'rig proxy --config front-proxy.yaml            # an Envoy bootstrap: static_resources, admin, optional ADS',
    'rig proxy --config gateway.yaml --concurrency 4  # four worker processes share the listeners',
    "rig proxy --xds 127.0.0.1:15010 --node-id 'sidecar~127.0.0.2~reviews-v1-1.default~default.svc.cluster.local' --metadata '{\"NAMESPACE\":\"default\",\"LABELS\":{\"app\":\"reviews\"}}'",
    "rig proxy --xds 127.0.0.1:15010 --node-id 'router~127.0.0.9~rig-ingressgateway-1.rig-system~rig-system.svc.cluster.local' --admin-port 0",
  ],
  flags: [
    { name: 'config', short: 'c', type: 'string', description: 'Envoy bootstrap (YAML or JSON); fields the proxy does not honour are refused with their path' },
    { name: 'xds', type: 'string', default: '127.0.0.1:15010', description: 'control plane ADS address' },
    { name: 'node-id', type: 'string', description: "xDS node id, Istio's form TYPE~IP~POD.NS~NS.svc.cluster.local" },
    { name: 'cluster', type: 'string', default: '', description: 'xDS node cluster (service.namespace)' },
    { name: 'metadata', type: 'string', default: '{}', description: 'xDS node metadata as JSON (NAMESPACE, LABELS, INSTANCE_IPS, INTERCEPTION_MODE, …)' },
    { name: 'zone', type: 'string', default: '', description: 'locality zone' },
    { name: 'admin-address', type: 'string', default: '127.0.0.1', description: 'admin API address' },
    { name: 'admin-port', type: 'number', default: 15000, description: 'admin API port (0 = any)' },
    { name: 'health-port', type: 'number', description: "port of Istio's health endpoint /healthz/ready on the admin address (0 = any, -1 = none; default 15021 when the admin port is 15000, else none)" },
    { name: 'drain-seconds', type: 'number', default: 5, description: 'on SIGTERM, how long in-flight requests may take' },
    { name: 'concurrency', type: 'number', default: 1, description: 'worker processes sharing the listeners (1 for a sidecar; the number of cores for a gateway); one xDS connection and admin API in all cases' },
  ],
  async run(args) {
    const drainMs = (args.flags['drain-seconds'] as number) * 1000;
    // A worker forked by the primary (--concurrency N) gets its config from the primary only.
    if (cluster.isWorker) {
      const { runWorker } = await import('../proxy/workers/worker.js');
      process.exit(await runWorker({ filters: builtinFilters, drainMs }));
    }
    const concurrency = args.flags.concurrency as number;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      process.stderr.write(`error: --concurrency must be a whole number from 1 to 256, got ${String(args.flags.concurrency)}\n`);
      return 1;
    }
    const file = args.flags.config as string | undefined;
    if (file) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        process.stderr.write(`error: cannot read ${file}: ${(err as Error).message}\n`);
        return 1;
      }
      // Imported here: a sidecar configured over xDS never loads the bootstrap's types.
      const { loadBootstrap, xdsBootstrapOf } = await import('../proxy/bootstrap/index.js');
      const b = loadBootstrap(text, file);
      if (!b.ok) {
        process.stderr.write(`error: ${file} cannot be used:\n  ${b.errors.join('\n  ')}\n`);
        return 1;
      }
      for (const w of b.value.warnings) process.stderr.write(`warning: ${file}: ${w}\n`);
      const xds = xdsBootstrapOf(b.value);
      const admin = b.value.admin ?? { address: args.flags['admin-address'] as string, port: args.flags['admin-port'] as number };
      return runAgent(
        {
          ...(xds ? { bootstrap: xds } : {}),
          nodeId: b.value.node.id || 'rig-proxy',
          staticConfig: { listeners: b.value.staticListeners, clusters: b.value.staticClusters, secrets: b.value.staticSecrets },
          filters: builtinFilters,
          admin,
          ...healthOf(args.flags, admin),
          drainMs,
          concurrency,
        },
        b.value.node.id || file,
        admin.address,
      );
    }
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
    return runAgent(
      {
        bootstrap: { node: { id, cluster: args.flags.cluster as string, metadata: metadata as never, locality: { zone: args.flags.zone as string } }, xdsServer: args.flags.xds as string },
        filters: builtinFilters,
        admin: { address: args.flags['admin-address'] as string, port: args.flags['admin-port'] as number },
        ...healthOf(args.flags, { address: args.flags['admin-address'] as string, port: args.flags['admin-port'] as number }),
        drainMs,
        concurrency,
      },
      id,
      args.flags['admin-address'] as string,
    );
  },
};

/** Where /healthz/ready is served: --health-port, else 15021 beside an admin API on Istio's 15000. */
function healthOf(flags: Record<string, unknown>, admin: { address: string; port: number }): { health?: { address: string; port: number } } {
  const p = flags['health-port'] as number | undefined;
  const port = p ?? (admin.port === 15000 ? 15021 : -1);
  return port >= 0 ? { health: { address: admin.address, port } } : {};
}

async function runAgent(opts: AgentOptions, name: string, adminAddress: string): Promise<number> {
  const agent = new ProxyAgent(opts);
  try {
    await agent.start();
  } catch (err) {
    await agent.stop().catch(() => {});
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
  const listeners = agent.listenerList().filter((l) => l.port > 0).map((l) => `${l.name}=${l.address}:${l.port}`);
  process.stdout.write(
    `rig proxy ${name}\n  admin  http://${adminAddress}:${agent.adminPort}/\n` +
      (agent.healthPort ? `  health http://${adminAddress}:${agent.healthPort}/healthz/ready\n` : '') +
      (opts.bootstrap ? `  xDS    ${opts.bootstrap.xdsServer}\n` : '') +
      (agent.workers ? `  workers ${agent.workers.size}\n` : '') +
      (listeners.length ? `  listeners ${listeners.join(' ')}\n` : ''),
  );
  // Until a signal, or until the agent stops by itself (POST /quitquitquit).
  await Promise.race([
    agent.stopped,
    new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }),
  ]);
  await agent.stop();
  return 0;
}

/**
 * `rig proxy ARGS` on its own, without the other commands' modules: the entry point of the
 * proxy bundle (scripts/build-proxy.mjs) that bin/rig runs when it is fresh. `argv` starts
 * with "proxy"; `--help` is left to the full CLI. A usage error prints what src/cli/main.ts does.
 */
export async function proxyMain(argv: string[]): Promise<void> {
  try {
    process.exitCode = await proxyCommand.run(parseArgs(argv.slice(1), proxyCommand.flags));
  } catch (err) {
    if (err instanceof UsageError) {
      const c = proxyCommand;
      const help = [c.summary, '', `Usage: ${c.usage}`, '', 'Flags:', formatFlags(c.flags), '', 'Examples:', ...c.examples.map((e) => `  ${e}`), ''].join('\n');
      process.stderr.write(`error: ${err.message}\n\n${help}`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
