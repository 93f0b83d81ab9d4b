// The gRPC service definition of Envoy's Aggregated Discovery Service, with protobuf-es
// (de)serialisers, shared by the ADS server and the proxy's xDS client.
import type * as grpc from '@grpc/grpc-js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  DiscoveryRequestSchema,
  DiscoveryResponseSchema,
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../../api/gen/envoy/service/discovery/v3/discovery_pb.js';

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const SOTW_METHOD = `/${ADS_SERVICE}/StreamAggregatedResources`;
export const DELTA_METHOD = `/${ADS_SERVICE}/DeltaAggregatedResources`;

export const adsServiceDefinition = {
  StreamAggregatedResources: {
    path: SOTW_METHOD,
    requestStream: true,
    responseStream: true,
    requestSerialize: (m: DiscoveryRequest) => Buffer.from(toBinary(DiscoveryRequestSchema, m)),
    requestDeserialize: (b: Buffer) => fromBinary(DiscoveryRequestSchema, b),
    responseSerialize: (m: DiscoveryResponse) => Buffer.from(toBinary(DiscoveryResponseSchema, m)),
    responseDeserialize: (b: Buffer) => fromBinary(DiscoveryResponseSchema, b),
  },
  DeltaAggregatedResources: {
    path: DELTA_METHOD,
    requestStream: true,
    responseStream: true,
    requestSerialize: (m: DeltaDiscoveryRequest) => Buffer.from(toBinary(DeltaDiscoveryRequestSchema, m)),
    requestDeserialize: (b: Buffer) => fromBinary(DeltaDiscoveryRequestSchema, b),
    responseSerialize: (m: DeltaDiscoveryResponse) => Buffer.from(toBinary(DeltaDiscoveryResponseSchema, m)),
    responseDeserialize: (b: Buffer) => fromBinary(DeltaDiscoveryResponseSchema, b),
  },
} satisfies grpc.ServiceDefinition;
