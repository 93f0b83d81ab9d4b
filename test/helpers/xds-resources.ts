// Typed builders for the xDS resources a proxyless gRPC client (@grpc/grpc-js-xds) accepts:
// an api_listener Listener whose HttpConnectionManager fetches its routes over RDS, a
// RouteConfiguration sending everything to one cluster or splitting it by weight, EDS
// clusters and their ClusterLoadAssignments. Each returns a NamedResource for MemorySource.
//
// What grpc-js-xds 1.14 checks (build/src/xds-resource-type/*.js), and so what these set:
// - Listener: api_listener holds an HttpConnectionManager; rds.config_source.ads set; the
//   router filter (typed_config envoy.extensions.filters.http.router.v3.Router) is last.
// - RouteConfiguration: at most one '*' per domain, at its start or end; every route has a
//   path specifier and a `route` action; weighted clusters sum to more than 0.
// - Cluster: lb_policy ROUND_ROBIN or RING_HASH (anything else, e.g. MAGLEV, is NACKed);
//   type EDS needs eds_cluster_config.eds_config.ads (or self).
// - ClusterLoadAssignment: every locality set and unique; IP literal addresses with a
//   port_value. A locality without load_balancing_weight is silently dropped, so it is set.
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ApiVersion } from '../../src/api/gen/envoy/config/core/v3/config_source_pb.js';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { LbEndpointSchema } from '../../src/api/gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { RouterSchema } from '../../src/api/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { HttpConnectionManagerSchema } from '../../src/api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { pack } from '../../src/api/envoy/types.js';
import type { NamedResource } from '../../src/control/xds/source.js';

export { Cluster_LbPolicy };

/** A config source that says "over the same ADS stream". */
const ADS = { configSourceSpecifier: { case: 'ads', value: {} }, resourceApiVersion: ApiVersion.V3 } as const;

/**
 * The Listener a gRPC client looks up for `xds:///<name>`: an api_listener whose
 * HttpConnectionManager takes routes `routeConfigName` from RDS and ends with the router.
 */
export function apiListener(name: string, routeConfigName: string): NamedResource {
  const hcm = pack(HttpConnectionManagerSchema, {
    statPrefix: name,
    routeSpecifier: { case: 'rds', value: { configSource: ADS, routeConfigName } },
    httpFilters: [{ name: 'envoy.filters.http.router', configType: { case: 'typedConfig', value: pack(RouterSchema, {}) } }],
  });
  return { name, resource: pack(ListenerSchema, { name, apiListener: { apiListener: hcm } }) };
}

export interface WeightedCluster {
  name: string;
  weight: number;
}

/** Where the single catch-all route sends traffic. */
export type RouteTarget = { cluster: string } | { weightedClusters: WeightedCluster[] };

/**
 * A RouteConfiguration with one virtual host (`domains`, default '*') and one route
 * matching every path (prefix '') to `target`.
 */
export function routeConfig(name: string, target: RouteTarget, domains: string[] = ['*']): NamedResource {
  const clusterSpecifier =
    'cluster' in target
      ? ({ case: 'cluster', value: target.cluster } as const)
      : ({
          case: 'weightedClusters',
          value: { clusters: target.weightedClusters.map((c) => ({ name: c.name, weight: c.weight })) },
        } as const);
  return {
    name,
    resource: pack(RouteConfigurationSchema, {
      name,
      virtualHosts: [
        {
          name: `${name}-vhost`,
          domains,
          routes: [
            {
              name: 'default',
              match: { pathSpecifier: { case: 'prefix', value: '' } },
              action: { case: 'route', value: { clusterSpecifier } },
            },
          ],
        },
      ],
    }),
  };
}

/** An EDS cluster whose endpoints come over ADS; round robin unless `lbPolicy` says otherwise. */
export function edsCluster(name: string, lbPolicy: Cluster_LbPolicy = Cluster_LbPolicy.ROUND_ROBIN): NamedResource {
  return {
    name,
    resource: pack(ClusterSchema, {
      name,
      clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
      edsClusterConfig: { edsConfig: ADS },
      connectTimeout: { seconds: 1n },
      lbPolicy,
    }),
  };
}

export interface EndpointSpec {
  port: number;
  /** IP literal; default 127.0.0.1. */
  address?: string;
  /** Endpoint load_balancing_weight; default 1. */
  weight?: number;
}

export interface LocalitySpec {
  region: string;
  zone: string;
  subZone?: string;
}

/** A ClusterLoadAssignment with one locality (weight 1) holding `endpoints`. */
export function loadAssignment(
  clusterName: string,
  endpoints: EndpointSpec[],
  locality: LocalitySpec = { region: 'local', zone: 'local-a' },
): NamedResource {
  return {
    name: clusterName,
    resource: pack(ClusterLoadAssignmentSchema, {
      clusterName,
      endpoints: [
        {
          locality: { region: locality.region, zone: locality.zone, subZone: locality.subZone ?? '' },
          loadBalancingWeight: 1,
          lbEndpoints: endpoints.map((e): MessageInitShape<typeof LbEndpointSchema> => ({
            hostIdentifier: {
              case: 'endpoint',
              value: {
                address: {
                  address: {
                    case: 'socketAddress',
                    value: { address: e.address ?? '127.0.0.1', portSpecifier: { case: 'portValue', value: e.port } },
                  },
                },
              },
            },
            loadBalancingWeight: e.weight ?? 1,
          })),
        },
      ],
    }),
  };
}
