// CDS: the clusters of one proxy. Pure and deterministic; output sorted by name.
//
//   sidecar  outbound|port|subset|host for every visible service port and DestinationRule
//            subset, inbound|port|| for its own workload's ports, PassthroughCluster,
//            InboundPassthroughClusterIpv4, BlackHoleCluster
//   router   the outbound clusters and BlackHoleCluster
//   grpc     EDS outbound clusters only, with only what grpc-js-xds accepts
//
// Each outbound cluster gets its DestinationRule's effective policy (cluster-policy.ts):
// connection pool, outlier detection, load balancer (lb.ts), TLS (tls.ts).
import { create, type JsonObject } from '@bufbuild/protobuf';
import { adsConfigSource, socketAddress } from '../../api/envoy/build.js';
import { packMessage } from '../../api/envoy/types.js';
import { CircuitBreakersSchema } from '../../api/gen/envoy/config/cluster/v3/circuit_breaker_pb.js';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_EdsClusterConfigSchema, Cluster_DnsLookupFamily, Cluster_LbPolicy, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { MetadataSchema, type Metadata } from '../../api/gen/envoy/config/core/v3/base_pb.js';
import { ClusterLoadAssignmentSchema } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { HttpProtocolOptionsSchema } from '../../api/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { PercentSchema } from '../../api/gen/envoy/type/v3/percent_pb.js';
import type { ConnectionPoolSettings } from '../../api/istio/networking.js';
import type { Proxy } from '../model/proxy.js';
import type { Endpoint, Protocol, Service } from '../registry/model.js';
import type { PushContext } from '../snapshot/push-context.js';
import {
  applyPoolHttp2Streams,
  applyPoolHttpOptions,
  circuitBreakers,
  connectTimeout,
  healthyPanicThreshold,
  HttpOptionsBuilder,
  outlierDetection,
  upstreamConnectionOptions,
} from './cluster-policy.js';
import { localityInput, outboundTargets, targetEndpoints, type OutboundTarget } from './cluster-targets.js';
import { applyGrpcLoadBalancer, applyLoadBalancer } from './lb.js';
import { buildLoadAssignment } from './locality.js';
import { appAddress } from './listener/common.js';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, inboundClusterName, PASSTHROUGH_CLUSTER } from './naming.js';
import { byName } from './output.js';
import { grpcTransportSocket, istioMtlsSni, spiffeId, upstreamTransportSocket } from './tls.js';

export { hashPolicyFor } from './lb.js';

/** Key of the upstream HTTP protocol options in typed_extension_protocol_options. */
export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function buildClusters(push: PushContext, proxy: Proxy): Cluster[] {
  const identities = new ServiceIdentities(push);
  const targets = outboundTargets(push, proxy);
  if (proxy.type === 'grpc') return byName(targets.map((t) => grpcCluster(t, identities)));
  const out = targets.map((t) => outboundCluster(push, proxy, t, identities));
  if (proxy.type === 'sidecar') out.push(...inboundClusters(push, proxy), passthroughCluster(push, PASSTHROUGH_CLUSTER), passthroughCluster(push, INBOUND_PASSTHROUGH_CLUSTER));
  out.push(blackHoleCluster(push));
  return byName(out);
}

/** HTTP/2 on the wire to the upstream: Istio's IsHTTP2 protocols. */
export function isHttp2Protocol(p: Protocol): boolean {
  return p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB';
}

/** SPIFFE ids of each service's workloads (all ports), sorted; computed once per service. */
class ServiceIdentities {
  private readonly cache = new Map<string, string[]>();
  constructor(private readonly push: PushContext) {}

  of(service: Service): string[] {
    let ids = this.cache.get(service.hostname);
    if (!ids) {
      const set = new Set<string>();
      for (const p of service.ports) for (const e of this.push.endpoints(service.hostname, p.port)) if (e.serviceAccount) set.add(spiffeId(this.push.mesh.trustDomain, e.namespace, e.serviceAccount));
      ids = [...set].sort();
      this.cache.set(service.hostname, ids);
    }
    return ids;
  }
}

