// The service registry's model: services (from core Services, ServiceEntries and the
// local platform's workloads) and their endpoints, in the words Istio uses.

/** Istio's protocol names; UNKNOWN means "detect" (Istio's auto protocol selection). */
export type Protocol = 'HTTP' | 'HTTP2' | 'HTTPS' | 'GRPC' | 'GRPC-WEB' | 'TLS' | 'TCP' | 'MONGO' | 'REDIS' | 'MYSQL' | 'UDP' | 'UNKNOWN';

export interface Locality {
  region: string;
  zone: string;
  subZone: string;
}

export interface ServicePort {
  name: string;
  port: number;
  protocol: Protocol;
}

/** How a service's endpoints are found: by IP (EDS), by DNS name, or not at all. */
export type Resolution = 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'PASSTHROUGH';

export interface Service {
  /** Fully qualified: reviews.default.svc.cluster.local, or a ServiceEntry host. */
  hostname: string;
  namespace: string;
  /** Short name: the Service's or ServiceEntry's metadata.name. */
  name: string;
  ports: ServicePort[];
  /** VIPs (a Service's clusterIP, a ServiceEntry's addresses). */
  addresses: string[];
  resolution: Resolution;
  meshExternal: boolean;
  /** '*' (default), '.', or namespace names. */
  exportTo: string[];
  labels: Record<string, string>;
  origin: { kind: 'Service' | 'ServiceEntry'; namespace: string; name: string };
}

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'DRAINING';

export interface Endpoint {
  /** Service hostname and the service port this endpoint serves. */
  hostname: string;
  servicePort: number;
  /** Where to connect: an IP (or, for DNS services, a hostname) and the workload's port. */
  address: string;
  port: number;
  labels: Record<string, string>;
  namespace: string;
  /** Pod/workload name, or the WorkloadEntry's name. */
  workloadName: string;
  serviceAccount: string;
  locality: Locality;
  network: string;
  health: HealthStatus;
  /** load_balancing_weight; default 1. */
  weight: number;
  /** Whether the workload has a sidecar (decides ISTIO_MUTUAL auto-mTLS later). */
  hasSidecar: boolean;
}

/** A running workload as the platform reports it (a pod on the local platform). */
export interface Workload {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  serviceAccount: string;
  ip: string;
  /** Container ports the workload listens on. */
  ports: { name?: string; port: number; protocol?: string }[];
  locality?: Locality;
  healthy: boolean;
  hasSidecar: boolean;
}

export interface ServiceRegistry {
  /** All services, sorted by hostname then namespace. */
  services(): readonly Service[];
  /** Endpoints of one service port, sorted by address then port. */
  endpoints(hostname: string, servicePort: number): readonly Endpoint[];
  workloads(): readonly Workload[];
  /** Called after any change with the hostnames whose services or endpoints changed. */
  onChange(listener: (change: { hostnames: string[]; endpointsOnly: boolean }) => void): () => void;
}
