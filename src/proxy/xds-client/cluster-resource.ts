// CDS: the Cluster resource — validated structurally, and the names it makes the proxy
// fetch next: its EDS service name and the secrets its upstream TLS reads over SDS.
import { isIP } from 'node:net';
import { Cluster_DiscoveryType, Cluster_LbPolicy, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ErrorCollector, type Result } from '../../shared/result.js';
import { checkLoadAssignment } from './endpoint-resource.js';
import { checkTransportSocket, sdsSecretNames } from './tls-context.js';
import { checkProtocolOptions } from '../upstream/upstream-protocol.js';

const DISCOVERY_TYPES = new Set([
  Cluster_DiscoveryType.STATIC,
  Cluster_DiscoveryType.STRICT_DNS,
  Cluster_DiscoveryType.LOGICAL_DNS,
  Cluster_DiscoveryType.EDS,
  // Passthrough: connect to the connection's original destination (Istio's PassthroughCluster).
  Cluster_DiscoveryType.ORIGINAL_DST,
]);

const LB_POLICIES = new Set([
  Cluster_LbPolicy.ROUND_ROBIN,
  Cluster_LbPolicy.LEAST_REQUEST,
  Cluster_LbPolicy.RANDOM,
  Cluster_LbPolicy.RING_HASH,
  Cluster_LbPolicy.MAGLEV,
]);

/** The discovery type; a cluster that sets neither `type` nor `cluster_type` is STATIC. */
export function discoveryType(cluster: Cluster): Cluster_DiscoveryType | undefined {
  const t = cluster.clusterDiscoveryType;
  if (t.case === 'type') return t.value;
  return t.case === undefined ? Cluster_DiscoveryType.STATIC : undefined;
}

/** Default validator for CDS resources; errors name the field, the decoder names the resource. */
export function validateCluster(cluster: Cluster): Result<Cluster> {
  const errors = new ErrorCollector();
  if (cluster.name === '') errors.add('name', 'must not be empty');

  const t = cluster.clusterDiscoveryType;
  const type = discoveryType(cluster);
  if (t.case === 'clusterType') errors.add('cluster_type', `custom cluster type ${t.value.name || '(unnamed)'} is not supported`);
  else if (type === undefined || !DISCOVERY_TYPES.has(type)) errors.add('type', `unsupported value ${enumName(Cluster_DiscoveryType, type)}`);

  if (type === Cluster_DiscoveryType.ORIGINAL_DST) {
    if (cluster.lbPolicy !== Cluster_LbPolicy.CLUSTER_PROVIDED) errors.add('lb_policy', 'an ORIGINAL_DST cluster needs CLUSTER_PROVIDED');
  } else if (!LB_POLICIES.has(cluster.lbPolicy)) errors.add('lb_policy', `unsupported value ${enumName(Cluster_LbPolicy, cluster.lbPolicy)}`);

  if (type === Cluster_DiscoveryType.EDS) {
    if (!cluster.edsClusterConfig) errors.add('eds_cluster_config', 'required for an EDS cluster');
    else if (cluster.edsClusterConfig.edsConfig?.configSourceSpecifier.case === undefined) {
      errors.add('eds_cluster_config.eds_config', 'required for an EDS cluster (ads or a config source)');
    }
  } else if (cluster.loadAssignment) {
    checkLoadAssignment(cluster.loadAssignment, errors.at('load_assignment'));
  }

  checkBindConfig(cluster, errors.at('upstream_bind_config'));
  checkProtocolOptions(cluster, errors);
  checkTransportSocket(cluster.transportSocket, errors.at('transport_socket'));
  cluster.transportSocketMatches.forEach((m, i) => checkTransportSocket(m.transportSocket, errors.at(`transport_socket_matches[${i}].transport_socket`)));
  return errors.result(cluster);
}

/** upstream_bind_config: a source IP (and port) is honoured; the rest is refused by name. */
function checkBindConfig(cluster: Cluster, errors: ErrorCollector): void {
  const b = cluster.upstreamBindConfig;
  if (!b) return;
  const a = b.sourceAddress;
  if (a) {
    if (isIP(a.address) === 0) errors.add('source_address.address', `must be an IP address, got ${JSON.stringify(a.address)}`);
    if (a.portSpecifier.case === 'namedPort') errors.add('source_address.named_port', 'not supported: give port_value');
    if (a.resolverName !== '') errors.add('source_address.resolver_name', 'not supported');
  }
  if (b.freebind === true) errors.add('freebind', 'not supported');
  if (b.socketOptions.length > 0) errors.add('socket_options', 'not supported');
  if (b.extraSourceAddresses.length > 0) errors.add('extra_source_addresses', 'not supported');
  if (b.additionalSourceAddresses.length > 0) errors.add('additional_source_addresses', 'not supported');
  if (b.localAddressSelector) errors.add('local_address_selector', 'not supported');
}

/** The EDS resource name an EDS cluster subscribes to, or undefined for other types. */
export function edsServiceName(cluster: Cluster): string | undefined {
  if (discoveryType(cluster) !== Cluster_DiscoveryType.EDS) return undefined;
  return cluster.edsClusterConfig?.serviceName || cluster.name;
}

/** Secrets the cluster's upstream TLS fetches over SDS (its socket and socket matches). */
export function clusterSecretNames(cluster: Cluster): string[] {
  return [cluster.transportSocket, ...cluster.transportSocketMatches.map((m) => m.transportSocket)].flatMap(sdsSecretNames);
}

function enumName(e: Record<number, string>, value: number | undefined): string {
  return value === undefined ? '(unset)' : (e[value] ?? String(value));
}
