// static_resources: listeners, clusters and secrets, held to the xDS client's validators
// (a bootstrap obeys the same rules as xDS), plus what only a bootstrap can get wrong:
// duplicate names, references to secrets it does not hold, and dependencies on RDS, EDS or
// SDS, which the xDS client fetches for dynamic resources only.
import type { Bootstrap_StaticResources } from '../../api/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { TransportSocket } from '../../api/gen/envoy/config/core/v3/base_pb.js';
import type { SdsSecretConfig } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { ErrorCollector, Result } from '../../shared/result.js';
import { clusterSecretNames, edsServiceName, validateCluster } from '../xds-client/cluster-resource.js';
import { listenerRouteNames, listenerSecretNames, validateListener } from '../xds-client/listener-resource.js';
import { commonTlsContext } from '../xds-client/tls-context.js';
import { validateSecret } from '../xds-client/validators.js';

export function checkStaticResources(res: Bootstrap_StaticResources | undefined, errors: ErrorCollector): void {
  if (!res) return;
  const secrets = new Set<string>();
  res.secrets.forEach((s, i) => {
    const at = `static_resources.secrets[${i}]`;
    prefixed(validateSecret(s), at, errors);
    if (s.name !== '' && secrets.has(s.name)) errors.add(`${at}.name`, `duplicate secret name "${s.name}"`);
    secrets.add(s.name);
  });

  const listeners = new Set<string>();
  res.listeners.forEach((l, i) => {
    const at = `static_resources.listeners[${i}]`;
    prefixed(validateListener(l), at, errors);
    if (l.name !== '' && listeners.has(l.name)) errors.add(`${at}.name`, `duplicate listener name "${l.name}"`);
    listeners.add(l.name);
    for (const route of listenerRouteNames(l)) errors.add(at, `RDS route configuration "${route}" is not supported in a static listener (use route_config)`);
    for (const secret of listenerSecretNames(l)) errors.add(at, `SDS secret "${secret}" is not supported in a static listener (use static_resources.secrets)`);
    checkStaticSecretRefs(listenerSockets(l), secrets, at, errors);
  });

  const clusters = new Set<string>();
  res.clusters.forEach((c, i) => {
    const at = `static_resources.clusters[${i}]`;
    prefixed(validateCluster(c), at, errors);
    if (c.name !== '' && clusters.has(c.name)) errors.add(`${at}.name`, `duplicate cluster name "${c.name}"`);
    clusters.add(c.name);
    if (edsServiceName(c) !== undefined) errors.add(`${at}.type`, 'an EDS cluster is not supported in static_resources (use STATIC, STRICT_DNS or LOGICAL_DNS)');
    for (const secret of clusterSecretNames(c)) errors.add(at, `SDS secret "${secret}" is not supported in a static cluster (use static_resources.secrets)`);
    checkStaticSecretRefs(clusterSockets(c), secrets, at, errors);
  });
}

/** Adds a validator's errors (`field: problem`) under `at`. */
function prefixed(r: Result<unknown>, at: string, errors: ErrorCollector): void {
  if (!r.ok) for (const e of r.errors) errors.errors.push(`${at}.${e}`);
}

function listenerSockets(l: Listener): (TransportSocket | undefined)[] {
  return [...l.filterChains, ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])].map((c) => c.transportSocket);
}

function clusterSockets(c: Cluster): (TransportSocket | undefined)[] {
  return [c.transportSocket, ...c.transportSocketMatches.map((m) => m.transportSocket)];
}

/** A TLS context may name a secret without an sds_config: Envoy's static secret, which must exist. */
function checkStaticSecretRefs(sockets: (TransportSocket | undefined)[], secrets: ReadonlySet<string>, at: string, errors: ErrorCollector): void {
  for (const socket of sockets) {
    const ctx = commonTlsContext(socket);
    if (!ctx) continue;
    const configs: SdsSecretConfig[] = [...ctx.tlsCertificateSdsSecretConfigs];
    const v = ctx.validationContextType;
    if (v.case === 'validationContextSdsSecretConfig') configs.push(v.value);
    else if (v.case === 'combinedValidationContext' && v.value.validationContextSdsSecretConfig) configs.push(v.value.validationContextSdsSecretConfig);
    for (const c of configs) {
      if (c.sdsConfig === undefined && c.name !== '' && !secrets.has(c.name)) errors.add(at, `secret "${c.name}" is not in static_resources.secrets`);
    }
  }
}
