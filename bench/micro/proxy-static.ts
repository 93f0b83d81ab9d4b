// Runs the proxy with a static listener → STATIC cluster (for ad-hoc load tests):
//   node --import tsx bench/micro/proxy-static.ts LISTEN_PORT UPSTREAM_PORT
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { Proxy } from '../../src/proxy/proxy.js';
import { builtinFilters } from '../../src/proxy/filter-lookup.js';

const [listen, upstream] = process.argv.slice(2).map(Number);
const proxy = new Proxy({ filters: builtinFilters });
const routes = {
  name: 'local',
  virtualHosts: [
    {
      name: 'all',
      domains: ['*'],
      routes: [
        ...Array.from({ length: 99 }, (_, i) => ({ match: { pathSpecifier: { case: 'prefix' as const, value: `/svc-${i}/` } }, action: { case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: 'up' } } } })),
        { match: { pathSpecifier: { case: 'prefix' as const, value: '/' } }, action: { case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: 'up' } } } },
      ],
    },
  ],
};
const r = await proxy.apply({
  listeners: new Map([['l', create(ListenerSchema, { name: 'l', address: socketAddress('127.0.0.1', listen!), filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'bench', routeConfig: routes }) } }] }] })]]),
  routes: new Map(),
  clusters: new Map([['up', create(ClusterSchema, { name: 'up', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC }, connectTimeout: duration(1000), loadAssignment: { clusterName: 'up', endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socketAddress('127.0.0.1', upstream!) } } }] }] } })]]),
  endpoints: new Map(),
});
if (!r.ok) throw new Error(r.errors.join('\n'));
console.log(`proxy listening on 127.0.0.1:${proxy.boundPort('l')} → 127.0.0.1:${upstream}`);
process.on('SIGTERM', () => process.exit(0));
