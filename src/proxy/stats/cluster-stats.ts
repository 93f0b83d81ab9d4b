// Per-cluster stats, `cluster.<name>.*`, with Envoy's names (cluster_stats.rst). Built
// once per cluster when CDS (or the bootstrap) brings it; the connection pool, load
// balancer, circuit breakers, outlier detector and router keep the object and bump fields.
// The cluster name is a known tag (envoy.cluster_name), dots and all.
import type { Counter, Gauge, Histogram } from './metrics.js';
import type { StatsScope, StatsStore } from './store.js';
import { counterSet, gaugeSet, histogramSet, ResponseCodeCounters, type CounterSet, type GaugeSet, type HistogramSet } from './stat-set.js';
import { TagNames } from './tags.js';

const COUNTERS = [
  'upstream_cx_total',
  'upstream_cx_http1_total',
  'upstream_cx_http2_total',
  'upstream_cx_connect_fail',
  'upstream_cx_connect_timeout',
  'upstream_cx_overflow',
  'upstream_cx_none_healthy',
  'upstream_cx_protocol_error',
  'upstream_cx_idle_timeout',
  'upstream_cx_destroy',
  'upstream_cx_destroy_local',
  'upstream_cx_destroy_remote',
  'upstream_cx_destroy_with_active_rq',
  'upstream_cx_destroy_local_with_active_rq',
  'upstream_cx_destroy_remote_with_active_rq',
  'upstream_cx_rx_bytes_total',
  'upstream_cx_tx_bytes_total',
  'upstream_rq_total',
  'upstream_rq_completed',
  'upstream_rq_pending_total',
  'upstream_rq_pending_overflow',
  'upstream_rq_pending_failure_eject',
  'upstream_rq_cancelled',
  'upstream_rq_maintenance_mode',
  'upstream_rq_timeout',
  'upstream_rq_per_try_timeout',
  'upstream_rq_rx_reset',
  'upstream_rq_tx_reset',
  'upstream_rq_retry',
  'upstream_rq_retry_success',
  'upstream_rq_retry_overflow',
  'upstream_rq_retry_limit_exceeded',
  'membership_change',
  'lb_healthy_panic',
] as const;

const GAUGES = [
  'upstream_cx_active',
  'upstream_rq_active',
  'upstream_rq_pending_active',
  'membership_healthy',
  'membership_degraded',
  'membership_excluded',
  'membership_total',
] as const;

const HISTOGRAMS = ['upstream_cx_connect_ms', 'upstream_cx_length_ms', 'upstream_rq_time'] as const;

/** circuit_breakers.<priority>.*: 1 while the breaker is open (at its limit). */
const CIRCUIT_BREAKER_GAUGES = ['cx_open', 'cx_pool_open', 'rq_pending_open', 'rq_open', 'rq_retry_open'] as const;

const OUTLIER_COUNTERS = [
  'ejections_enforced_total',
  'ejections_overflow',
  'ejections_total',
  'ejections_consecutive_5xx',
  'ejections_enforced_consecutive_5xx',
  'ejections_detected_consecutive_5xx',
  'ejections_enforced_consecutive_gateway_failure',
  'ejections_detected_consecutive_gateway_failure',
  'ejections_enforced_consecutive_local_origin_failure',
  'ejections_detected_consecutive_local_origin_failure',
  'ejections_enforced_success_rate',
  'ejections_detected_success_rate',
  'ejections_enforced_local_origin_success_rate',
  'ejections_detected_local_origin_success_rate',
  'ejections_enforced_failure_percentage',
  'ejections_detected_failure_percentage',
  'ejections_enforced_failure_percentage_local_origin',
  'ejections_detected_failure_percentage_local_origin',
] as const;

export type CircuitBreakerStats = GaugeSet<(typeof CIRCUIT_BREAKER_GAUGES)[number]>;

export type ClusterStats = CounterSet<(typeof COUNTERS)[number]> &
  GaugeSet<(typeof GAUGES)[number]> &
  HistogramSet<(typeof HISTOGRAMS)[number]> & {
    readonly circuit_breakers: { readonly default: CircuitBreakerStats; readonly high: CircuitBreakerStats };
    readonly outlier_detection: CounterSet<(typeof OUTLIER_COUNTERS)[number]> & { readonly ejections_active: Gauge };
    /**
     * A finished upstream request: upstream_rq_completed, upstream_rq_<n>xx and
     * upstream_rq_<code> (made on first use), and upstream_rq_time in ms.
     */
    chargeResponse(code: number, timeMs?: number): void;
    /** `upstream_rq_<code>`, made on first use. */
    responseCode(code: number): Counter | undefined;
    /** The cluster's scope (`cluster.<name>.`), for stats of its extensions. */
    readonly scope: StatsScope;
    /** Lets go of the stats (the cluster is gone); a cluster of the same name still holding them keeps them. */
    release(): void;
  };

export function clusterStats(store: StatsStore, clusterName: string): ClusterStats {
  const scope = store.scope('cluster').scope(clusterName, TagNames.CLUSTER_NAME);
  const codes = new ResponseCodeCounters(scope, 'upstream_rq');
  const cb = scope.scope('circuit_breakers');
  const od = scope.scope('outlier_detection');
  const base = {
    ...counterSet(scope, COUNTERS),
    ...gaugeSet(scope, GAUGES),
    ...histogramSet(scope, HISTOGRAMS, 'milliseconds'),
    circuit_breakers: { default: gaugeSet(cb.scope('default'), CIRCUIT_BREAKER_GAUGES), high: gaugeSet(cb.scope('high'), CIRCUIT_BREAKER_GAUGES) },
    outlier_detection: { ...counterSet(od, OUTLIER_COUNTERS), ejections_active: od.gauge('ejections_active') },
    scope,
  };
  const completed: Counter = base.upstream_rq_completed;
  const rqTime: Histogram = base.upstream_rq_time;
  return {
    ...base,
    chargeResponse(code: number, timeMs?: number): void {
      completed.inc();
      codes.forClass(code)?.inc();
      codes.forCode(code)?.inc();
      if (timeMs !== undefined) rqTime.record(timeMs);
    },
    responseCode: (code) => codes.forCode(code),
    release: () => scope.release(),
  };
}
