// Simulated proxies for the control-plane scale benchmark: N ADS streams in one process,
// each on its own connection, subscribing like a sidecar (CDS and LDS wildcard, then EDS
// for every EDS cluster and RDS for every route name) and ACKing every response.
// Prints JSON lines: {"event":"synced","ms":…} once all have their first full config.
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary } from '@bufbuild/protobuf';
import { DiscoveryRequestSchema, type DiscoveryRequest, type DiscoveryResponse } from '../src/api/gen/envoy/service/discovery/v3/discovery_pb.js';
import { adsServiceDefinition } from '../src/control/xds/service.js';
import { TypeUrl } from '../src/api/envoy/types.js';
import { ClusterSchema } from '../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';

const [address, countArg, routeName] = process.argv.slice(2);
const count = Number(countArg);
const Client = grpc.makeGenericClientConstructor(adsServiceDefinition, 'ADS');
const start = performance.now();
let synced = 0;
const clients: grpc.Client[] = [];

function proxy(i: number): void {
  const client = new Client(address!, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
  clients.push(client);
  const call = (client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> }).StreamAggregatedResources();
  const names = new Map<string, string[]>();
  const got = new Set<string>();
  let done = false;
  const send = (typeUrl: string, r?: DiscoveryResponse) =>
    call.write(create(DiscoveryRequestSchema, { typeUrl, resourceNames: names.get(typeUrl) ?? [], versionInfo: r?.versionInfo ?? '', responseNonce: r?.nonce ?? '' }));
  call.on('data', (r: DiscoveryResponse) => {
    got.add(r.typeUrl);
    if (r.typeUrl === TypeUrl.Cluster && !names.has(TypeUrl.ClusterLoadAssignment)) {
      const eds = r.resources.map((a) => fromBinary(ClusterSchema, a.value)).filter((c) => c.edsClusterConfig).map((c) => c.edsClusterConfig!.serviceName || c.name);
      names.set(TypeUrl.ClusterLoadAssignment, eds);
      send(TypeUrl.Cluster, r);
      send(TypeUrl.ClusterLoadAssignment);
      return;
    }
    if (r.typeUrl === TypeUrl.Listener && !names.has(TypeUrl.RouteConfiguration)) {
      names.set(TypeUrl.RouteConfiguration, [routeName!]);
      send(TypeUrl.Listener, r);
      send(TypeUrl.RouteConfiguration);
      return;
    }
    send(r.typeUrl, r);
    if (!done && got.size === 4) {
      done = true;
      if (++synced === count) process.stdout.write(JSON.stringify({ event: 'synced', ms: performance.now() - start }) + '\n');
    }
  });
  call.on('error', () => {});
  call.write(create(DiscoveryRequestSchema, { node: { id: `sidecar~127.1.${i >> 8}.${i & 255}~p${i}.bench~bench.svc.cluster.local`, locality: { zone: 'z' } }, typeUrl: TypeUrl.Cluster }));
  send(TypeUrl.Listener);
}

for (let i = 0; i < count; i++) proxy(i);
process.stdin.on('data', () => {});
process.stdin.on('end', () => {
  for (const c of clients) c.close();
  process.exit(0);
});
