// What the proxy honours of an Envoy bootstrap, field by field. A field left out of a
// `fields` list is refused when set (`tracing: not supported`); an `ignored` field is
// accepted with a warning. Listeners, clusters and secrets are honoured as a whole here
// and then held to the xDS client's validators, the same rules as resources sent over xDS.
import { HONOURED, type SupportPolicy } from './proto-json.js';

/** lds_config / cds_config: ADS only. */
const ADS_CONFIG_SOURCE: SupportPolicy = {
  fields: { ads: HONOURED, initial_fetch_timeout: HONOURED, resource_api_version: HONOURED },
};

export const BOOTSTRAP_SUPPORT: SupportPolicy = {
  fields: {
    node: {
      fields: { id: HONOURED, cluster: HONOURED, metadata: HONOURED, locality: HONOURED },
    },
    static_resources: HONOURED,
    dynamic_resources: {
      fields: {
        lds_config: ADS_CONFIG_SOURCE,
        cds_config: ADS_CONFIG_SOURCE,
        ads_config: {
          fields: {
            api_type: HONOURED,
            transport_api_version: HONOURED,
            // The client sends the node on the first request of a stream only; either way
            // the control plane sees the same node.
            set_node_on_first_message_only: HONOURED,
            grpc_services: { fields: { envoy_grpc: { fields: { cluster_name: HONOURED } } } },
          },
        },
      },
    },
    admin: {
      fields: {
        address: { fields: { socket_address: { fields: { address: HONOURED, port_value: HONOURED, protocol: HONOURED } } } },
      },
      ignored: {
        access_log: 'the admin listener writes no access log',
        access_log_path: 'the admin listener writes no access log',
        profile_path: 'the proxy has no CPU profiler',
      },
    },
  },
  ignored: {
    stats_config: "stats keep Envoy's default names and tags",
  },
};
