// The ADS server's Prometheus metrics, named as Istio's pilot names them.
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../../shared/metrics.js';

export class XdsMetrics {
  readonly connected: Gauge;
  readonly pushes: Counter;
  readonly pushRuns: Counter;
  readonly rejects: Counter;
  readonly expiredNonce: Counter;
  readonly convergence: Histogram;
  readonly configSize: Histogram;

  constructor(r: MetricsRegistry, connections: () => number) {
    this.connected = r.gauge('pilot_xds', 'Number of proxies connected to this control plane over ADS.', (g) =>
      g.set(connections()),
    );
    this.pushes = r.counter('pilot_xds_pushes', 'xDS responses sent, by type (cds, eds, lds, rds, sds).');
    this.pushRuns = r.counter('pilot_push_runs', 'Debounced pushes run over all connected proxies.');
    this.rejects = r.counter('pilot_total_xds_rejects', 'xDS responses a proxy rejected (NACK), by type.');
    this.expiredNonce = r.counter('pilot_xds_expired_nonce', 'Requests ignored because their nonce was stale, by type.');
    this.convergence = r.histogram(
      'pilot_proxy_convergence_time',
      'Seconds from a config or registry change to the proxy ACKing the response that carries it.',
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 3, 5, 10, 20, 30],
    );
    this.configSize = r.histogram('pilot_xds_config_size_bytes', 'Size in bytes of the resources in one xDS response, by type.', [
      1_000, 10_000, 100_000, 1_000_000, 10_000_000,
    ]);
  }
}
