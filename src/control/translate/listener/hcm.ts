// The HttpConnectionManager network filter as sidecars and gateways use it: RDS (or an
// inline route config), the HTTP filter chain (fault and CORS are configured per route,
// router last), access log, websocket upgrades.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { pack, packMessage } from '../../../api/envoy/types.js';
import { adsConfigSource, duration, HCM_FILTER, routerFilter } from '../../../api/envoy/build.js';
import { FilterSchema, type Filter } from '../../../api/gen/envoy/config/listener/v3/listener_components_pb.js';
import {
  HttpConnectionManagerSchema,
  HttpConnectionManager_CodecType,
  HttpConnectionManager_UpgradeConfigSchema,
  HttpFilterSchema,
  type HttpFilter,
} from '../../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RouteConfigurationSchema } from '../../../api/gen/envoy/config/route/v3/route_pb.js';
import { AccessLogSchema } from '../../../api/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { HTTPFaultSchema } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { CorsSchema } from '../../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { FileAccessLogSchema } from '../../../api/gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import type { MeshConfig } from '../../model/mesh.js';

export const FAULT_FILTER = 'envoy.filters.http.fault';
export const CORS_FILTER = 'envoy.filters.http.cors';

function httpFilter(name: string, any: ReturnType<typeof pack>): HttpFilter {
  return create(HttpFilterSchema, { name, configType: { case: 'typedConfig', value: any } });
}

export interface HcmOptions {
  statPrefix: string;
  /** RDS route config name, or an inline route configuration. */
  rds?: string;
  routeConfig?: MessageInitShape<typeof RouteConfigurationSchema>;
  mesh: MeshConfig;
  /** Gateways trust the connection's address (use_remote_address); sidecars do not. */
  edge: boolean;
  /** Proxyless gRPC accepts only what gRPC implements: the router. */
  minimal?: boolean;
}

export function httpConnectionManagerFilter(o: HcmOptions): Filter {
  const filters = o.minimal
    ? [routerFilter()]
    : [httpFilter(FAULT_FILTER, pack(HTTPFaultSchema, {})), httpFilter(CORS_FILTER, pack(CorsSchema, {})), routerFilter()];
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: o.statPrefix,
    codecType: HttpConnectionManager_CodecType.AUTO,
    httpFilters: filters,
    routeSpecifier:
      o.rds !== undefined
        ? { case: 'rds', value: { routeConfigName: o.rds, configSource: adsConfigSource() } }
        : { case: 'routeConfig', value: create(RouteConfigurationSchema, o.routeConfig) },
  });
  if (!o.minimal) {
    hcm.useRemoteAddress = o.edge;
    hcm.generateRequestId = true;
    hcm.normalizePath = true;
    hcm.streamIdleTimeout = duration(0);
    hcm.upgradeConfigs = [create(HttpConnectionManager_UpgradeConfigSchema, { upgradeType: 'websocket' })];
    if (o.mesh.accessLogFile) {
      hcm.accessLog = [
        create(AccessLogSchema, {
          name: 'envoy.access_loggers.file',
          configType: { case: 'typedConfig', value: pack(FileAccessLogSchema, { path: o.mesh.accessLogFile }) },
        }),
      ];
    }
  }
  return create(FilterSchema, { name: HCM_FILTER, configType: { case: 'typedConfig', value: packMessage(HttpConnectionManagerSchema, hcm) } });
}