/** Istio's cluster metadata: which services (and DestinationRule, subset) a cluster is for. */
function istioMetadata(services: Service[], extra: { config?: string; subset?: string } = {}): Metadata {
  const istio: JsonObject = { services: services.map((s) => ({ host: s.hostname, name: s.name, namespace: s.namespace })) };
  if (extra.config) istio.config = extra.config;
  if (extra.subset) istio.subset = extra.subset;
  return create(MetadataSchema, { filterMetadata: { istio } });
}

function packHttpOptions(cluster: Cluster, http: HttpOptionsBuilder): void {
  const o = http.result();
  if (o) cluster.typedExtensionProtocolOptions[HTTP_PROTOCOL_OPTIONS] = packMessage(HttpProtocolOptionsSchema, o);
}

/** Upstream protocol by port (Istio's setUpstreamProtocol): h2 for HTTP2/gRPC ports; sidecars follow the client on unnamed ports. */
function upstreamProtocol(http: HttpOptionsBuilder, protocol: Protocol, proxy: Proxy): void {
  if (isHttp2Protocol(protocol)) http.http2();
  else if (proxy.type === 'sidecar' && protocol === 'UNKNOWN') http.useDownstreamProtocol();
}

function outboundCluster(push: PushContext, proxy: Proxy, t: OutboundTarget, identities: ServiceIdentities): Cluster {
  const pool = t.policy?.connectionPool;
  const od = t.policy?.outlierDetection;
  const dr = t.destinationRule;
  const c = create(ClusterSchema, {
    name: t.name,
    connectTimeout: connectTimeout(pool, push.mesh.connectTimeout),
    circuitBreakers: circuitBreakers(pool),
    commonLbConfig: {},
    metadata: istioMetadata([t.service], {
      ...(dr ? { config: `/apis/networking.istio.io/v1/namespaces/${dr.metadata.namespace ?? 'default'}/destination-rule/${dr.metadata.name}` } : {}),
      ...(t.subset ? { subset: t.subset } : {}),
    }),
  });
  switch (t.kind) {
    case 'EDS':
      c.clusterDiscoveryType = { case: 'type', value: Cluster_DiscoveryType.EDS };
      c.edsClusterConfig = create(Cluster_EdsClusterConfigSchema, { serviceName: t.name, edsConfig: adsConfigSource() });
      break;
    case 'STRICT_DNS':
    case 'LOGICAL_DNS': {
      c.clusterDiscoveryType = { case: 'type', value: t.kind === 'STRICT_DNS' ? Cluster_DiscoveryType.STRICT_DNS : Cluster_DiscoveryType.LOGICAL_DNS };
      c.dnsLookupFamily = Cluster_DnsLookupFamily.V4_ONLY;
      c.respectDnsTtl = true;
      let eps = targetEndpoints(push, t);
      // LOGICAL_DNS takes exactly one name: the first endpoint's.
      if (t.kind === 'LOGICAL_DNS') eps = [...eps].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port)).slice(0, 1);
      c.loadAssignment = buildLoadAssignment(t.name, eps, localityInput(proxy, t.policy));
      break;
    }
    case 'ORIGINAL_DST':
      c.clusterDiscoveryType = { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST };
      break;
  }

  const http = new HttpOptionsBuilder();
  upstreamProtocol(http, t.port.protocol, proxy);
  applyPoolHttpOptions(http, pool);
  if (pool?.http?.h2UpgradePolicy === 'UPGRADE') http.http2();
  applyPoolHttp2Streams(http, pool);
  const uco = upstreamConnectionOptions(pool);
  if (uco) c.upstreamConnectionOptions = uco;

  const envoyOd = outlierDetection(od);
  if (envoyOd) {
    c.outlierDetection = envoyOd;
    c.commonLbConfig!.healthyPanicThreshold = create(PercentSchema, { value: healthyPanicThreshold(od) ?? 0 });
  }
  applyLoadBalancer(c, t.policy?.loadBalancer, envoyOd !== undefined);

  const ts = upstreamTransportSocket(t.policy?.tls, {
    istioSni: istioMtlsSni(t.port.port, t.subset, t.service.hostname),
    serviceIdentities: () => identities.of(t.service),
    http2: http.isHttp2(),
    http,
  });
  if (ts) c.transportSocket = ts;
  packHttpOptions(c, http);
  return c;
}

