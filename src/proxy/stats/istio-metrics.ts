// Istio's standard HTTP metrics, as its stats filter emits them: istio_requests_total and
// istio_request_duration_milliseconds, one series per label set, in the `istiocustom`
// namespace so Prometheus sees them without the `envoy_` prefix.
//
// The labels that depend on the peer and route (reporter, source_*, destination_*,
// request_protocol, connection_security_policy) are fixed when a connection or route is
// set up: `peer(labels)` returns a handle for them. Per request, only the response labels
// vary: `handle.record(code, ms)` finds its series in a small map keyed by those.
import type { Counter, Histogram } from './metrics.js';
import type { StatsStore } from './store.js';
import type { Tag } from './tags.js';

export const ISTIO_NAMESPACE = 'istiocustom';
export const ISTIO_REQUESTS_TOTAL = 'istio_requests_total';
export const ISTIO_REQUEST_DURATION = 'istio_request_duration_milliseconds';

/** Labels of a peer and route, in the order Istio's stats filter emits them. */
export const ISTIO_PEER_LABELS = [
  'reporter',
  'source_workload',
  'source_canonical_service',
  'source_canonical_revision',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_service_name',
  'destination_service_namespace',
  'destination_cluster',
  'request_protocol',
] as const;

export type IstioPeerLabel = (typeof ISTIO_PEER_LABELS)[number];

/** Unset labels take Istio's defaults: "unknown", "latest" for canonical revisions, "http" for the protocol. */
export type IstioPeerLabels = Partial<Record<IstioPeerLabel, string>> & {
  reporter: 'source' | 'destination';
  /** mutual_tls, none, or unknown (Istio's client side always reports unknown). */
  connection_security_policy?: string;
};

/** The series of one full label set. */
export interface IstioSeries {
  readonly requests: Counter;
  readonly duration: Histogram;
}

export class IstioMetrics {
  private readonly peers = new Map<string, IstioPeerMetrics>();

  constructor(private readonly store: StatsStore) {
    store.registerCustomNamespace(ISTIO_NAMESPACE);
  }

  /** The handle for a peer and route; the same labels give the same handle. */
  peer(labels: IstioPeerLabels): IstioPeerMetrics {
    const tags: Tag[] = ISTIO_PEER_LABELS.map((name) => ({ name, value: labels[name] ?? defaultValue(name) }));
    const key = tags.map((t) => t.value).join('\x1f') + '\x1f' + (labels.connection_security_policy ?? 'unknown');
    let p = this.peers.get(key);
    if (!p) this.peers.set(key, (p = new IstioPeerMetrics(this.store, tags, labels.connection_security_policy ?? 'unknown')));
    return p;
  }
}

export class IstioPeerMetrics {
  private readonly series = new Map<string, IstioSeries>();

  /** @internal Use IstioMetrics.peer. */
  constructor(
    private readonly store: StatsStore,
    private readonly tags: readonly Tag[],
    private readonly securityPolicy: string,
  ) {}

  /** One finished request: istio_requests_total +1, its duration into the histogram. */
  record(responseCode: number, durationMs: number, grpcStatus = '', responseFlags = '-'): void {
    const s = this.seriesFor(responseCode, grpcStatus, responseFlags);
    s.requests.inc();
    s.duration.record(durationMs);
  }

  /** The series for a response; made on first use, then found by code, gRPC status and flags. */
  seriesFor(responseCode: number, grpcStatus = '', responseFlags = '-'): IstioSeries {
    const key = grpcStatus === '' && responseFlags === '-' ? String(responseCode) : `${responseCode}|${grpcStatus}|${responseFlags}`;
    let s = this.series.get(key);
    if (!s) {
      const tags: Tag[] = [
        ...this.tags,
        { name: 'response_code', value: String(responseCode) },
        { name: 'grpc_response_status', value: grpcStatus },
        { name: 'response_flags', value: responseFlags },
        { name: 'connection_security_policy', value: this.securityPolicy },
      ];
      s = {
        requests: this.store.taggedCounter(`${ISTIO_NAMESPACE}.${ISTIO_REQUESTS_TOTAL}`, tags),
        duration: this.store.taggedHistogram(`${ISTIO_NAMESPACE}.${ISTIO_REQUEST_DURATION}`, tags, 'milliseconds'),
      };
      this.series.set(key, s);
    }
    return s;
  }
}

function defaultValue(label: IstioPeerLabel): string {
  if (label === 'request_protocol') return 'http';
  return label.endsWith('_canonical_revision') ? 'latest' : 'unknown';
}
