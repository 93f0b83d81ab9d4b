// `rig proxy-config cluster|listener|route|endpoint|secret|all PROXY`: the config a proxy
// runs, in istioctl's tables or as Envoy JSON. Read from the proxy's own admin API
// (/config_dump, /clusters) at its pod IP:15000 (the IP in its node id, as the control
// plane's /debug/syncz lists it); when that does not answer, from the control plane's view
// of what it sends that proxy (/debug/config_dump?proxyID=…), saying so on stderr.
import type { Command } from './command.js';
import { UsageError } from './args.js';
import { controlPlaneJson, locateControlPlane, monitoringAddressFlag } from './control-plane.js';
import { CliError, runReporting } from './errors.js';
import { formatStructured, formatTable, outputFormat } from './table.js';
import { fetchSyncz, proxyIp, proxyName, requireProxy } from './proxy-status.js';
import {
  CLUSTER_HEADERS,
  ENDPOINT_HEADERS,
  LISTENER_HEADERS,
  ROUTE_HEADERS,
  SECRET_HEADERS,
  clusterCells,
  clusterRows,
  clustersOf,
  endpointCells,
  endpointConfigsOf,
  endpointRowsFromClustersText,
  endpointRowsFromDump,
  fromControlPlaneView,
  listenerCells,
  listenerRows,
  listenersOf,
  routeCells,
  routeConfigsOf,
  routeRows,
  secretCells,
  secretRows,
  secretsOf,
  type ConfigDump,
} from './proxy-config-dump.js';

export const SECTIONS = ['cluster', 'listener', 'route', 'endpoint', 'secret', 'all'] as const;
type Section = (typeof SECTIONS)[number];
const ALIASES: Record<string, Section> = { clusters: 'cluster', c: 'cluster', listeners: 'listener', l: 'listener', routes: 'route', r: 'route', endpoints: 'endpoint', ep: 'endpoint', secrets: 'secret', s: 'secret' };

/** The admin port of every sidecar and gateway (Istio's). */
export const PROXY_ADMIN_PORT = 15000;

interface Loaded {
  dump: ConfigDump;
  /** The admin API's /clusters text, when read from the proxy. */
  clustersText?: string;
  /** Secrets, from wherever they could be read. */
  secrets: Record<string, unknown>[];
  notes: string[];
}

async function adminGet(address: string, path: string): Promise<string> {
  const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return res.text();
}

function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

async function fromAdmin(address: string, expectNodeId: string | undefined): Promise<{ dump: ConfigDump; clustersText: string }> {
  if (expectNodeId) {
    const info = JSON.parse(await adminGet(address, '/server_info')) as { node?: { id?: string } };
    if (info.node?.id && info.node.id !== expectNodeId) throw new Error(`it is the admin API of another proxy (${info.node.id})`);
  }
  const dump = JSON.parse(await adminGet(address, '/config_dump')) as ConfigDump;
  if (!Array.isArray(dump.configs)) throw new Error('/config_dump is not an Envoy config dump');
  return { dump, clustersText: await adminGet(address, '/clusters') };
}

