// dynamic_resources: where the control plane is. The xDS client speaks state-of-the-world
// ADS over plaintext gRPC to one address and always subscribes to listeners and clusters,
// so the bootstrap must say exactly that: an ads_config whose one envoy_grpc service is a
// static cluster with one endpoint, and lds_config / cds_config set to `ads: {}`.
import {
  ApiConfigSource_ApiType,
  ApiVersion,
  type ConfigSource,
} from '../../api/gen/envoy/config/core/v3/config_source_pb.js';
import type { Bootstrap_DynamicResources } from '../../api/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { Cluster_DiscoveryType, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { durationMs } from '../../api/envoy/build.js';
import type { ErrorCollector } from '../../shared/result.js';
import { discoveryType } from '../xds-client/cluster-resource.js';

/** The control plane's address (`host:port`, `[v6]:port`), or undefined without dynamic_resources. */
export function checkDynamicResources(
  dyn: Bootstrap_DynamicResources | undefined,
  clusters: readonly Cluster[],
  errors: ErrorCollector,
  warnings: string[],
): string | undefined {
  if (!dyn) return undefined;
  const at = errors.at('dynamic_resources');
  const ads = dyn.adsConfig;
  for (const [name, source] of [['lds_config', dyn.ldsConfig], ['cds_config', dyn.cdsConfig]] as const) {
    if (!source) {
      if (ads) at.add(name, 'required (ads: {}): the xDS client subscribes to listeners and clusters over ADS');
      continue;
    }
    checkAdsConfigSource(source, name, at, warnings);
    if (!ads) at.add(name, 'ads needs dynamic_resources.ads_config');
  }
  if (!ads) return undefined;

  const a = at.at('ads_config');
  if (ads.apiType !== ApiConfigSource_ApiType.GRPC) {
    a.add('api_type', ads.apiType === ApiConfigSource_ApiType.DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE ? 'required (GRPC)' : `${ApiConfigSource_ApiType[ads.apiType] ?? ads.apiType} is not supported (the xDS client speaks state-of-the-world GRPC)`);
  }
  if (ads.transportApiVersion === ApiVersion.V2) a.add('transport_api_version', 'V2 is not supported (V3)');
  if (ads.grpcServices.length !== 1) {
    a.add('grpc_services', `exactly one is required (has ${ads.grpcServices.length})`);
    return undefined;
  }
  const service = ads.grpcServices[0]!.targetSpecifier;
  if (service.case !== 'envoyGrpc') {
    a.add('grpc_services[0].envoy_grpc', 'required');
    return undefined;
  }
  const name = service.value.clusterName;
  const index = clusters.findIndex((c) => c.name === name);
  if (name === '' || index < 0) {
    a.add('grpc_services[0].envoy_grpc.cluster_name', name === '' ? 'required' : `no static cluster "${name}"`);
    return undefined;
  }
  return adsClusterAddress(clusters[index]!, errors.at(`static_resources.clusters[${index}]`));
}

function checkAdsConfigSource(source: ConfigSource, name: string, errors: ErrorCollector, warnings: string[]): void {
  if (source.configSourceSpecifier.case !== 'ads') errors.add(name, 'required: ads: {}');
  if (source.resourceApiVersion === ApiVersion.V2) errors.add(`${name}.resource_api_version`, 'V2 is not supported (V3)');
  const timeout = durationMs(source.initialFetchTimeout);
  if (timeout !== undefined && timeout !== 0) {
    warnings.push(`dynamic_resources.${name}.initial_fetch_timeout: ignored (the proxy waits for its first listeners and clusters without a timeout)`);
  }
}

/** The one endpoint of the cluster the ADS stream dials. */
function adsClusterAddress(cluster: Cluster, errors: ErrorCollector): string | undefined {
  const type = discoveryType(cluster);
  if (type !== Cluster_DiscoveryType.STATIC && type !== Cluster_DiscoveryType.STRICT_DNS && type !== Cluster_DiscoveryType.LOGICAL_DNS) {
    errors.add('type', 'the ADS cluster must be STATIC, STRICT_DNS or LOGICAL_DNS');
    return undefined;
  }
  if (cluster.transportSocket || cluster.transportSocketMatches.length > 0) {
    errors.add(cluster.transportSocket ? 'transport_socket' : 'transport_socket_matches', 'TLS to the control plane is not supported (the xDS client connects in plaintext)');
  }
  const endpoints = (cluster.loadAssignment?.endpoints ?? []).flatMap((l) => l.lbEndpoints);
  if (endpoints.length !== 1) {
    errors.add('load_assignment', `the ADS cluster must have exactly one endpoint (has ${endpoints.length})`);
    return undefined;
  }
  const ep = endpoints[0]!.hostIdentifier;
  const address = ep.case === 'endpoint' ? ep.value.address?.address : undefined;
  if (address?.case !== 'socketAddress' || address.value.portSpecifier.case !== 'portValue') return undefined; // reported by validateCluster
  const host = address.value.address;
  const port = address.value.portSpecifier.value;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
