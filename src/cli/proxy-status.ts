// `rig proxy-status [PROXY]`: how far each connected proxy is in sync with the control
// plane, per xDS type (SYNCED / STALE / NOT SENT / NACKED), as `istioctl proxy-status`
// shows it; with a PROXY, every type in detail, including a NACK's message.
// Reads the control plane's /debug/syncz.
import type { Command } from './command.js';
import type { ConnectionStatus, WatchStatus } from '../control/xds/connection.js';
import { controlPlaneJson, locateControlPlane, monitoringAddressFlag, type ControlPlaneLocation } from './control-plane.js';
import { CliError, runReporting } from './errors.js';
import { formatStructured, formatTable, outputFormat } from './table.js';
import { UsageError } from './args.js';

export type ProxyEntry = ConnectionStatus;

/** `pod.namespace` from Istio's node id `TYPE~IP~POD.NS~NS.svc.cluster.local`; the node id itself otherwise. */
export function proxyName(nodeId: string): string {
  const parts = nodeId.split('~');
  return parts.length === 4 && parts[2] ? parts[2] : nodeId;
}

/** The IP in Istio's node id (the pod's address), if the id has that form. */
export function proxyIp(nodeId: string): string | undefined {
  const parts = nodeId.split('~');
  return parts.length === 4 && parts[1] ? parts[1] : undefined;
}

/** `sidecar`, `router` …: the proxy type in the node id. */
export function proxyType(nodeId: string): string | undefined {
  const parts = nodeId.split('~');
  return parts.length === 4 ? parts[0] : undefined;
}

/** The latest connection of each node (a reconnecting proxy may briefly have two). */
export function latestPerNode(entries: readonly ProxyEntry[]): ProxyEntry[] {
  const byNode = new Map<string, ProxyEntry>();
  for (const e of entries) {
    const prev = byNode.get(e.nodeId);
    if (!prev || prev.connectedAt <= e.connectedAt) byNode.set(e.nodeId, e);
  }
  return [...byNode.values()].sort((a, b) => (proxyName(a.nodeId) < proxyName(b.nodeId) ? -1 : proxyName(a.nodeId) > proxyName(b.nodeId) ? 1 : 0));
}

/** Finds PROXY by `pod.namespace`, node id, connection id, or pod name in `namespace` (default "default"). */
export function findProxy(entries: readonly ProxyEntry[], query: string, namespace?: string): ProxyEntry | undefined {
  const list = latestPerNode(entries);
  const exact = list.find((e) => proxyName(e.nodeId) === query || e.nodeId === query) ?? entries.find((e) => e.connectionId === query);
  if (exact) return exact;
  return list.find((e) => proxyName(e.nodeId) === `${query}.${namespace || 'default'}`);
}

export async function fetchSyncz(loc: ControlPlaneLocation): Promise<ProxyEntry[]> {
  const v = await controlPlaneJson<unknown>(loc, '/debug/syncz', 'reading proxy status');
  if (!Array.isArray(v)) throw new CliError(`the control plane at ${loc.monitoringAddress} sent an unexpected /debug/syncz answer`);
  return v as ProxyEntry[];
}

/** The proxy, or a CliError listing the connected ones. */
export function requireProxy(entries: readonly ProxyEntry[], query: string, loc: ControlPlaneLocation, namespace?: string): ProxyEntry {
  const found = findProxy(entries, query, namespace);
  if (found) return found;
  const names = latestPerNode(entries).map((e) => proxyName(e.nodeId));
  throw new CliError(
    `no proxy "${query}" is connected to the control plane at ${loc.monitoringAddress}; ` +
      (names.length ? `connected: ${names.join(', ')}` : 'no proxy is connected (see `rig proxy-status`)'),
  );
}

const TYPES = ['CDS', 'LDS', 'EDS', 'RDS', 'ECDS'] as const;

function state(e: ProxyEntry, t: string): string {
  return (e.types[t] as WatchStatus | undefined)?.state ?? 'NOT SENT';
}

function version(e: ProxyEntry): string {
  const slash = e.userAgent.lastIndexOf('/');
  return slash >= 0 ? e.userAgent.slice(slash + 1) : e.userAgent || '-';
}

