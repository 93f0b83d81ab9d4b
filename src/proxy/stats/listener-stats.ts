// Listener stats, `listener.<address>.*` where the address is `0.0.0.0_15001` (or the
// listener's stat_prefix), and `listener.admin.*` for the admin listener, which Envoy
// does not tag with an address.
import type { StatsScope, StatsStore } from './store.js';
import { counterSet, gaugeSet, histogramSet, type CounterSet, type GaugeSet, type HistogramSet } from './stat-set.js';
import { TagNames } from './tags.js';

export { listenerAddressStatName } from './tags.js';

const COUNTERS = [
  'downstream_cx_total',
  'downstream_cx_destroy',
  'downstream_cx_overflow',
  'downstream_cx_overload_reject',
  'downstream_global_cx_overflow',
  'downstream_pre_cx_timeout',
  'downstream_listener_filter_error',
  'downstream_listener_filter_remote_close',
  'no_filter_chain_match',
] as const;

const GAUGES = ['downstream_cx_active', 'downstream_pre_cx_active'] as const;

const HISTOGRAMS = ['downstream_cx_length_ms'] as const;

export type ListenerStats = CounterSet<(typeof COUNTERS)[number]> &
  GaugeSet<(typeof GAUGES)[number]> &
  HistogramSet<(typeof HISTOGRAMS)[number]> & {
    readonly scope: StatsScope;
    release(): void;
  };

/** `statName`: listenerAddressStatName(host, port), the listener's stat_prefix, or 'admin'. */
export function listenerStats(store: StatsStore, statName: string): ListenerStats {
  const scope = store.scope('listener').scope(statName, statName === 'admin' ? undefined : TagNames.LISTENER_ADDRESS);
  return {
    ...counterSet(scope, COUNTERS),
    ...gaugeSet(scope, GAUGES),
    ...histogramSet(scope, HISTOGRAMS, 'milliseconds'),
    scope,
    release: () => scope.release(),
  };
}
