// Simulation: push a synthetic call through a proxy's generated config, as the proxy
// would: listener by destination (or the explicit HTTP proxy listener), filter chain by
// port/SNI/ALPN, HttpConnectionManager → route configuration (RDS or inline) → virtual
// host → route → cluster(s) → endpoints. Tests assert which cluster and endpoint a call
// reaches, without running a proxy.
import { unpack } from '../../src/api/envoy/types.js';
import type { Listener } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import type { FilterChain } from '../../src/api/gen/envoy/config/listener/v3/listener_components_pb.js';
import type { RouteConfiguration } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import type { Cluster } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../src/api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { HttpConnectionManagerSchema } from '../../src/api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../src/api/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { HealthStatus } from '../../src/api/gen/envoy/config/core/v3/health_check_pb.js';
import { RouteTable } from '../../src/proxy/route/route-table.js';

export interface SimConfig {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
}

export interface Call {
  /** capture: outbound, original destination ip:port; inbound: captured inbound to the workload's port; httpProxy: the app's HTTP proxy (15001); listener: a bound listener port (gateways). */
  mode: 'capture' | 'inbound' | 'httpProxy' | 'listener';
  address?: string;
  port: number;
  /** HTTP calls: authority, path, headers. Omit for TCP. */
  authority?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  sni?: string;
  tls?: boolean;
}

export interface SimResult {
  listener?: string;
  filterChain?: string;
  routeConfig?: string;
  virtualHost?: string;
  route?: string;
  /** Cluster(s) with weights; a single cluster has weight 1. */
  clusters: { name: string; weight: number }[];
  /** Healthy endpoints of the first cluster as host:port. */
  endpoints: string[];
  directResponse?: number;
  redirect?: string;
  error?: string;
}

function sockAddr(l: Listener): { ip: string; port: number } | undefined {
  const a = l.address?.address;
  if (a?.case !== 'socketAddress') return undefined;
  return { ip: a.value.address, port: a.value.portSpecifier.case === 'portValue' ? a.value.portSpecifier.value : 0 };
}

function pickListener(cfg: SimConfig, call: Call): Listener | undefined {
  if (call.mode === 'httpProxy') return cfg.listeners.find((l) => l.name === 'virtualOutbound');
  if (call.mode === 'inbound') return cfg.listeners.find((l) => l.name === 'virtualInbound');
  if (call.mode === 'listener') return cfg.listeners.find((l) => sockAddr(l)?.port === call.port && l.bindToPort !== false);
  const exact = cfg.listeners.find((l) => l.bindToPort === false && sockAddr(l)?.ip === call.address && sockAddr(l)?.port === call.port);
  return exact ?? cfg.listeners.find((l) => l.bindToPort === false && sockAddr(l)?.ip === '0.0.0.0' && sockAddr(l)?.port === call.port) ?? cfg.listeners.find((l) => l.name === 'virtualOutbound');
}

function chainMatches(fc: FilterChain, call: Call, http: boolean): number {
  const m = fc.filterChainMatch;
  if (!m) return 0;
  let score = 0;
  if (m.destinationPort !== undefined) {
    if (m.destinationPort !== call.port) return -1;
    score += 100;
  }
  if (m.serverNames.length) {
    if (!call.sni || !m.serverNames.some((n) => n === call.sni || (n.startsWith('*') && call.sni!.endsWith(n.slice(1))))) return -1;
    score += 10;
  }
  if (m.applicationProtocols.length) {
    if (!http || call.tls) return -1;
    score += 1;
  }
  return score;
}

export function simulate(cfg: SimConfig, call: Call): SimResult {
  const res: SimResult = { clusters: [], endpoints: [] };
  const listener = pickListener(cfg, call);
  if (!listener) return { ...res, error: 'no listener' };
  res.listener = listener.name;
  const http = call.authority !== undefined;
  let best: FilterChain | undefined;
  let bestScore = -1;
  for (const fc of listener.filterChains) {
    const s = chainMatches(fc, call, http);
    if (s > bestScore) {
      best = fc;
      bestScore = s;
    }
  }
  if (!best) return { ...res, error: 'no filter chain' };
  res.filterChain = best.name;
  const filter = best.filters[0];
  if (!filter || filter.configType.case !== 'typedConfig') return { ...res, error: 'no filter' };
  const hcm = unpack(filter.configType.value, HttpConnectionManagerSchema);
  if (hcm) {
    let rc: RouteConfiguration | undefined;
    if (hcm.routeSpecifier.case === 'rds') {
      const name = hcm.routeSpecifier.value.routeConfigName;
      res.routeConfig = name;
      rc = cfg.routes.find((r) => r.name === name);
    } else if (hcm.routeSpecifier.case === 'routeConfig') {
      rc = hcm.routeSpecifier.value;
      res.routeConfig = rc.name;
    }
    if (!rc) return { ...res, error: `route config ${res.routeConfig} not found` };
    const headers: Record<string, string> = { ':authority': call.authority ?? '', ':path': call.path ?? '/', ':method': call.method ?? 'GET', ...call.headers };
    const m = new RouteTable(rc).match({ authority: call.authority ?? '', path: call.path ?? '/', method: call.method ?? 'GET', header: (n) => headers[n] });
    if (!m) return { ...res, error: 'no route (NR)' };
    res.virtualHost = m.virtualHost.name;
    res.route = m.route.name;
    const a = m.route.action;
    if (a.case === 'directResponse') return { ...res, directResponse: a.value.status };
    if (a.case === 'redirect') return { ...res, redirect: JSON.stringify(a.value) };
    if (a.case !== 'route') return { ...res, error: 'unsupported action' };
    const cs = a.value.clusterSpecifier;
    if (cs.case === 'cluster') res.clusters = [{ name: cs.value, weight: 1 }];
    else if (cs.case === 'weightedClusters') res.clusters = cs.value.clusters.map((c) => ({ name: c.name, weight: c.weight ?? 0 }));
  } else {
    const tcp = unpack(filter.configType.value, TcpProxySchema);
    if (!tcp) return { ...res, error: `unsupported filter ${filter.name}` };
    const cs = tcp.clusterSpecifier;
    if (cs.case === 'cluster') res.clusters = [{ name: cs.value, weight: 1 }];
    else if (cs.case === 'weightedClusters') res.clusters = cs.value.clusters.map((c) => ({ name: c.name, weight: c.weight }));
  }
  const first = res.clusters[0]?.name;
  const cluster = cfg.clusters.find((c) => c.name === first);
  if (first && !cluster) return { ...res, error: `cluster ${first} not found` };
  const cla = cluster?.edsClusterConfig ? cfg.endpoints.find((e) => e.clusterName === (cluster.edsClusterConfig!.serviceName || cluster.name)) : cluster?.loadAssignment;
  for (const loc of cla?.endpoints ?? []) {
    for (const ep of loc.lbEndpoints) {
      if (ep.healthStatus === HealthStatus.UNHEALTHY || ep.healthStatus === HealthStatus.DRAINING) continue;
      const h = ep.hostIdentifier;
      const a = h.case === 'endpoint' ? h.value.address?.address : undefined;
      if (a?.case === 'socketAddress') res.endpoints.push(`${a.value.address}:${a.value.portSpecifier.case === 'portValue' ? a.value.portSpecifier.value : ''}`);
    }
  }
  return res;
}
