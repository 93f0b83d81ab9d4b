// Listeners for proxyless gRPC clients (node metadata GENERATOR: grpc), as Istio's grpcgen
// builds them: one api_listener per service port, named `host:port` (the target a gRPC
// client dials as `xds:///host:port`), with an HttpConnectionManager whose RDS name is
// the same `host:port` and the filters gRPC implements (fault, router).
import { create } from '@bufbuild/protobuf';
import { pack } from '../../../api/envoy/types.js';
import { adsConfigSource, routerFilter } from '../../../api/envoy/build.js';
import { ListenerSchema, type Listener } from '../../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { HttpConnectionManagerSchema } from '../../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { HTTPFaultSchema } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import type { PushContext } from '../../snapshot/push-context.js';
import type { Proxy } from '../../model/proxy.js';

export function grpcListenerName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}

export function grpcListeners(push: PushContext, proxy: Proxy): Listener[] {
  const out: Listener[] = [];
  for (const s of push.servicesFor(proxy)) {
    for (const p of s.ports) {
      const name = grpcListenerName(s.hostname, p.port);
      out.push(
        create(ListenerSchema, {
          name,
          apiListener: {
            apiListener: pack(HttpConnectionManagerSchema, {
              statPrefix: name,
              routeSpecifier: { case: 'rds', value: { routeConfigName: name, configSource: adsConfigSource() } },
              // gRPC implements the fault filter (gRFC A33) and the router, nothing else.
              httpFilters: [{ name: 'envoy.filters.http.fault', configType: { case: 'typedConfig', value: pack(HTTPFaultSchema, {}) } }, routerFilter()],
            }),
          },
        }),
      );
    }
  }
  return out;
}
