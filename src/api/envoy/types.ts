// The Envoy v3 resource types Rigging exchanges over xDS: their type URLs, schemas and
// names, plus the one place `google.protobuf.Any` is packed and unpacked.
//
// Packing goes through protobuf-es `anyPack`, which encodes the message to bytes; building
// an Any by hand with an object `value` would silently encode as empty.
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { anyPack, anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { ListenerSchema, type Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../gen/envoy/config/route/v3/route_pb.js';
import { ClusterSchema, type Cluster } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { SecretSchema, type Secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';

export const TYPE_PREFIX = 'type.googleapis.com/';

export const TypeUrl = {
  Cluster: `${TYPE_PREFIX}envoy.config.cluster.v3.Cluster`,
  ClusterLoadAssignment: `${TYPE_PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  Listener: `${TYPE_PREFIX}envoy.config.listener.v3.Listener`,
  RouteConfiguration: `${TYPE_PREFIX}envoy.config.route.v3.RouteConfiguration`,
  Secret: `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`,
} as const;
export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** Map from type URL to the decoded message type. */
export interface ResourceTypes {
  [TypeUrl.Cluster]: Cluster;
  [TypeUrl.ClusterLoadAssignment]: ClusterLoadAssignment;
  [TypeUrl.Listener]: Listener;
  [TypeUrl.RouteConfiguration]: RouteConfiguration;
  [TypeUrl.Secret]: Secret;
}

export interface ResourceType<T extends TypeUrl = TypeUrl> {
  typeUrl: T;
  /** Short name used in status output and logs: CDS, EDS, LDS, RDS, SDS. */
  short: 'CDS' | 'EDS' | 'LDS' | 'RDS' | 'SDS';
  schema: DescMessage;
  /** LDS and CDS are wildcard types: an empty subscription means "all". */
  wildcard: boolean;
  name(resource: ResourceTypes[T]): string;
}

/** Push order CDS → EDS → LDS → RDS → SDS, as Envoy and Istio expect it. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  { typeUrl: TypeUrl.Cluster, short: 'CDS', schema: ClusterSchema, wildcard: true, name: (r) => (r as Cluster).name },
  {
    typeUrl: TypeUrl.ClusterLoadAssignment,
    short: 'EDS',
    schema: ClusterLoadAssignmentSchema,
    wildcard: false,
    name: (r) => (r as ClusterLoadAssignment).clusterName,
  },
  { typeUrl: TypeUrl.Listener, short: 'LDS', schema: ListenerSchema, wildcard: true, name: (r) => (r as Listener).name },
  {
    typeUrl: TypeUrl.RouteConfiguration,
    short: 'RDS',
    schema: RouteConfigurationSchema,
    wildcard: false,
    name: (r) => (r as RouteConfiguration).name,
  },
  { typeUrl: TypeUrl.Secret, short: 'SDS', schema: SecretSchema, wildcard: false, name: (r) => (r as Secret).name },
];

const byUrl = new Map<string, ResourceType>(RESOURCE_TYPES.map((t) => [t.typeUrl, t]));

export function resourceType(typeUrl: string): ResourceType | undefined {
  return byUrl.get(typeUrl);
}

export function isKnownTypeUrl(typeUrl: string): typeUrl is TypeUrl {
  return byUrl.has(typeUrl);
}

/** Push-order rank of a type URL (unknown types sort last). */
export function pushOrder(typeUrl: string): number {
  const i = RESOURCE_TYPES.findIndex((t) => t.typeUrl === typeUrl);
  return i < 0 ? RESOURCE_TYPES.length : i;
}

/** Builds a message from its typed init shape and packs it into an Any (bytes, not object). */
export function pack<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc> | MessageShape<Desc>): Any {
  return anyPack(schema, create(schema, init as MessageInitShape<Desc>));
}

/** Packs an already-built message. */
export function packMessage<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Any {
  return anyPack(schema, message);
}

/** Unpacks an Any of the expected schema; undefined if it holds another type or is empty. */
export function unpack<Desc extends DescMessage>(any: Any, schema: Desc): MessageShape<Desc> | undefined {
  return anyUnpack(any, schema);
}

/** Encode → decode, for round-trip checks and defensive copies. */
export function roundTrip<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): MessageShape<Desc> {
  return fromBinary(schema, toBinary(schema, message));
}

/** The type name inside an Any's type URL (`envoy.config.cluster.v3.Cluster`). */
export function typeNameOf(any: Any): string {
  const slash = any.typeUrl.lastIndexOf('/');
  return slash < 0 ? any.typeUrl : any.typeUrl.slice(slash + 1);
}
