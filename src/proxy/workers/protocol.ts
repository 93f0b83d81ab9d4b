// The messages between the proxy's primary process and its workers (`rig proxy
// --concurrency N`), sent over the cluster IPC channel. A config snapshot travels as the
// serialized protobuf bytes of each resource, so a worker decodes exactly what the primary
// validated, with no JSON round trip and no loss of Any contents.
import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import { ClusterSchema } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { SecretSchema } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { ProxyConfigSnapshot } from '../proxy.js';
import type { Level } from '../../shared/log.js';
import type { StatSample } from '../stats/samples.js';

/** A snapshot as bytes: each map's entries, `[name, serialized resource]`, in name order. */
export interface WireSnapshot {
  listeners: [string, Uint8Array][];
  routes: [string, Uint8Array][];
  clusters: [string, Uint8Array][];
  endpoints: [string, Uint8Array][];
  secrets: [string, Uint8Array][];
}

export interface ListenerInfo {
  name: string;
  address: string;
  port: number;
}

/** What a worker tells the admin API about itself. */
export interface WorkerReport {
  stats: StatSample[];
  /** The worker's /clusters text. */
  clusters: string;
  listeners: ListenerInfo[];
}

export type ToWorker =
  | { type: 'config'; seq: number; snapshot: WireSnapshot }
  | { type: 'report'; id: number }
  | { type: 'drain' }
  | { type: 'log-level'; level: Level }
  | { type: 'stop'; drainMs: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'applied'; seq: number; errors: string[]; listeners: ListenerInfo[] }
  | { type: 'report'; id: number; report: WorkerReport };

function encodeMap<D extends DescMessage>(schema: D, m: ReadonlyMap<string, MessageShape<D>> | undefined): [string, Uint8Array][] {
  return [...(m ?? new Map<string, MessageShape<D>>())].map(([k, v]) => [k, toBinary(schema, v)]);
}

export function encodeSnapshot(s: ProxyConfigSnapshot): WireSnapshot {
  return {
    listeners: encodeMap(ListenerSchema, s.listeners),
    routes: encodeMap(RouteConfigurationSchema, s.routes),
    clusters: encodeMap(ClusterSchema, s.clusters),
    endpoints: encodeMap(ClusterLoadAssignmentSchema, s.endpoints),
    secrets: encodeMap(SecretSchema, s.secrets),
  };
}

/**
 * Decodes snapshots, keeping the previous object of every resource whose bytes did not
 * change: the proxy then sees the same objects and keeps their compiled route tables,
 * connection pools and listening sockets, as it does for an xDS update in one process.
 */
export class SnapshotDecoder {
  private readonly seen = new Map<string, Map<string, { bytes: Uint8Array; message: unknown }>>();

  decode(w: WireSnapshot): ProxyConfigSnapshot {
    return {
      listeners: this.map('listeners', ListenerSchema, w.listeners),
      routes: this.map('routes', RouteConfigurationSchema, w.routes),
      clusters: this.map('clusters', ClusterSchema, w.clusters),
      endpoints: this.map('endpoints', ClusterLoadAssignmentSchema, w.endpoints),
      secrets: this.map('secrets', SecretSchema, w.secrets),
    };
  }

  private map<D extends DescMessage>(kind: keyof WireSnapshot, schema: D, entries: [string, Uint8Array][]): Map<string, MessageShape<D>> {
    const before = this.seen.get(kind);
    const now = new Map<string, { bytes: Uint8Array; message: unknown }>();
    const out = new Map<string, MessageShape<D>>();
    for (const [name, bytes] of entries) {
      const old = before?.get(name);
      const message = old && sameBytes(old.bytes, bytes) ? (old.message as MessageShape<D>) : fromBinary(schema, bytes);
      now.set(name, { bytes, message });
      out.set(name, message);
    }
    this.seen.set(kind, now);
    return out;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
