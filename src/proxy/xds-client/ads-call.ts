// AdsCall: one Aggregated Discovery Service stream (state of the world) on its own gRPC
// channel. It only moves messages: requests out, responses and the end of the stream in.
// Each call gets a fresh channel with a local subchannel pool, so reconnect timing is the
// client's jittered backoff alone, not gRPC's hidden channel backoff as well.
import * as grpc from '@grpc/grpc-js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  DiscoveryRequestSchema,
  DiscoveryResponseSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../api/gen/envoy/service/discovery/v3/discovery_pb.js';
import { logger } from '../../shared/log.js';

const log = logger('xds-client');

export const ADS_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

export interface AdsCallHandlers {
  /** The stream's response headers arrived: the server accepted the stream. */
  onConnected(): void;
  onResponse(response: DiscoveryResponse): void;
  /** The stream ended (error, server close or unreachable server); not called after close(). */
  onEnded(status: grpc.StatusObject): void;
}

const serialize = (r: DiscoveryRequest) => Buffer.from(toBinary(DiscoveryRequestSchema, r));
// A response that does not parse makes gRPC end the call with INTERNAL; the client reconnects.
const deserialize = (b: Buffer) => fromBinary(DiscoveryResponseSchema, b);

/** A stream's end as the xDS client reports it: `UNAVAILABLE: No connection established`. */
export function describeStatus(status: grpc.StatusObject): string {
  return `${grpc.status[status.code] ?? status.code}: ${status.details}`;
}

export class AdsCall {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private ended = false;

  constructor(target: string, handlers: AdsCallHandlers, channelOptions: grpc.ChannelOptions = {}) {
    this.client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      ...channelOptions,
    });
    this.call = this.client.makeBidiStreamRequest(ADS_METHOD, serialize, deserialize);
    const guard = (what: string, fn: () => void) => {
      if (this.ended) return;
      try {
        fn();
      } catch (err) {
        // A bug in a handler must not escape into gRPC's internals and kill the process.
        log.error(`xDS client failed to handle ${what}`, { err });
      }
    };
    this.call.on('metadata', () => guard('stream headers', () => handlers.onConnected()));
    this.call.on('data', (r: DiscoveryResponse) => guard('a DiscoveryResponse', () => handlers.onResponse(r)));
    this.call.on('error', (err: Error) => log.debug('ADS stream error', { err }));
    this.call.on('status', (status: grpc.StatusObject) =>
      guard('the end of the stream', () => {
        this.close();
        handlers.onEnded(status);
      }),
    );
  }

  /** Sends a request; false (and nothing sent) once the stream has ended. */
  send(request: DiscoveryRequest): boolean {
    if (this.ended) return false;
    this.call.write(request);
    return true;
  }

  /** Cancels the stream and closes the channel. No handler is called afterwards. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.call.cancel();
    this.client.close();
  }
}
