// The proxy as the control plane sees it: what kind it is (sidecar, gateway router, or a
// proxyless gRPC client), where it runs and which workload it belongs to. Parsed from the
// xDS node (Istio's id format `TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local` and
// Istio's metadata keys).
import type { ProxyNode } from '../xds/source.js';
import type { Locality } from '../registry/model.js';
import { resolveShortName } from '../snapshot/hosts.js';

export type ProxyType = 'sidecar' | 'router' | 'grpc';

export interface Proxy {
  id: string;
  type: ProxyType;
  /** Pod/workload IPs; the first is the primary. */
  ips: string[];
  namespace: string;
  /** Pod/workload name. */
  workloadName: string;
  labels: Record<string, string>;
  serviceAccount: string;
  locality: Locality;
  /** Raw node metadata (Istio keys: NAMESPACE, LABELS, SERVICE_ACCOUNT, INSTANCE_IPS, GENERATOR, …). */
  metadata: Record<string, unknown>;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Parses an xDS node into a Proxy. Unknown shapes default to a sidecar in `default`. */
export function proxyFromNode(node: ProxyNode): Proxy {
  const md = node.metadata;
  const parts = node.id.split('~');
  const generator = str(md.GENERATOR);
  let type: ProxyType = 'sidecar';
  if (generator === 'grpc') type = 'grpc';
  else if (parts[0] === 'router') type = 'router';
  const podDotNs = parts[2] ?? '';
  const dot = podDotNs.lastIndexOf('.');
  const namespace = str(md.NAMESPACE) || (parts[3] ?? '').split('.')[0] || (dot > 0 ? podDotNs.slice(dot + 1) : '') || 'default';
  const workloadName = str(md.NAME) || (dot > 0 ? podDotNs.slice(0, dot) : podDotNs);
  const ips = str(md.INSTANCE_IPS)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ips.length === 0 && parts[1]) ips.push(parts[1]);
  return {
    id: node.id,
    type,
    ips,
    namespace,
    workloadName,
    labels: labelsOf(md.LABELS),
    serviceAccount: str(md.SERVICE_ACCOUNT) || 'default',
    locality: node.locality ?? { region: '', zone: '', subZone: '' },
    metadata: md,
  };
}

/** A local port the sidecar opens for one service port (explicit mode; see `upstreamBindings`). */
export interface UpstreamBinding {
  /** Service hostname, fully qualified (short names resolved in the proxy's namespace). */
  host: string;
  port: number;
  /** Port the sidecar listens on, at the pod IP. */
  localPort: number;
}

/** Node metadata key listing a sidecar's upstream bindings: `HOST:PORT=LOCALPORT,…`. */
export const UPSTREAMS_METADATA = 'RIG_UPSTREAMS';

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/**
 * The proxy's upstream bindings from RIG_UPSTREAMS (`reviews:9080`, `reviews.default.svc.cluster.local:9080=19080`;
 * LOCALPORT defaults to PORT). Malformed entries and a second binding of the same local port are ignored.
 * Sorted by local port.
 */
export function upstreamBindings(proxy: Proxy, clusterDomain = 'cluster.local'): UpstreamBinding[] {
  const raw = proxy.metadata[UPSTREAMS_METADATA];
  if (typeof raw !== 'string') return [];
  const byLocal = new Map<number, UpstreamBinding>();
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?):(\d+)(?:=(\d+))?$/i.exec(entry);
    if (!m) continue;
    const port = Number(m[3]);
    const localPort = m[4] !== undefined ? Number(m[4]) : port;
    if (!validPort(port) || !validPort(localPort) || byLocal.has(localPort)) continue;
    byLocal.set(localPort, { host: resolveShortName(m[1]!.toLowerCase(), proxy.namespace, clusterDomain), port, localPort });
  }
  return [...byLocal.values()].sort((a, b) => a.localPort - b.localPort);
}
