// The translators of the control plane, wired together: (PushContext, Proxy) → Envoy
// resources of every xDS type.
import type { Translators } from '../mesh/translators.js';
import { buildClusters } from './cds.js';
import { buildEndpoints } from './eds.js';
import { buildListeners } from './lds.js';
import { buildRoutes } from './rds.js';
import { tcpRouteFor } from './route/tcp.js';
import type { TcpRouteResolver } from './listener/sidecar.js';

const tcpRoute: TcpRouteResolver = (push, proxy, service, port) => tcpRouteFor(push, proxy, service.hostname, port);

export const translators: Translators = {
  clusters: buildClusters,
  endpoints: (push, proxy) => buildEndpoints(push, proxy),
  listeners: (push, proxy) => buildListeners(push, proxy, tcpRoute),
  routes: buildRoutes,
  // Secrets (SPIFFE certificates over SDS) arrive with the security work.
  secrets: () => [],
};
