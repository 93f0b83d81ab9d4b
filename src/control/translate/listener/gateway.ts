// Gateway (router) listeners from Gateway servers, as Istio builds them: one listener per
// port the gateway pod listens on (`0.0.0.0_8080`; a server's port number is the gateway
// Service's port, mapped to the pod's target port), with
//   - HTTP servers sharing one chain: HCM with RDS `http.<port>`;
//   - terminated TLS servers (SIMPLE, MUTUAL, ISTIO_MUTUAL): a chain per server matched by
//     SNI, with the certificate (files, or SDS by credentialName), HCM with RDS
//     `https.<port>.<portName>.<gateway>.<ns>`;
//   - PASSTHROUGH servers: chains per VirtualService tls route matched by SNI → tcp_proxy;
//   - TCP servers: tcp_proxy to the VirtualService tcp route's destinations.
import { create } from '@bufbuild/protobuf';
import { pack } from '../../../api/envoy/types.js';
import { adsConfigSource, socketAddress } from '../../../api/envoy/build.js';
import { SdsSecretConfigSchema } from '../../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { ListenerSchema, type Listener } from '../../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { FilterChainSchema, type FilterChain } from '../../../api/gen/envoy/config/listener/v3/listener_components_pb.js';
import { TrafficDirection } from '../../../api/gen/envoy/config/core/v3/base_pb.js';
import { DownstreamTlsContextSchema, CommonTlsContextSchema, type CommonTlsContext } from '../../../api/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { Server, ServerTLSSettings } from '../../../api/istio/networking.js';
import type { Gateway, PushContext } from '../../snapshot/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import { hostMatches } from '../../snapshot/hosts.js';
import { gatewayRouteName, outboundClusterName } from '../naming.js';
import { httpConnectionManagerFilter } from './hcm.js';
import { TLS_INSPECTOR, listenerFilter, tcpProxyFilter, type WeightedCluster } from './common.js';

const TERMINATING = new Set(['SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL']);

/** Gateway Service port → the port the gateway pod listens on (its endpoint's target port). HTTP route configs are named by this port (`http.8080`), as Istio does. */
export function targetPortMap(push: PushContext, proxy: Proxy): Map<number, number> {
  const m = new Map<number, number>();
  for (const { endpoint } of push.inboundServices(proxy)) if (!m.has(endpoint.servicePort)) m.set(endpoint.servicePort, endpoint.port);
  return m;
}

function bindAddress(proxy: Proxy): string {
  const a = proxy.metadata.RIG_GATEWAY_BIND_ADDRESS;
  return typeof a === 'string' && a ? a : '0.0.0.0';
}

/** Server hosts are `ns/host` or `host`; SNI needs concrete names (`*.x` allowed, `*` means any). */
function serverNames(s: Server): string[] {
  const names = s.hosts.map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h));
  return names.includes('*') ? [] : [...new Set(names)].sort();
}

function sds(name: string) {
  return { name, sdsConfig: adsConfigSource() };
}

function tlsContext(tls: ServerTLSSettings, http: boolean): CommonTlsContext {
  const ctx = create(CommonTlsContextSchema, { alpnProtocols: http ? ['h2', 'http/1.1'] : [] });
  if (tls.mode === 'ISTIO_MUTUAL') {
    ctx.tlsCertificateSdsSecretConfigs = [create(SdsSecretConfigSchema, sds('default'))];
    ctx.validationContextType = { case: 'validationContextSdsSecretConfig', value: create(SdsSecretConfigSchema, sds('ROOTCA')) };
    return ctx;
  }
  if (tls.credentialName) {
    const c = create(CommonTlsContextSchema, {
      alpnProtocols: ctx.alpnProtocols,
      tlsCertificateSdsSecretConfigs: [sds(tls.credentialName)],
      ...(tls.mode === 'MUTUAL' ? { validationContextType: { case: 'validationContextSdsSecretConfig' as const, value: sds(`${tls.credentialName}-cacert`) } } : {}),
    });
    return c;
  }
  return create(CommonTlsContextSchema, {
    alpnProtocols: ctx.alpnProtocols,
    tlsCertificates: [
      {
        certificateChain: { specifier: { case: 'filename', value: tls.serverCertificate ?? '' } },
        privateKey: { specifier: { case: 'filename', value: tls.privateKey ?? '' } },
      },
    ],
    ...(tls.mode === 'MUTUAL' && tls.caCertificates
      ? {
          validationContextType: {
            case: 'validationContext' as const,
            value: { trustedCa: { specifier: { case: 'filename' as const, value: tls.caCertificates } }, matchTypedSubjectAltNames: [] },
          },
        }
      : {}),
  });
}

interface PortGroup {
  port: number;
  servers: { gateway: Gateway; server: Server }[];
}

