// A real gRPC backend for tests: one unary method, `/rigging.test.Echo/Who`, that answers
// with the backend's name, so a test can tell which endpoint a client's RPC reached.
// Messages are JSON in the gRPC frame (no .proto needed on either side): the request is
// ignored, the reply is `{"backend":"<name>"}`.
import * as grpc from '@grpc/grpc-js';

export const ECHO_METHOD = '/rigging.test.Echo/Who';

export interface EchoReply {
  backend: string;
}

const echoServiceDefinition = {
  Who: {
    path: ECHO_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (r: EchoReply) => Buffer.from(JSON.stringify(r)),
    responseDeserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as EchoReply,
  },
} satisfies grpc.ServiceDefinition;

export interface EchoBackend {
  readonly name: string;
  readonly port: number;
  /** RPCs answered so far. */
  readonly calls: number;
  /** Graceful shutdown, forced after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a backend named `name` on 127.0.0.1, port 0 (any free port). */
export async function startEchoBackend(name: string): Promise<EchoBackend> {
  const server = new grpc.Server();
  let calls = 0;
  server.addService(echoServiceDefinition, {
    Who: (_call: grpc.ServerUnaryCall<Buffer, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) => {
      calls++;
      callback(null, { backend: name });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(new Error(`echo backend ${name} cannot listen: ${err.message}`, { cause: err })) : resolve(bound),
    );
  });
  let stopped: Promise<void> | undefined;
  return {
    name,
    port,
    get calls() {
      return calls;
    },
    stop(graceMs = 1000) {
      stopped ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return stopped;
    },
  };
}