function clusterId(e: ProxyEntry): string {
  const c = e.metadata?.CLUSTER_ID;
  return typeof c === 'string' && c ? c : 'local';
}

/** The istioctl-style table of every proxy. */
export function statusTable(entries: readonly ProxyEntry[], controlPlane: string): string {
  return formatTable(
    ['NAME', 'CLUSTER', ...TYPES, 'ISTIOD', 'VERSION'],
    latestPerNode(entries).map((e) => [proxyName(e.nodeId), clusterId(e), ...TYPES.map((t) => state(e, t)), controlPlane, version(e)]),
  );
}

/** Every type of one proxy, and each NACK's message. */
export function statusDetail(e: ProxyEntry, controlPlane: string): string {
  const short = (v: string | undefined) => (v ? (v.length > 16 ? v.slice(0, 16) : v) : '');
  const lines = [
    `Proxy:          ${proxyName(e.nodeId)}`,
    `Node ID:        ${e.nodeId}`,
    `Control plane:  ${controlPlane}`,
    `Connected:      ${e.connectedAt} from ${e.peer || 'unknown'}`,
    `Version:        ${version(e)}`,
    '',
  ];
  const types = [...new Set([...TYPES, ...Object.keys(e.types)])];
  const rows = types.map((t) => {
    const w = e.types[t] as WatchStatus | undefined;
    return [t, w?.state ?? 'NOT SENT', w?.resources ?? 0, short(w?.version), short(w?.ackedVersion), w?.nonce ?? ''];
  });
  // A NACK carries the nonce of the rejected response and the version the proxy still runs.
  const nacks = types.flatMap((t) => {
    const n = (e.types[t] as WatchStatus | undefined)?.nack;
    return n ? [`${t} NACKED: the proxy rejected the response with nonce ${n.nonce} and keeps its last accepted config (${n.version ? `version ${short(n.version)}` : 'none'}):\n  ${n.message}`] : [];
  });
  return lines.join('\n') + '\n' + formatTable(['TYPE', 'STATE', 'RESOURCES', 'SENT VERSION', 'ACKED VERSION', 'NONCE'], rows) + (nacks.length ? '\n' + nacks.join('\n') + '\n' : '');
}

export const proxyStatusCommand: Command = {
  name: 'proxy-status',
  summary: "Show each proxy's xDS sync state with the control plane (SYNCED, STALE, NOT SENT, NACKED)",
  usage: 'rig proxy-status [PROXY] [-n NAMESPACE] [-o json|yaml]\n\nPROXY is POD.NAMESPACE (as listed), a pod name in -n NAMESPACE, or a node id.',
  examples: ['rig proxy-status', 'rig proxy-status productpage-v1-1.default', 'rig proxy-status reviews-v1-1 -n bookinfo', 'rig proxy-status -o json'],
  flags: [
    { name: 'namespace', short: 'n', type: 'string', description: 'namespace of PROXY when it is a bare pod name (default "default")' },
    { name: 'output', short: 'o', type: 'string', description: 'output format: json|yaml (default: table)' },
    monitoringAddressFlag,
  ],
  run: (args) =>
    runReporting(async () => {
      const format = outputFormat(args.flags.output);
      if (args.positional.length > 1) throw new UsageError(`give at most one PROXY, got ${args.positional.length}`);
      const loc = locateControlPlane({ flag: args.flags['monitoring-address'] as string | undefined });
      const entries = await fetchSyncz(loc);
      const query = args.positional[0];
      if (query !== undefined) {
        const e = requireProxy(entries, query, loc, args.flags.namespace as string | undefined);
        process.stdout.write(format === 'json' || format === 'yaml' ? formatStructured(e, format) : statusDetail(e, loc.monitoringAddress));
        return 0;
      }
      if (format === 'json' || format === 'yaml') {
        process.stdout.write(formatStructured(latestPerNode(entries), format));
        return 0;
      }
      if (entries.length === 0) {
        process.stderr.write(`No proxy is connected to the control plane at ${loc.monitoringAddress}.\n`);
        return 0;
      }
      process.stdout.write(statusTable(entries, loc.monitoringAddress));
      return 0;
    }),
};