export function gatewayListeners(push: PushContext, proxy: Proxy): Listener[] {
  const targets = targetPortMap(push, proxy);
  const groups = new Map<number, PortGroup>();
  for (const gateway of push.gatewaysFor(proxy)) {
    for (const server of gateway.spec.servers ?? []) {
      const port = targets.get(server.port.number) ?? server.port.targetPort ?? server.port.number;
      const g = groups.get(port) ?? { port, servers: [] };
      g.servers.push({ gateway, server });
      groups.set(port, g);
    }
  }
  const out: Listener[] = [];
  for (const g of [...groups.values()].sort((a, b) => a.port - b.port)) {
    const chains: FilterChain[] = [];
    let needsTlsInspector = false;
    let httpAdded = false;
    for (const { gateway, server } of g.servers) {
      const protocol = server.port.protocol.toUpperCase();
      const ns = gateway.metadata.namespace ?? 'default';
      const mode = server.tls?.mode ?? (protocol === 'HTTPS' || protocol === 'TLS' ? 'SIMPLE' : undefined);
      if ((protocol === 'HTTP' || protocol === 'HTTP2' || protocol === 'GRPC') && !httpAdded) {
        httpAdded = true;
        chains.push(create(FilterChainSchema, { filters: [httpConnectionManagerFilter({ statPrefix: `outbound_0.0.0.0_${g.port}`, rds: gatewayRouteName(g.port), mesh: push.mesh, edge: true })] }));
      } else if ((protocol === 'HTTPS' || protocol === 'TLS') && mode && TERMINATING.has(mode) && server.tls) {
        const http = protocol === 'HTTPS';
        const rds = gatewayRouteName(server.port.number, { portName: server.port.name ?? `${protocol.toLowerCase()}-${server.port.number}`, gateway: gateway.metadata.name, namespace: ns });
        const names = serverNames(server);
        needsTlsInspector ||= names.length > 0;
        chains.push(
          create(FilterChainSchema, {
            ...(names.length ? { filterChainMatch: { serverNames: names } } : {}),
            transportSocket: {
              name: 'envoy.transport_sockets.tls',
              configType: {
                case: 'typedConfig',
                value: pack(DownstreamTlsContextSchema, { commonTlsContext: tlsContext(server.tls, http), requireClientCertificate: mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL' }),
              },
            },
            filters: http
              ? [httpConnectionManagerFilter({ statPrefix: `outbound_0.0.0.0_${g.port}`, rds, mesh: push.mesh, edge: true })]
              : [tcpProxyFilter(`outbound_0.0.0.0_${g.port}`, tcpDestinations(push, gateway, server, 'tcp') ?? [{ name: 'BlackHoleCluster', weight: 1 }])],
          }),
        );
      } else if ((protocol === 'TLS' || protocol === 'HTTPS') && mode === 'PASSTHROUGH') {
        needsTlsInspector = true;
        for (const vs of push.virtualServicesForGateway(`${ns}/${gateway.metadata.name}`)) {
          for (const route of vs.spec.tls ?? []) {
            const sni = [...new Set(route.match.flatMap((m) => m.sniHosts))].filter((h) => serverNames(server).length === 0 || serverNames(server).some((p) => hostMatches(p, h)));
            if (!sni.length || !route.route?.length) continue;
            chains.push(
              create(FilterChainSchema, {
                filterChainMatch: { serverNames: sni.sort() },
                filters: [tcpProxyFilter(`outbound_0.0.0.0_${g.port}`, destinations(push, vs.metadata.namespace ?? 'default', route.route))],
              }),
            );
          }
        }
      } else if (protocol === 'TCP' || protocol === 'MONGO') {
        const dests = tcpDestinations(push, gateway, server, 'tcp');
        if (dests) chains.push(create(FilterChainSchema, { filters: [tcpProxyFilter(`outbound_0.0.0.0_${g.port}`, dests)] }));
      }
    }
    if (chains.length === 0) continue;
    out.push(
      create(ListenerSchema, {
        name: `0.0.0.0_${g.port}`,
        address: socketAddress(bindAddress(proxy), g.port),
        trafficDirection: TrafficDirection.OUTBOUND,
        ...(needsTlsInspector ? { listenerFilters: [listenerFilter(TLS_INSPECTOR)] } : {}),
        filterChains: chains,
      }),
    );
  }
  return out;
}

function destinations(push: PushContext, namespace: string, route: { destination: { host: string; subset?: string; port?: { number?: number } }; weight?: number }[]): WeightedCluster[] {
  return route.map((d) => {
    const host = push.resolveHost(d.destination.host, namespace);
    const svc = push.service(host);
    const port = d.destination.port?.number ?? svc?.ports[0]?.port ?? 0;
    return { name: outboundClusterName(port, d.destination.subset ?? '', host), weight: d.weight ?? (route.length === 1 ? 1 : 0) };
  });
}

function tcpDestinations(push: PushContext, gateway: Gateway, server: Server, kind: 'tcp'): WeightedCluster[] | undefined {
  const ns = gateway.metadata.namespace ?? 'default';
  for (const vs of push.virtualServicesForGateway(`${ns}/${gateway.metadata.name}`)) {
    for (const r of vs.spec[kind] ?? []) {
      const matches = !r.match?.length || r.match.some((m) => m.port === undefined || m.port === server.port.number);
      if (matches && r.route?.length) return destinations(push, vs.metadata.namespace ?? 'default', r.route);
    }
  }
  return undefined;
}
