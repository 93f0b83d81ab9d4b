// HTTP connection manager stats, `http.<stat_prefix>.*` (Envoy's HCM and router stats
// share the prefix: downstream_* from the connection manager, no_route, rq_direct_response
// and friends from the router). One object per HttpConnectionManager config.
import type { Counter, Histogram } from './metrics.js';
import type { StatsScope, StatsStore } from './store.js';
import { counterSet, gaugeSet, histogramSet, type CounterSet, type GaugeSet, type HistogramSet } from './stat-set.js';
import { TagNames } from './tags.js';

const COUNTERS = [
  'downstream_cx_total',
  'downstream_cx_ssl_total',
  'downstream_cx_http1_total',
  'downstream_cx_http2_total',
  'downstream_cx_upgrades_total',
  'downstream_cx_destroy',
  'downstream_cx_destroy_remote',
  'downstream_cx_destroy_local',
  'downstream_cx_destroy_active_rq',
  'downstream_cx_destroy_local_active_rq',
  'downstream_cx_destroy_remote_active_rq',
  'downstream_cx_protocol_error',
  'downstream_cx_idle_timeout',
  'downstream_cx_max_duration_reached',
  'downstream_cx_drain_close',
  'downstream_cx_rx_bytes_total',
  'downstream_cx_tx_bytes_total',
  'downstream_rq_total',
  'downstream_rq_http1_total',
  'downstream_rq_http2_total',
  'downstream_rq_1xx',
  'downstream_rq_2xx',
  'downstream_rq_3xx',
  'downstream_rq_4xx',
  'downstream_rq_5xx',
  'downstream_rq_completed',
  'downstream_rq_rx_reset',
  'downstream_rq_tx_reset',
  'downstream_rq_non_relative_path',
  'downstream_rq_too_large',
  'downstream_rq_timeout',
  'downstream_rq_idle_timeout',
  'downstream_rq_header_timeout',
  'downstream_rq_max_duration_reached',
  'downstream_rq_response_before_rq_complete',
  'downstream_rq_ws_on_non_ws_route',
  'downstream_rq_overload_close',
  'rs_too_large',
  // Router filter stats, under the same prefix.
  'rq_total',
  'rq_direct_response',
  'rq_redirect',
  'rq_reset_after_downstream_response_started',
  'no_route',
  'no_cluster',
] as const;

const GAUGES = [
  'downstream_cx_active',
  'downstream_cx_ssl_active',
  'downstream_cx_http1_active',
  'downstream_cx_http2_active',
  'downstream_cx_upgrades_active',
  'downstream_cx_rx_bytes_buffered',
  'downstream_cx_tx_bytes_buffered',
  'downstream_rq_active',
] as const;

const HISTOGRAMS = ['downstream_cx_length_ms', 'downstream_rq_time'] as const;

export type HttpConnManagerStats = CounterSet<(typeof COUNTERS)[number]> &
  GaugeSet<(typeof GAUGES)[number]> &
  HistogramSet<(typeof HISTOGRAMS)[number]> & {
    /** A finished downstream request: downstream_rq_completed, downstream_rq_<n>xx, downstream_rq_time. */
    chargeResponse(code: number, timeMs?: number): void;
    readonly scope: StatsScope;
    release(): void;
  };

export function httpConnManagerStats(store: StatsStore, statPrefix: string): HttpConnManagerStats {
  const scope = store.scope('http').scope(statPrefix, TagNames.HTTP_CONN_MANAGER_PREFIX);
  const base = { ...counterSet(scope, COUNTERS), ...gaugeSet(scope, GAUGES), ...histogramSet(scope, HISTOGRAMS, 'milliseconds'), scope };
  const byClass: readonly Counter[] = [base.downstream_rq_1xx, base.downstream_rq_2xx, base.downstream_rq_3xx, base.downstream_rq_4xx, base.downstream_rq_5xx];
  const completed: Counter = base.downstream_rq_completed;
  const rqTime: Histogram = base.downstream_rq_time;
  return {
    ...base,
    chargeResponse(code: number, timeMs?: number): void {
      completed.inc();
      byClass[((code / 100) | 0) - 1]?.inc();
      if (timeMs !== undefined) rqTime.record(timeMs);
    },
    release: () => scope.release(),
  };
}
