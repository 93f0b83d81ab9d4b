// MeshConfig: mesh-wide settings (Istio's meshConfig), with Istio's defaults.

export interface MeshConfig {
  /** Trust domain of SPIFFE identities and the cluster DNS suffix base. */
  trustDomain: string;
  /** Namespace whose config applies mesh-wide (Istio's istio-system). */
  rootNamespace: string;
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' | 'REGISTRY_ONLY' };
  /** Default connect timeout for clusters. */
  connectTimeout: string;
  /** Istio's default retry policy for HTTP routes without `retries`. */
  defaultHttpRetryPolicy: { attempts: number; retryOn: string };
  accessLogFile: string;
  enableTracing: boolean;
  defaultConfig: { tracing: { sampling: number } };
  /** Hostname suffix for Kubernetes-style services. */
  clusterDomain: string;
}

export function defaultMeshConfig(): MeshConfig {
  return {
    trustDomain: 'cluster.local',
    rootNamespace: 'rig-system',
    outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    connectTimeout: '10s',
    defaultHttpRetryPolicy: { attempts: 2, retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes' },
    accessLogFile: '',
    enableTracing: true,
    defaultConfig: { tracing: { sampling: 1 } },
    clusterDomain: 'cluster.local',
  };
}
