// Envoy-style stats for the proxy: public API.
export { Counter, Gauge, Histogram, DEFAULT_BUCKETS, SUPPORTED_QUANTILES, type HistogramUnit, type Stat } from './metrics.js';
export { StatsStore, StatsScope } from './store.js';
export { extractTags, listenerAddressStatName, TagNames, type Tag, type FixedTag, type ExtractedName } from './tags.js';
export { statsText, statsJson, statsPrometheus, prometheusName, type StatsFormatOptions } from './format.js';
export { clusterStats, type ClusterStats, type CircuitBreakerStats } from './cluster-stats.js';
export { httpConnManagerStats, type HttpConnManagerStats } from './http-conn-manager-stats.js';
export { listenerStats, type ListenerStats } from './listener-stats.js';
export { serverStats, ServerState, type ServerStats, type ServerStatsOptions, type MemoryReading } from './server-stats.js';
export {
  IstioMetrics,
  IstioPeerMetrics,
  ISTIO_NAMESPACE,
  ISTIO_PEER_LABELS,
  ISTIO_REQUESTS_TOTAL,
  ISTIO_REQUEST_DURATION,
  type IstioPeerLabels,
  type IstioPeerLabel,
  type IstioSeries,
} from './istio-metrics.js';
