// XdsSnapshot: the accepted xDS state handed to the proxy, all at once. Immutable: every
// change produces a new snapshot object (maps of unchanged types are shared between
// snapshots, never mutated), so a reader holding one sees one consistent state.
import type { ResourceType } from '../../api/envoy/types.js';
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import type { Secret } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';

/** CDS, EDS, LDS, RDS, SDS. */
export type XdsTypeName = ResourceType['short'];

export interface XdsSnapshot {
  /** The last accepted (ACKed) version of each type; '' until one is accepted. */
  readonly versions: Readonly<Record<XdsTypeName, string>>;
  /** Resources by name, in name order. */
  readonly listeners: ReadonlyMap<string, Listener>;
  readonly routes: ReadonlyMap<string, RouteConfiguration>;
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** ClusterLoadAssignments by EDS service name. */
  readonly endpoints: ReadonlyMap<string, ClusterLoadAssignment>;
  readonly secrets: ReadonlyMap<string, Secret>;
}

export function createSnapshot(parts: XdsSnapshot): XdsSnapshot {
  return Object.freeze({ ...parts, versions: Object.freeze({ ...parts.versions }) });
}

export const EMPTY_SNAPSHOT: XdsSnapshot = createSnapshot({
  versions: { CDS: '', EDS: '', LDS: '', RDS: '', SDS: '' },
  listeners: new Map(),
  routes: new Map(),
  clusters: new Map(),
  endpoints: new Map(),
  secrets: new Map(),
});
