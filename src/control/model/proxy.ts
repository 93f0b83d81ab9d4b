// The proxy as the control plane sees it: what kind it is (sidecar, gateway router, or a
// proxyless gRPC client), where it runs and which workload it belongs to. Parsed from the
// xDS node (Istio's id format `TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local` and
// Istio's metadata keys).
import type { ProxyNode } from '../xds/source.js';
import type { Locality } from '../registry/model.js';

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
