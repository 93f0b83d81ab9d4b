// Typed constructors for the Envoy messages Rigging builds most often. Every nested Any
// is packed here from a typed message, never assembled by hand.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import type { Any, Duration } from '@bufbuild/protobuf/wkt';
import { pack, packMessage } from './types.js';
import { AddressSchema, type Address, SocketAddress_Protocol } from '../gen/envoy/config/core/v3/address_pb.js';
import { ConfigSourceSchema, ApiVersion, type ConfigSource } from '../gen/envoy/config/core/v3/config_source_pb.js';
import {
  HttpConnectionManagerSchema,
  HttpFilterSchema,
  type HttpFilter,
} from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RouterSchema } from '../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { RouteConfigurationSchema } from '../gen/envoy/config/route/v3/route_pb.js';

export const ROUTER_FILTER = 'envoy.filters.http.router';
export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';

/** A protobuf Duration from milliseconds. */
export function duration(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  return { $typeName: 'google.protobuf.Duration', seconds: BigInt(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** Milliseconds of a protobuf Duration. */
export function durationMs(d: Duration | undefined): number | undefined {
  return d === undefined ? undefined : Number(d.seconds) * 1000 + d.nanos / 1e6;
}

export function socketAddress(host: string, port: number): Address {
  return create(AddressSchema, {
    address: { case: 'socketAddress', value: { address: host, protocol: SocketAddress_Protocol.TCP, portSpecifier: { case: 'portValue', value: port } } },
  });
}

/** ConfigSource pointing at the ADS stream (what Istio sets for RDS/EDS/SDS). */
export function adsConfigSource(): ConfigSource {
  return create(ConfigSourceSchema, { configSourceSpecifier: { case: 'ads', value: {} }, resourceApiVersion: ApiVersion.V3 });
}

export function routerFilter(): HttpFilter {
  return create(HttpFilterSchema, { name: ROUTER_FILTER, configType: { case: 'typedConfig', value: pack(RouterSchema, {}) } });
}

export type HcmInit = MessageInitShape<typeof HttpConnectionManagerSchema>;

/** An HttpConnectionManager with RDS over ADS (or an inline route config) and router last. */
export function httpConnectionManager(opts: {
  statPrefix: string;
  rds?: string;
  routeConfig?: MessageInitShape<typeof RouteConfigurationSchema>;
  filters?: HttpFilter[];
  /** Any other HttpConnectionManager fields; statPrefix, route and filters above win. */
  extra?: HcmInit;
}): Any {
  if ((opts.rds === undefined) === (opts.routeConfig === undefined)) throw new Error('httpConnectionManager: give exactly one of rds or routeConfig');
  const routeSpecifier: HcmInit['routeSpecifier'] =
    opts.rds !== undefined
      ? { case: 'rds', value: { routeConfigName: opts.rds, configSource: adsConfigSource() } }
      : { case: 'routeConfig', value: create(RouteConfigurationSchema, opts.routeConfig) };
  const hcm = create(HttpConnectionManagerSchema, opts.extra ?? {});
  const fixed = create(HttpConnectionManagerSchema, { statPrefix: opts.statPrefix, routeSpecifier, httpFilters: [...(opts.filters ?? []), routerFilter()] });
  hcm.statPrefix = fixed.statPrefix;
  hcm.routeSpecifier = fixed.routeSpecifier;
  hcm.httpFilters = fixed.httpFilters;
  return packMessage(HttpConnectionManagerSchema, hcm);
}
