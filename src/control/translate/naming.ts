// Names of generated Envoy resources, as Istio forms them, so users and tools that know
// Istio's config dumps find their way around ours.

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughClusterIpv4';
export const VIRTUAL_OUTBOUND_LISTENER = 'virtualOutbound';
export const VIRTUAL_INBOUND_LISTENER = 'virtualInbound';
/** Route config of the explicit-proxy outbound listener (apps using http_proxy): every HTTP service, all ports. */
export const HTTP_PROXY_ROUTE_CONFIG = 'http_proxy';
export const OUTBOUND_PORT = 15001;
export const INBOUND_PORT = 15006;

/** `outbound|9080|v1|reviews.default.svc.cluster.local` (subset may be empty). */
export function outboundClusterName(port: number, subset: string, hostname: string): string {
  return `outbound|${port}|${subset}|${hostname}`;
}

/** `inbound|9080||` — the cluster to the local application's port. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

export function parseClusterName(name: string): { direction: 'inbound' | 'outbound'; port: number; subset: string; hostname: string } | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || (parts[0] !== 'inbound' && parts[0] !== 'outbound')) return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port)) return undefined;
  return { direction: parts[0], port, subset: parts[2]!, hostname: parts[3]! };
}

/** Sidecar outbound HTTP route config per port: `"9080"`. */
export function outboundRouteName(port: number): string {
  return String(port);
}

/** Gateway route config per server port: `http.8080`; HTTPS servers: `https.443.<portName>.<gateway>.<ns>`. */
export function gatewayRouteName(port: number, tls?: { portName: string; gateway: string; namespace: string }): string {
  return tls ? `https.${port}.${tls.portName}.${tls.gateway}.${tls.namespace}` : `http.${port}`;
}
