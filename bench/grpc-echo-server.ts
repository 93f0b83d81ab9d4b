// The gRPC server of the grpc-pair benchmark, run as a child process: a proto-less unary
// method /test.Echo/Echo (raw bytes both ways) that answers with the request's bytes.
// Usage: node --import tsx bench/grpc-echo-server.ts [HOST:PORT]; prints `listening PORT`.
import * as grpc from '@grpc/grpc-js';

const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const ECHO_PATH = '/test.Echo/Echo';
const ECHO: grpc.ServiceDefinition = {
  Echo: { path: ECHO_PATH, requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
};

const server = new grpc.Server();
server.addService(ECHO, {
  Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request),
});
server.bindAsync(process.argv[2] ?? '127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    console.error(`grpc echo server: cannot listen: ${err.message}`);
    process.exit(1);
  }
  console.log(`listening ${port}`);
});
const stop = () => server.tryShutdown(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
