// Sidecar listeners, as Istio builds them:
//  - virtualOutbound (15001): captures the app's outbound traffic. With capture
//    (iptables) it hands connections to the per-port listeners by original destination;
//    without capture (explicit mode) apps use it as their HTTP proxy, so plaintext HTTP is
//    routed by Host over every service ("http_proxy" routes); anything else is passed
//    through (ALLOW_ANY) or dropped (REGISTRY_ONLY).
//  - per-port outbound listeners (bind_to_port false): `0.0.0.0_9080` for HTTP ports
//    (RDS "9080"), `<vip>_<port>` for TCP services (tcp_proxy), both for auto-detect ports.
//  - virtualInbound (15006): one filter chain per port the workload serves, HTTP → HCM to
//    `inbound|port||`, TCP → tcp_proxy; everything else → InboundPassthroughClusterIpv4.
//    Without capture, each inbound port also gets a listener on the pod IP.
//  - upstream bindings (explicit mode): a bound listener on the pod IP per RIG_UPSTREAMS
//    entry, forwarding to one service port (listener/upstream.ts).
import { create } from '@bufbuild/protobuf';
import { socketAddress } from '../../../api/envoy/build.js';
import { ListenerSchema, type Listener } from '../../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { FilterChainSchema, type FilterChain } from '../../../api/gen/envoy/config/listener/v3/listener_components_pb.js';
import { TrafficDirection } from '../../../api/gen/envoy/config/core/v3/base_pb.js';
import type { PushContext } from '../../snapshot/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import type { Service } from '../../registry/model.js';
import {
  BLACKHOLE_CLUSTER,
  HTTP_PROXY_ROUTE_CONFIG,
  INBOUND_PASSTHROUGH_CLUSTER,
  INBOUND_PORT,
  OUTBOUND_PORT,
  PASSTHROUGH_CLUSTER,
  VIRTUAL_INBOUND_LISTENER,
  VIRTUAL_OUTBOUND_LISTENER,
  inboundClusterName,
  outboundRouteName,
} from '../naming.js';
import { httpConnectionManagerFilter } from './hcm.js';
import { sidecarUpstreamListeners } from './upstream.js';
import {
  HTTP_ALPN,
  HTTP_INSPECTOR,
  ORIGINAL_DST,
  TLS_INSPECTOR,
  captureBindAddress,
  defaultRoute,
  interceptionNone,
  listenerFilter,
  protocolClass,
  tcpProxyFilter,
  type WeightedCluster,
} from './common.js';

/** Clusters a TCP connection to a service port goes to (VirtualService tcp routes come later). */
export type TcpRouteResolver = (push: PushContext, proxy: Proxy, service: Service, port: number) => WeightedCluster[];

function passthroughCluster(push: PushContext): string {
  return push.mesh.outboundTrafficPolicy.mode === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
}

function httpChain(push: PushContext, statPrefix: string, rds: string, withAlpn: boolean): FilterChain {
  return create(FilterChainSchema, {
    ...(withAlpn ? { filterChainMatch: { applicationProtocols: HTTP_ALPN } } : {}),
    filters: [httpConnectionManagerFilter({ statPrefix, rds, mesh: push.mesh, edge: false })],
  });
}

function tcpChain(statPrefix: string, clusters: WeightedCluster[]): FilterChain {
  return create(FilterChainSchema, { filters: [tcpProxyFilter(statPrefix, clusters)] });
}

export function sidecarOutboundListeners(push: PushContext, proxy: Proxy, tcpRoute: TcpRouteResolver): Listener[] {
  const out: Listener[] = [];
  const services = push.servicesFor(proxy);
  const httpPorts = new Set<number>();
  const tcp = new Map<string, { address: string; port: number; service: Service; auto: boolean }>();
  for (const s of services) {
    for (const p of s.ports) {
      const cls = protocolClass(p.protocol);
      if (cls === 'http' || cls === 'auto') httpPorts.add(p.port);
      if (cls === 'tcp' || cls === 'auto') {
        const address = s.addresses[0] ?? '0.0.0.0';
        const name = `${address}_${p.port}`;
        if (!tcp.has(name)) tcp.set(name, { address, port: p.port, service: s, auto: cls === 'auto' });
      }
    }
  }
  for (const port of [...httpPorts].sort((a, b) => a - b)) {
    const name = `0.0.0.0_${port}`;
    const autoTcp = tcp.get(name);
    const chains = [httpChain(push, `outbound_${name}`, outboundRouteName(port), autoTcp !== undefined)];
    if (autoTcp) {
      chains.push(tcpChain(`outbound|${port}||${autoTcp.service.hostname}`, tcpRoute(push, proxy, autoTcp.service, port)));
      tcp.delete(name);
    }
    out.push(
      create(ListenerSchema, {
        name,
        address: socketAddress('0.0.0.0', port),
        bindToPort: false,
        trafficDirection: TrafficDirection.OUTBOUND,
        ...(autoTcp ? { listenerFilters: [listenerFilter(HTTP_INSPECTOR)] } : {}),
        filterChains: chains,
      }),
    );
  }
  for (const [name, t] of [...tcp].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (t.address === '0.0.0.0' && httpPorts.has(t.port)) continue; // the HTTP listener owns 0.0.0.0:port
    // A port of unknown protocol on a service address (its VIP): sniffed like 0.0.0.0's, HTTP
    // through the port's routes, anything else to the service over TCP. Without the HTTP
    // chain this exact-address listener would take the connection from 0.0.0.0_<port> and
    // carry HTTP as opaque bytes.
    const chains = t.auto ? [httpChain(push, `outbound_${name}`, outboundRouteName(t.port), true)] : [];
    chains.push(tcpChain(`outbound|${t.port}||${t.service.hostname}`, tcpRoute(push, proxy, t.service, t.port)));
    out.push(
      create(ListenerSchema, {
        name,
        address: socketAddress(t.address, t.port),
        bindToPort: false,
        trafficDirection: TrafficDirection.OUTBOUND,
        ...(t.auto ? { listenerFilters: [listenerFilter(HTTP_INSPECTOR)] } : {}),
        filterChains: chains,
      }),
    );
  }

  // virtualOutbound: original-destination dispatch with capture; HTTP proxy without.
  const explicit = interceptionNone(proxy);
  // Explicit mode: upstream bindings (RIG_UPSTREAMS), a local port per service; see upstream.ts.
  if (explicit) out.push(...sidecarUpstreamListeners(push, proxy, tcpRoute, new Set(inboundPorts(push, proxy).map((p) => p.port))));
  const chains: FilterChain[] = [];
  if (explicit) chains.push(httpChain(push, 'outbound_http_proxy', HTTP_PROXY_ROUTE_CONFIG, true));
  chains.push(create(FilterChainSchema, { name: 'PassthroughFilterChain', filters: [tcpProxyFilter(passthroughCluster(push), [{ name: passthroughCluster(push), weight: 1 }])] }));
  out.push(
    create(ListenerSchema, {
      name: VIRTUAL_OUTBOUND_LISTENER,
      address: socketAddress(captureBindAddress(proxy), OUTBOUND_PORT),
      useOriginalDst: !explicit,
      trafficDirection: TrafficDirection.OUTBOUND,
      listenerFilters: explicit ? [listenerFilter(HTTP_INSPECTOR)] : [listenerFilter(ORIGINAL_DST), listenerFilter(HTTP_INSPECTOR)],
      filterChains: chains,
    }),
  );
  return out;
}

