// What accepted listeners and clusters make the client subscribe to: RDS names of HTTP
// connection managers, EDS service names, SDS secrets of TLS contexts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { pack } from '../../api/envoy/types.js';
import { adsConfigSource, httpConnectionManager, socketAddress, HCM_FILTER } from '../../api/envoy/build.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema, type CommonTlsContextSchema } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { dependenciesOf } from './dependencies.js';

type TlsInit = MessageInitShape<typeof CommonTlsContextSchema>;

const sds = (name: string) => ({ name, sdsConfig: adsConfigSource() });
const hcmFilter = (rds: string) => ({ name: HCM_FILTER, configType: { case: 'typedConfig' as const, value: httpConnectionManager({ statPrefix: 's', rds }) } });

function upstreamTls(common: TlsInit) {
  return { name: 'envoy.transport_sockets.tls', configType: { case: 'typedConfig' as const, value: pack(UpstreamTlsContextSchema, { commonTlsContext: common }) } };
}

test('RDS names come from filter chains, the default filter chain and the API listener; inline route configs need none', () => {
  const l1 = create(ListenerSchema, {
    name: 'l1',
    address: socketAddress('0.0.0.0', 15001),
    filterChains: [{ filters: [hcmFilter('80')] }, { filters: [hcmFilter('9080'), { name: 'envoy.filters.network.tcp_proxy' }] }],
    defaultFilterChain: { filters: [hcmFilter('passthrough')] },
  });
  const l2 = create(ListenerSchema, { name: 'l2', apiListener: { apiListener: httpConnectionManager({ statPrefix: 'api', rds: '80' }) } });
  const l3 = create(ListenerSchema, {
    name: 'l3',
    address: socketAddress('0.0.0.0', 15021),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'h', routeConfig: { name: 'inline' } }) } }] }],
  });
  const d = dependenciesOf([l1, l2, l3], []);
  assert.deepEqual([...d.routes].sort(), ['80', '9080', 'passthrough']);
  assert.deepEqual([...d.endpoints], []);
});

test('EDS names: service_name, else the cluster name; only for EDS clusters', () => {
  const eds = (name: string, serviceName = '') =>
    create(ClusterSchema, { name, clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS }, edsClusterConfig: { serviceName, edsConfig: adsConfigSource() } });
  const dns = create(ClusterSchema, { name: 'dns', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STRICT_DNS } });
  const d = dependenciesOf([], [eds('outbound|80||a.default'), eds('outbound|80|v1|b.default', 'b-v1'), dns]);
  assert.deepEqual([...d.endpoints].sort(), ['b-v1', 'outbound|80||a.default']);
});

test('SDS names: certificates and validation contexts fetched over SDS, upstream and downstream, not static secrets', () => {
  const c = create(ClusterSchema, {
    name: 'c',
    transportSocket: upstreamTls({ tlsCertificateSdsSecretConfigs: [sds('default')], validationContextType: { case: 'validationContextSdsSecretConfig', value: sds('ROOTCA') } }),
    transportSocketMatches: [
      {
        name: 'tlsMode-istio',
        transportSocket: upstreamTls({
          tlsCertificateSdsSecretConfigs: [sds('default'), { name: 'static-only' }],
          validationContextType: { case: 'combinedValidationContext', value: { validationContextSdsSecretConfig: sds('file-root:/etc/certs/root.pem') } },
        }),
      },
    ],
  });
  const l = create(ListenerSchema, {
    name: 'inbound',
    address: socketAddress('0.0.0.0', 15006),
    filterChains: [
      {
        filters: [hcmFilter('inbound|8080||')],
        transportSocket: {
          name: 'envoy.transport_sockets.tls',
          configType: { case: 'typedConfig', value: pack(DownstreamTlsContextSchema, { commonTlsContext: { tlsCertificateSdsSecretConfigs: [sds('gateway-cert')] } }) },
        },
      },
    ],
  });
  const d = dependenciesOf([l], [c]);
  assert.deepEqual([...d.secrets].sort(), ['ROOTCA', 'default', 'file-root:/etc/certs/root.pem', 'gateway-cert']);
});
