// A Host is one upstream endpoint of a cluster as EDS (or a static load assignment)
// describes it, plus the runtime state the cluster owns for it: active requests (least
// request reads them) and outlier-detection state (the detector writes it). The
// description is immutable; the state object is shared by every Host built for the same
// address across endpoint updates, so counters and ejections survive an EDS push.
import type { JsonObject } from '@bufbuild/protobuf';
import type { OutlierHostState } from './outlier-detection.js';

/** EDS health_status. UNKNOWN counts as healthy, as in Envoy. */
export type HostHealth = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subZone: string;
}

/** Mutable, cluster-owned runtime state of one endpoint. */
export interface HostState {
  /** Requests in flight to the host; the router increments on dispatch and decrements on end. */
  activeRequests: number;
  /** Set only by the OutlierDetector; pickers read it when they are built. */
  ejected: boolean;
  /** Counters and ejection history, present while an OutlierDetector tracks the host. */
  outlier: OutlierHostState | undefined;
}

export interface Host {
  /** Envoy's address string, also the hash key of ring hash and maglev: `10.0.0.1:8080`, `[fd00::1]:8080`. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** Endpoint.hostname ('' when unset); ring hash and maglev use it with use_hostname_for_hashing. */
  readonly hostname: string;
  /** load_balancing_weight, ≥ 1. */
  readonly weight: number;
  readonly locality: Locality;
  readonly priority: number;
  readonly health: HostHealth;
  /** LbEndpoint filter_metadata (e.g. `istio`, `envoy.lb`), {} when absent. */
  readonly metadata: Readonly<Record<string, JsonObject>>;
  readonly state: HostState;
}

export function newHostState(): HostState {
  return { activeRequests: 0, ejected: false, outlier: undefined };
}

/** Envoy's Address::asString() for an IP socket address. */
export function hostKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export type Availability = 'healthy' | 'degraded' | 'unhealthy';

/**
 * How the load balancer sees a host right now: UNHEALTHY, DRAINING and TIMEOUT endpoints and
 * ejected hosts are unhealthy (picked only in panic); DEGRADED ones take traffic only when
 * healthy hosts cannot carry it.
 */
export function availability(h: Host): Availability {
  if (h.state.ejected) return 'unhealthy';
  switch (h.health) {
    case 'HEALTHY':
    case 'UNKNOWN':
      return 'healthy';
    case 'DEGRADED':
      return 'degraded';
    default:
      return 'unhealthy';
  }
}

export function localityKey(l: Locality): string {
  return `${l.region}/${l.zone}/${l.subZone}`;
}