interface InboundPort {
  port: number;
  cls: 'http' | 'tcp' | 'auto';
}

function inboundPorts(push: PushContext, proxy: Proxy): InboundPort[] {
  const byPort = new Map<number, InboundPort>();
  for (const { service, endpoint } of push.inboundServices(proxy)) {
    const sp = service.ports.find((p) => p.port === endpoint.servicePort);
    if (!sp) continue;
    const cls = protocolClass(sp.protocol);
    const prev = byPort.get(endpoint.port);
    byPort.set(endpoint.port, { port: endpoint.port, cls: prev && prev.cls !== cls ? 'auto' : cls });
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

function inboundChains(push: PushContext, p: InboundPort, withMatch: boolean): FilterChain[] {
  const cluster = inboundClusterName(p.port);
  const chains: FilterChain[] = [];
  const match = (extra: object) => (withMatch ? { filterChainMatch: { destinationPort: p.port, ...extra } } : Object.keys(extra).length ? { filterChainMatch: extra } : {});
  if (p.cls === 'http' || p.cls === 'auto') {
    chains.push(
      create(FilterChainSchema, {
        name: `${cluster}-http`,
        ...match(p.cls === 'auto' ? { applicationProtocols: HTTP_ALPN } : {}),
        filters: [
          httpConnectionManagerFilter({
            statPrefix: cluster,
            routeConfig: {
              name: cluster,
              validateClusters: false,
              virtualHosts: [
                {
                  name: `inbound|http|${p.port}`,
                  domains: ['*'],
                  routes: [defaultRoute(cluster)],
                },
              ],
            },
            mesh: push.mesh,
            edge: false,
          }),
        ],
      }),
    );
  }
  if (p.cls === 'tcp' || p.cls === 'auto') chains.push(create(FilterChainSchema, { name: `${cluster}-tcp`, ...match({}), filters: [tcpProxyFilter(cluster, [{ name: cluster, weight: 1 }])] }));
  return chains;
}

export function sidecarInboundListeners(push: PushContext, proxy: Proxy): Listener[] {
  const ports = inboundPorts(push, proxy);
  const out: Listener[] = [];
  const chains = ports.flatMap((p) => inboundChains(push, p, true));
  chains.push(create(FilterChainSchema, { name: 'InboundPassthroughFilterChain', filters: [tcpProxyFilter(INBOUND_PASSTHROUGH_CLUSTER, [{ name: INBOUND_PASSTHROUGH_CLUSTER, weight: 1 }])] }));
  const anyAuto = ports.some((p) => p.cls === 'auto');
  out.push(
    create(ListenerSchema, {
      name: VIRTUAL_INBOUND_LISTENER,
      address: socketAddress(captureBindAddress(proxy), INBOUND_PORT),
      useOriginalDst: !interceptionNone(proxy),
      trafficDirection: TrafficDirection.INBOUND,
      listenerFilters: [listenerFilter(ORIGINAL_DST), listenerFilter(TLS_INSPECTOR), ...(anyAuto ? [listenerFilter(HTTP_INSPECTOR)] : [])],
      filterChains: chains,
    }),
  );
  // Without capture, the sidecar owns the pod IP's service ports and the app listens elsewhere.
  if (interceptionNone(proxy) && proxy.ips[0]) {
    for (const p of ports) {
      out.push(
        create(ListenerSchema, {
          name: `${proxy.ips[0]}_${p.port}`,
          address: socketAddress(proxy.ips[0], p.port),
          trafficDirection: TrafficDirection.INBOUND,
          ...(p.cls === 'auto' ? { listenerFilters: [listenerFilter(HTTP_INSPECTOR)] } : {}),
          filterChains: inboundChains(push, p, false),
        }),
      );
    }
  }
  return out;
}