async function load(args: Parameters<Command['run']>[0], query: string, needSecrets: boolean): Promise<Loaded> {
  const admin = args.flags['proxy-admin-address'] as string | undefined;
  if (admin) {
    try {
      const r = await fromAdmin(admin, undefined);
      const secrets = secretsOf(r.dump);
      return { ...r, secrets: secrets ?? [], notes: secrets || !needSecrets ? [] : ['the proxy admin API does not dump secrets; give PROXY without --proxy-admin-address to read them from the control plane'] };
    } catch (err) {
      throw new CliError(`cannot read the proxy admin API at ${admin}: ${reason(err)}; is the proxy running there?`);
    }
  }
  const loc = locateControlPlane({ flag: args.flags['monitoring-address'] as string | undefined });
  const entry = requireProxy(await fetchSyncz(loc), query, loc, args.flags.namespace as string | undefined);
  const ip = proxyIp(entry.nodeId);
  const notes: string[] = [];
  const controlPlaneView = async () => {
    const view = await controlPlaneJson<Record<string, unknown>>(loc, `/debug/config_dump?proxyID=${encodeURIComponent(entry.nodeId)}`, `reading the config of ${proxyName(entry.nodeId)}`);
    return fromControlPlaneView(view);
  };
  let fromProxy: { dump: ConfigDump; clustersText: string } | undefined;
  const address = ip ? `${ip.includes(':') ? `[${ip}]` : ip}:${PROXY_ADMIN_PORT}` : undefined;
  if (address) {
    try {
      fromProxy = await fromAdmin(address, entry.nodeId);
    } catch (err) {
      notes.push(`the proxy admin API at ${address} did not answer (${reason(err)}); showing what the control plane at ${loc.monitoringAddress} sends this proxy`);
    }
  } else notes.push(`the node id ${entry.nodeId} carries no pod IP; showing what the control plane at ${loc.monitoringAddress} sends this proxy`);
  if (fromProxy) {
    let secrets = secretsOf(fromProxy.dump);
    if (!secrets && needSecrets) {
      secrets = secretsOf(await controlPlaneView()) ?? [];
      notes.push(`the proxy admin API does not dump secrets; showing the secrets the control plane at ${loc.monitoringAddress} sends this proxy`);
    }
    return { ...fromProxy, secrets: secrets ?? [], notes };
  }
  const dump = await controlPlaneView();
  return { dump, secrets: secretsOf(dump) ?? [], notes };
}

function matches(filter: unknown, value: string | number | undefined): boolean {
  return filter === undefined || filter === '' || String(filter) === String(value ?? '');
}

function render(section: Exclude<Section, 'all'>, loaded: Loaded, f: Record<string, unknown>, json: boolean): { table: string; data: unknown } {
  switch (section) {
    case 'cluster': {
      const rows = clusterRows(loaded.dump).filter((r) => matches(f.fqdn, r.fqdn) && matches(f.port, r.port) && matches(f.subset, r.subset) && matches(f.direction, r.direction));
      const names = new Set(rows.map((r) => r.name));
      return { table: json ? '' : formatTable(CLUSTER_HEADERS, rows.map(clusterCells)), data: clustersOf(loaded.dump).filter((c) => names.has(String(c.name))) };
    }
    case 'listener': {
      const rows = listenerRows(loaded.dump).filter((r) => matches(f.port, r.port) && matches(f.address, r.address));
      const names = new Set(rows.map((r) => r.name));
      return { table: json ? '' : formatTable(LISTENER_HEADERS, rows.map(listenerCells)), data: listenersOf(loaded.dump).filter((l) => names.has(String(l.name))) };
    }
    case 'route': {
      const rows = routeRows(loaded.dump).filter((r) => matches(f.name, r.name));
      return { table: json ? '' : formatTable(ROUTE_HEADERS, rows.map(routeCells)), data: routeConfigsOf(loaded.dump).filter((r) => matches(f.name, String(r.name))) };
    }
    case 'endpoint': {
      const all = loaded.clustersText !== undefined ? endpointRowsFromClustersText(loaded.clustersText) : endpointRowsFromDump(loaded.dump);
      const rows = all.filter((r) => matches(f.cluster, r.cluster) && matches(f.status, r.status) && (f.port === undefined || r.endpoint.endsWith(`:${String(f.port)}`)) && (f.address === undefined || r.endpoint.startsWith(`${String(f.address)}:`)));
      return { table: json ? '' : formatTable(ENDPOINT_HEADERS, rows.map(endpointCells)), data: endpointConfigsOf(loaded.dump).filter((e) => matches(f.cluster, String(e.clusterName))) };
    }
    case 'secret': {
      return { table: json ? '' : formatTable(SECRET_HEADERS, secretRows(loaded.secrets).map(secretCells)), data: loaded.secrets };
    }
  }
}

