// The three admin renderings, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statsJson, statsPrometheus, statsText, prometheusName } from './format.js';
import { StatsStore } from './store.js';
import { TagNames } from './tags.js';

function sample(): StatsStore {
  const store = new StatsStore();
  const cluster = store.scope('cluster').scope('outbound|9080||reviews.default.svc.cluster.local', TagNames.CLUSTER_NAME);
  cluster.counter('upstream_rq_total').add(12);
  cluster.counter('upstream_rq_200').add(11);
  cluster.counter('upstream_rq_2xx').add(11);
  cluster.counter('upstream_rq_503').inc();
  cluster.counter('upstream_rq_5xx').inc();
  cluster.gauge('upstream_cx_active').set(2);
  cluster.histogram('upstream_rq_time', 'milliseconds', [1, 5, 10]).record(3);
  store.gauge('server.live').set(1);
  store.counter('server.unused');
  store.histogram('http.ingress.downstream_rq_time', 'milliseconds', [1, 5, 10]);
  return store;
}

test('/stats: counters and gauges sorted by name, then histograms', () => {
  assert.equal(
    statsText(sample()),
    [
      'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_cx_active: 2',
      'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_200: 11',
      'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_2xx: 11',
      'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_503: 1',
      'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_5xx: 1',
      'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total: 12',
      'server.live: 1',
      'server.unused: 0',
      'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_time: P0(nan,3) P25(nan,3) P50(nan,3) P75(nan,3) P90(nan,3) P95(nan,3) P99(nan,3) P99.5(nan,3) P99.9(nan,3) P100(nan,3)',
      'http.ingress.downstream_rq_time: No recorded values',
      '',
    ].join('\n'),
  );
  assert.equal(statsText(sample(), { filter: /^server\./ }), 'server.live: 1\nserver.unused: 0\n');
  assert.equal(statsText(sample(), { filter: /^server\.|downstream_rq_time/g, usedOnly: true }), 'server.live: 1\n');
});

test('/stats?format=json', () => {
  const json = JSON.parse(statsJson(sample(), { filter: /upstream_rq_total|_time$/ })) as unknown;
  assert.deepEqual(json, {
    stats: [
      { name: 'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total', value: 12 },
      {
        histograms: {
          supported_quantiles: [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100],
          computed_quantiles: [
            { name: 'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_time', values: Array.from({ length: 10 }, () => ({ cumulative: 3, interval: null })) },
            { name: 'http.ingress.downstream_rq_time', values: Array.from({ length: 10 }, () => ({ cumulative: null, interval: null })) },
          ],
        },
      },
    ],
  });
  assert.equal(statsJson(sample(), { filter: /server\.live/ }), '{"stats":[{"name":"server.live","value":1}]}');
});

test("/stats/prometheus: Envoy's grouping, tags and histogram buckets", () => {
  const c = 'envoy_cluster_name="outbound|9080||reviews.default.svc.cluster.local"';
  assert.equal(
    statsPrometheus(sample()),
    [
      '# TYPE envoy_cluster_upstream_rq counter',
      `envoy_cluster_upstream_rq{envoy_response_code="200",${c}} 11`,
      `envoy_cluster_upstream_rq{envoy_response_code="503",${c}} 1`,
      '',
      '# TYPE envoy_cluster_upstream_rq_total counter',
      `envoy_cluster_upstream_rq_total{${c}} 12`,
      '',
      '# TYPE envoy_cluster_upstream_rq_xx counter',
      `envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",${c}} 11`,
      `envoy_cluster_upstream_rq_xx{envoy_response_code_class="5",${c}} 1`,
      '',
      '# TYPE envoy_server_unused counter',
      'envoy_server_unused{} 0',
      '',
      '# TYPE envoy_cluster_upstream_cx_active gauge',
      `envoy_cluster_upstream_cx_active{${c}} 2`,
      '',
      '# TYPE envoy_server_live gauge',
      'envoy_server_live{} 1',
      '',
      '# TYPE envoy_cluster_upstream_rq_time histogram',
      `envoy_cluster_upstream_rq_time_bucket{${c},le="1"} 0`,
      `envoy_cluster_upstream_rq_time_bucket{${c},le="5"} 1`,
      `envoy_cluster_upstream_rq_time_bucket{${c},le="10"} 1`,
      `envoy_cluster_upstream_rq_time_bucket{${c},le="+Inf"} 1`,
      `envoy_cluster_upstream_rq_time_sum{${c}} 3`,
      `envoy_cluster_upstream_rq_time_count{${c}} 1`,
      '',
      '# TYPE envoy_http_downstream_rq_time histogram',
      'envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix="ingress",le="1"} 0',
      'envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix="ingress",le="5"} 0',
      'envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix="ingress",le="10"} 0',
      'envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix="ingress",le="+Inf"} 0',
      'envoy_http_downstream_rq_time_sum{envoy_http_conn_manager_prefix="ingress"} 0',
      'envoy_http_downstream_rq_time_count{envoy_http_conn_manager_prefix="ingress"} 0',
      '',
      '',
    ].join('\n'),
  );
});

test('prometheus: the same output twice; label values escaped; custom namespaces lose the prefix', () => {
  const store = sample();
  assert.equal(statsPrometheus(store), statsPrometheus(store));
  const odd = new StatsStore();
  odd.scope('cluster').scope('we"ird\\name', TagNames.CLUSTER_NAME).counter('upstream_rq_total').inc();
  assert.equal(statsPrometheus(odd), '# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{envoy_cluster_name="we\\"ird\\\\name"} 1\n\n');

  assert.equal(prometheusName('cluster.upstream_rq_total'), 'envoy_cluster_upstream_rq_total');
  assert.equal(prometheusName('listener.http.downstream_rq-x'), 'envoy_listener_http_downstream_rq_x');
  const ns = new Set(['istiocustom']);
  assert.equal(prometheusName('istiocustom.istio_requests_total', ns), 'istio_requests_total');
  assert.equal(prometheusName('istiocustom.9lives', ns), undefined);
  assert.equal(prometheusName('istiocustom.istio_requests_total'), 'envoy_istiocustom_istio_requests_total');
});
