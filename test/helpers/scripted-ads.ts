// A scripted ADS server for tests: a real gRPC server on 127.0.0.1 that records every
// DiscoveryRequest and sends exactly the DiscoveryResponses a test tells it to, so a test
// can assert a client's ACK/NACK, nonce, version and subscription behaviour request by
// request. It implements no xDS logic of its own.
import * as grpc from '@grpc/grpc-js';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import {
  DiscoveryResponseSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../src/api/gen/envoy/service/discovery/v3/discovery_pb.js';
import { adsServiceDefinition } from '../../src/control/xds/service.js';

type AdsCall = grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;

export interface SeenRequest {
  /** 1 for the first stream the server accepted, 2 for the next... */
  stream: number;
  request: DiscoveryRequest;
}

export class ScriptedAds {
  private readonly requests: SeenRequest[] = [];
  private waiters: (() => void)[] = [];
  private readonly calls = new Map<number, AdsCall>();
  private streamSeq = 0;
  private nonceSeq = 0;

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  /** Starts a server on 127.0.0.1:port (0 = any free port). */
  static start(port = 0): Promise<ScriptedAds> {
    const server = new grpc.Server();
    let ads: ScriptedAds | undefined;
    server.addService(adsServiceDefinition, {
      StreamAggregatedResources: (call: AdsCall) => ads!.onStream(call),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'no delta' });
      },
    });
    return new Promise((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
        if (err) return reject(err);
        resolve((ads = new ScriptedAds(server, bound)));
      });
    });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Number of streams accepted so far. */
  get streams(): number {
    return this.streamSeq;
  }

  private onStream(call: AdsCall): void {
    const id = ++this.streamSeq;
    this.calls.set(id, call);
    call.on('data', (request: DiscoveryRequest) => {
      this.requests.push({ stream: id, request });
      for (const w of this.waiters.splice(0)) w();
    });
    call.on('error', () => this.calls.delete(id));
    call.on('cancelled', () => this.calls.delete(id));
    call.on('end', () => {
      this.calls.delete(id);
      call.end();
    });
  }

  /** The next request (of `typeUrl`, if given; others stay queued), or rejects after timeoutMs. */
  async next(typeUrl?: string, timeoutMs = 3000): Promise<SeenRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.requests.findIndex((r) => typeUrl === undefined || r.request.typeUrl === typeUrl);
      if (i >= 0) return this.requests.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no DiscoveryRequest${typeUrl ? ` for ${typeUrl}` : ''} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.waiters.push(done);
      });
    }
  }

  /** Resolves with the first request that arrives within ms, or undefined if none does. */
  async quiet(ms = 150): Promise<SeenRequest | undefined> {
    try {
      return await this.next(undefined, ms);
    } catch {
      return undefined;
    }
  }

  /** Requests received but not yet taken by next(). */
  pending(): SeenRequest[] {
    return [...this.requests];
  }

  /** Sends a response on the newest open stream; returns its nonce (generated unless given). */
  respond(init: { typeUrl: string; versionInfo: string; resources: Any[]; nonce?: string }): string {
    const stream = Math.max(...this.calls.keys());
    const call = this.calls.get(stream);
    if (!call) throw new Error('no open ADS stream to respond on');
    const nonce = init.nonce ?? `nonce-${++this.nonceSeq}`;
    const response: MessageInitShape<typeof DiscoveryResponseSchema> = { ...init, nonce };
    call.write(create(DiscoveryResponseSchema, response));
    return nonce;
  }

  /** Ends every open stream with a status (the client should reconnect). */
  endStreams(code = grpc.status.UNAVAILABLE, details = 'scripted end'): void {
    for (const call of this.calls.values()) call.emit('error', { code, details });
    this.calls.clear();
  }

  /** Stops the server abruptly, as a crashed control plane would. */
  close(): void {
    this.calls.clear();
    this.server.forceShutdown();
  }
}