/** Proxyless gRPC: EDS, ROUND_ROBIN or RING_HASH, max_requests, ISTIO_MUTUAL via certificate providers — nothing grpc-js-xds would NACK or ignore. */
function grpcCluster(t: OutboundTarget, identities: ServiceIdentities): Cluster {
  const c = create(ClusterSchema, {
    name: t.name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { serviceName: t.name, edsConfig: adsConfigSource() },
  });
  applyGrpcLoadBalancer(c, t.policy?.loadBalancer);
  const maxRequests = t.policy?.connectionPool?.http?.http2MaxRequests ?? 0;
  if (maxRequests > 0) c.circuitBreakers = create(CircuitBreakersSchema, { thresholds: [{ maxRequests }] });
  const ts = grpcTransportSocket(t.policy?.tls, { istioSni: istioMtlsSni(t.port.port, t.subset, t.service.hostname), serviceIdentities: () => identities.of(t.service) });
  if (ts) c.transportSocket = ts;
  return c;
}

/** The connection pool for the workload's port: the Sidecar's ingress listener on that port, else its inboundConnectionPool. */
function inboundPool(push: PushContext, proxy: Proxy, port: number): ConnectionPoolSettings | undefined {
  const sc = push.sidecarFor(proxy)?.spec;
  return sc?.ingress?.find((i) => i.port?.number === port)?.connectionPool ?? sc?.inboundConnectionPool;
}

/** `inbound|port||`: STATIC to the workload's own address and port (on the local platform the app listens on the pod IP). */
function inboundClusters(push: PushContext, proxy: Proxy): Cluster[] {
  const byPort = new Map<number, { endpoint: Endpoint; services: Service[]; protocol: Protocol }>();
  for (const { service, endpoint } of push.inboundServices(proxy)) {
    const entry = byPort.get(endpoint.port);
    if (entry) {
      if (!entry.services.includes(service)) entry.services.push(service);
      continue;
    }
    const protocol = service.ports.find((p) => p.port === endpoint.servicePort)?.protocol ?? 'UNKNOWN';
    byPort.set(endpoint.port, { endpoint, services: [service], protocol });
  }
  return [...byPort.entries()].map(([port, { endpoint, services, protocol }]) => {
    const name = inboundClusterName(port);
    const pool = inboundPool(push, proxy, port);
    const c = create(ClusterSchema, {
      name,
      clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
      connectTimeout: connectTimeout(pool, push.mesh.connectTimeout),
      circuitBreakers: circuitBreakers(pool),
      commonLbConfig: {},
      metadata: istioMetadata(services),
      loadAssignment: create(ClusterLoadAssignmentSchema, {
        clusterName: name,
        endpoints: [{ locality: {}, lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socketAddress(appAddress(proxy, endpoint.address), endpoint.port) } } }] }],
      }),
    });
    const http = new HttpOptionsBuilder();
    upstreamProtocol(http, protocol, proxy);
    applyPoolHttpOptions(http, pool);
    applyPoolHttp2Streams(http, pool);
    const uco = upstreamConnectionOptions(pool);
    if (uco) c.upstreamConnectionOptions = uco;
    packHttpOptions(c, http);
    return c;
  });
}

/** PassthroughCluster / InboundPassthroughClusterIpv4: to the original destination, in the client's protocol. */
function passthroughCluster(push: PushContext, name: string): Cluster {
  const c = create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST },
    lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED,
    connectTimeout: connectTimeout(undefined, push.mesh.connectTimeout),
    circuitBreakers: circuitBreakers(undefined),
  });
  const http = new HttpOptionsBuilder();
  http.useDownstreamProtocol();
  packHttpOptions(c, http);
  return c;
}

/** BlackHoleCluster: STATIC with no endpoints; whatever routes here fails. */
function blackHoleCluster(push: PushContext): Cluster {
  return create(ClusterSchema, {
    name: BLACKHOLE_CLUSTER,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: connectTimeout(undefined, push.mesh.connectTimeout),
    loadAssignment: { clusterName: BLACKHOLE_CLUSTER },
  });
}
