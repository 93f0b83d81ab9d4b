// LDS: the Listener resource — validated structurally (an address or an API listener,
// filter chains with filters whose typed configs the proxy knows, HTTP connection
// managers with a route source), and the names it makes the proxy fetch next: the RDS
// route configurations of its HTTP connection managers and the secrets of its TLS.
import type { Any } from '@bufbuild/protobuf/wkt';
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { FilterChain } from '../../api/gen/envoy/config/listener/v3/listener_components_pb.js';
import {
  HttpConnectionManagerSchema,
  type HttpConnectionManager,
} from '../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { ErrorCollector, type Result } from '../../shared/result.js';
import { checkRouteConfiguration } from './route-resource.js';
import { checkTransportSocket, sdsSecretNames } from './tls-context.js';
import { isMessageOf, unpackAs, unpackKnown } from './typed-config.js';

/** Default validator for LDS resources; errors name the field, the decoder names the resource. */
export function validateListener(listener: Listener): Result<Listener> {
  const errors = new ErrorCollector();
  if (listener.name === '') errors.add('name', 'must not be empty');
  if (!listener.address && !listener.apiListener) errors.add('address', 'required (or an api_listener)');

  if (listener.apiListener) {
    const any = listener.apiListener.apiListener;
    if (!any) errors.add('api_listener.api_listener', 'required');
    else {
      const hcm = unpackKnown(any, errors, 'api_listener.api_listener');
      if (isMessageOf(hcm, HttpConnectionManagerSchema)) checkHttpConnectionManager(hcm, errors.at('api_listener.api_listener'));
      else if (hcm) errors.add('api_listener.api_listener', `unsupported type ${hcm.$typeName} (want an HttpConnectionManager)`);
    }
  }
  listener.filterChains.forEach((chain, i) => checkFilterChain(chain, errors.at(`filter_chains[${i}]`)));
  if (listener.defaultFilterChain) checkFilterChain(listener.defaultFilterChain, errors.at('default_filter_chain'));
  listener.listenerFilters.forEach((f, i) => {
    if (f.configType.case === 'typedConfig') unpackKnown(f.configType.value, errors, `listener_filters[${i}].typed_config`);
    else if (f.configType.case === 'configDiscovery') errors.add(`listener_filters[${i}].config_discovery`, 'extension config discovery is not supported');
  });
  return errors.result(listener);
}

function checkFilterChain(chain: FilterChain, errors: ErrorCollector): void {
  if (chain.filters.length === 0) errors.add('filters', 'must not be empty');
  chain.filters.forEach((filter, i) => {
    const at = errors.at(`filters[${i}]`);
    if (filter.name === '') at.add('name', 'must not be empty');
    const c = filter.configType;
    if (c.case === 'configDiscovery') return at.add('config_discovery', 'extension config discovery is not supported');
    if (c.case !== 'typedConfig') return at.add('typed_config', 'required');
    const config = unpackKnown(c.value, at, 'typed_config');
    if (isMessageOf(config, HttpConnectionManagerSchema)) checkHttpConnectionManager(config, at.at('typed_config'));
  });
  checkTransportSocket(chain.transportSocket, errors.at('transport_socket'));
}

function checkHttpConnectionManager(hcm: HttpConnectionManager, errors: ErrorCollector): void {
  const route = hcm.routeSpecifier;
  switch (route.case) {
    case 'rds':
      if (route.value.routeConfigName === '') errors.add('rds.route_config_name', 'must not be empty');
      if (route.value.configSource?.configSourceSpecifier.case === undefined) errors.add('rds.config_source', 'required (ads or a config source)');
      break;
    case 'routeConfig':
      checkRouteConfiguration(route.value, errors.at('route_config'));
      break;
    case 'scopedRoutes':
      errors.add('scoped_routes', 'scoped routes are not supported');
      break;
    default:
      errors.add('route_specifier', 'required (rds or route_config)');
  }
  hcm.httpFilters.forEach((filter, i) => {
    const at = errors.at(`http_filters[${i}]`);
    if (filter.name === '') at.add('name', 'must not be empty');
    const c = filter.configType;
    if (c.case === 'typedConfig') unpackKnown(c.value, at, 'typed_config', filter.isOptional);
    else if (c.case === 'configDiscovery') at.add('config_discovery', 'extension config discovery is not supported');
    else if (!filter.isOptional) at.add('typed_config', 'required');
  });
}

/** The HttpConnectionManagers of a listener: in filter chains and as its API listener. */
export function httpConnectionManagers(listener: Listener): HttpConnectionManager[] {
  const configs: (Any | undefined)[] = [listener.apiListener?.apiListener];
  for (const chain of allFilterChains(listener)) {
    for (const f of chain.filters) if (f.configType.case === 'typedConfig') configs.push(f.configType.value);
  }
  return configs.flatMap((any) => unpackAs(any, HttpConnectionManagerSchema) ?? []);
}

/** RDS names the listener's HTTP connection managers read. */
export function listenerRouteNames(listener: Listener): string[] {
  return httpConnectionManagers(listener).flatMap((hcm) => (hcm.routeSpecifier.case === 'rds' && hcm.routeSpecifier.value.routeConfigName ? [hcm.routeSpecifier.value.routeConfigName] : []));
}

/** Secrets the listener's downstream TLS fetches over SDS. */
export function listenerSecretNames(listener: Listener): string[] {
  return allFilterChains(listener).flatMap((chain) => sdsSecretNames(chain.transportSocket));
}

function allFilterChains(listener: Listener): FilterChain[] {
  return listener.defaultFilterChain ? [...listener.filterChains, listener.defaultFilterChain] : listener.filterChains;
}