export const proxyConfigCommand: Command = {
  name: 'proxy-config',
  summary: "Show a proxy's clusters, listeners, routes, endpoints or secrets (istioctl's tables, or Envoy JSON)",
  usage:
    'rig proxy-config cluster|listener|route|endpoint|secret|all PROXY [-o json|yaml] [filters]\n\n' +
    "PROXY is POD.NAMESPACE as `rig proxy-status` lists it (or a pod name with -n). The config is read\n" +
    `from the proxy's admin API at its pod IP:${PROXY_ADMIN_PORT}; if that does not answer, the control plane's view\n` +
    'of what it sends the proxy is shown instead, and a note on stderr says so. -o json prints the\n' +
    "resources as Envoy's config_dump has them (for `all`, the whole config_dump).\n" +
    'Filters: cluster --fqdn --port --subset --direction; listener --port --address; route --name;\n' +
    'endpoint --cluster --port --address --status.',
  examples: [
    'rig proxy-config cluster productpage-v1-1.default',
    'rig proxy-config cluster productpage-v1-1.default --fqdn reviews.default.svc.cluster.local --subset v1',
    'rig proxy-config listener productpage-v1-1.default --port 15006',
    'rig proxy-config route productpage-v1-1.default --name 9080 -o json',
    'rig proxy-config endpoint productpage-v1-1.default --cluster "outbound|9080||reviews.default.svc.cluster.local"',
    'rig proxy-config all rig-ingressgateway-1.rig-system -o json > dump.json',
    'rig proxy-config cluster any --proxy-admin-address 127.0.0.1:15000   # a proxy not connected to this control plane',
  ],
  flags: [
    { name: 'namespace', short: 'n', type: 'string', description: 'namespace of PROXY when it is a bare pod name (default "default")' },
    { name: 'output', short: 'o', type: 'string', description: 'output format: json|yaml (default: table)' },
    { name: 'fqdn', type: 'string', description: 'cluster: only this service FQDN' },
    { name: 'port', type: 'number', description: 'cluster, listener, endpoint: only this port' },
    { name: 'subset', type: 'string', description: 'cluster: only this subset' },
    { name: 'direction', type: 'string', description: 'cluster: inbound or outbound' },
    { name: 'address', type: 'string', description: 'listener, endpoint: only this address' },
    { name: 'name', type: 'string', description: 'route: only this route configuration' },
    { name: 'cluster', type: 'string', description: 'endpoint: only this cluster' },
    { name: 'status', type: 'string', description: 'endpoint: HEALTHY or UNHEALTHY' },
    { name: 'proxy-admin-address', type: 'string', description: "read this proxy admin API (HOST:PORT) directly, without the control plane" },
    monitoringAddressFlag,
  ],
  run: (args) =>
    runReporting(async () => {
      const format = outputFormat(args.flags.output);
      const [what, query, ...extra] = args.positional;
      if (!what) throw new UsageError(`give what to show (${SECTIONS.join('|')}) and the PROXY`);
      const section = (SECTIONS as readonly string[]).includes(what) ? (what as Section) : ALIASES[what];
      if (!section) throw new UsageError(`unknown config type "${what}"; use one of: ${SECTIONS.join(', ')}`);
      if (!query) throw new UsageError(`give the PROXY (POD.NAMESPACE, as \`rig proxy-status\` lists it): rig proxy-config ${section} PROXY`);
      if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
      const dir = args.flags.direction as string | undefined;
      if (dir !== undefined && dir !== 'inbound' && dir !== 'outbound') throw new UsageError(`--direction must be inbound or outbound, got "${dir}"`);
      const loaded = await load(args, query, section === 'secret' || section === 'all');
      for (const n of loaded.notes) process.stderr.write(`note: ${n}\n`);
      const structured = format === 'json' || format === 'yaml';
      if (section === 'all') {
        if (structured) {
          const configs = loaded.dump.configs.filter((c) => !String(c['@type']).endsWith('SecretsConfigDump'));
          const out = { configs: [...configs, { '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump', dynamic_active_secrets: loaded.secrets.map((s) => ({ name: s.name, secret: s })) }] };
          process.stdout.write(formatStructured(out, format));
          return 0;
        }
        const parts = (['cluster', 'listener', 'route', 'endpoint', 'secret'] as const).map((s) => render(s, loaded, {}, false).table);
        process.stdout.write(parts.join('\n'));
        return 0;
      }
      const r = render(section, loaded, args.flags, structured);
      process.stdout.write(structured ? formatStructured(r.data, format) : r.table);
      return 0;
    }),
};
