// RDS: the RouteConfiguration resource, validated structurally: named virtual hosts with
// domains unique across the configuration, and routes that each have a match and an
// action. Also applied to route configurations inlined in an HttpConnectionManager.
import type { Any } from '@bufbuild/protobuf/wkt';
import type { RouteConfiguration } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import type { Route } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { ErrorCollector, type Result } from '../../shared/result.js';
import { unpackKnown } from './typed-config.js';

/** Default validator for RDS resources; errors name the field, the decoder names the resource. */
export function validateRouteConfiguration(config: RouteConfiguration): Result<RouteConfiguration> {
  const errors = new ErrorCollector();
  if (config.name === '') errors.add('name', 'must not be empty');
  checkRouteConfiguration(config, errors);
  return errors.result(config);
}

export function checkRouteConfiguration(config: RouteConfiguration, errors: ErrorCollector): void {
  if (config.vhds) errors.add('vhds', 'VHDS is not supported');
  // Envoy compares domains case-insensitively: "A.com" and "a.com" collide.
  const owner = new Map<string, string>();
  config.virtualHosts.forEach((vh, i) => {
    const at = errors.at(`virtual_hosts[${i}]`);
    if (vh.name === '') at.add('name', 'must not be empty');
    if (vh.domains.length === 0) at.add('domains', 'must not be empty');
    vh.domains.forEach((domain, j) => {
      if (domain === '') return at.add(`domains[${j}]`, 'must not be empty');
      const key = domain.toLowerCase();
      const first = owner.get(key);
      if (first !== undefined) at.add(`domains[${j}]`, `duplicate domain "${domain}" (also in virtual host "${first}")`);
      else owner.set(key, vh.name);
    });
    vh.routes.forEach((route, k) => checkRoute(route, at.at(`routes[${k}]`)));
    checkPerFilterConfig(vh.typedPerFilterConfig, at);
  });
}

function checkRoute(route: Route, errors: ErrorCollector): void {
  if (!route.match) errors.add('match', 'required');
  else if (route.match.pathSpecifier.case === undefined) errors.add('match.path_specifier', 'required (prefix, path, safe_regex, ...)');
  const action = route.action;
  if (action.case === undefined) errors.add('action', 'required (route, redirect or direct_response)');
  else if (action.case === 'route') {
    const cs = action.value.clusterSpecifier;
    if (cs.case === undefined) errors.add('route.cluster_specifier', 'required (cluster, cluster_header or weighted_clusters)');
    else if (cs.case === 'cluster' && cs.value === '') errors.add('route.cluster', 'must not be empty');
    else if (cs.case === 'weightedClusters' && cs.value.clusters.length === 0) errors.add('route.weighted_clusters.clusters', 'must not be empty');
  }
  checkPerFilterConfig(route.typedPerFilterConfig, errors);
}

function checkPerFilterConfig(configs: { [filter: string]: Any }, errors: ErrorCollector): void {
  for (const [filter, any] of Object.entries(configs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    unpackKnown(any, errors, `typed_per_filter_config["${filter}"]`);
  }
}
