// A raw ADS stream for tests: send DiscoveryRequests by hand, await DiscoveryResponses.
// Lets a test assert exact protocol behaviour (nonces, ACK/NACK, push order) against the
// real ADS server over real gRPC.
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import {
  DiscoveryRequestSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../src/api/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { adsServiceDefinition } from '../../src/control/xds/service.js';

const AdsClient = grpc.makeGenericClientConstructor(adsServiceDefinition, 'AggregatedDiscoveryService');

export class RawAdsStream {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private readonly queue: DiscoveryResponse[] = [];
  private waiters: ((r: DiscoveryResponse) => void)[] = [];
  ended: Error | undefined;

  constructor(address: string) {
    this.client = new AdsClient(address, grpc.credentials.createInsecure());
    const c = this.client as unknown as {
      StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
    };
    this.call = c.StreamAggregatedResources();
    this.call.on('data', (r: DiscoveryResponse) => {
      const w = this.waiters.shift();
      if (w) w(r);
      else this.queue.push(r);
    });
    this.call.on('error', (e: Error) => {
      this.ended = e;
    });
  }

  send(init: MessageInitShape<typeof DiscoveryRequestSchema>): void {
    this.call.write(create(DiscoveryRequestSchema, init));
  }

  /** Next response, or rejects after timeoutMs. */
  next(timeoutMs = 2000): Promise<DiscoveryResponse> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`no DiscoveryResponse within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (r: DiscoveryResponse) => {
        clearTimeout(t);
        resolve(r);
      };
      this.waiters.push(done);
    });
  }

  /** Asserts that nothing arrives within ms. Resolves with the unexpected response if one does. */
  async quiet(ms = 200): Promise<DiscoveryResponse | undefined> {
    try {
      return await this.next(ms);
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
