// Cluster, HTTP connection manager, listener and server stats: Envoy's names and tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import { clusterStats } from './cluster-stats.js';
import { statsPrometheus, statsText } from './format.js';
import { httpConnManagerStats } from './http-conn-manager-stats.js';
import { listenerAddressStatName, listenerStats } from './listener-stats.js';
import { serverStats, ServerState } from './server-stats.js';
import { StatsStore } from './store.js';

const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';

test('cluster stats: Envoy names under cluster.<name>., response codes made on first use', () => {
  const store = new StatsStore();
  const s = clusterStats(store, REVIEWS);
  s.upstream_cx_total.inc();
  s.upstream_cx_active.inc();
  s.upstream_rq_total.inc();
  s.upstream_rq_pending_overflow.inc();
  s.circuit_breakers.default.rq_pending_open.set(1);
  s.outlier_detection.ejections_active.inc();
  s.outlier_detection.ejections_enforced_consecutive_5xx.inc();
  s.membership_total.set(3);
  s.chargeResponse(503, 20);
  s.chargeResponse(200, 2);
  s.chargeResponse(200, 4);
  s.chargeResponse(999);
  const p = `cluster.${REVIEWS}.`;
  assert.equal(store.get(`${p}upstream_rq_2xx`)?.kind, 'counter');
  assert.equal(store.get(`${p}upstream_rq_4xx`), undefined, 'class counters appear when first charged, as in Envoy');
  assert.equal(s.responseCode(200)?.value, 2);
  assert.equal(s.responseCode(1000), undefined);
  assert.equal(s.upstream_rq_completed.value, 4);
  assert.equal(s.upstream_rq_time.count, 2 + 1);
  assert.equal(
    statsText(store, { usedOnly: true }),
    [
      `${p}circuit_breakers.default.rq_pending_open: 1`,
      `${p}membership_total: 3`,
      `${p}outlier_detection.ejections_active: 1`,
      `${p}outlier_detection.ejections_enforced_consecutive_5xx: 1`,
      `${p}upstream_cx_active: 1`,
      `${p}upstream_cx_total: 1`,
      `${p}upstream_rq_200: 2`,
      `${p}upstream_rq_2xx: 2`,
      `${p}upstream_rq_503: 1`,
      `${p}upstream_rq_5xx: 1`,
      `${p}upstream_rq_completed: 4`,
      `${p}upstream_rq_pending_overflow: 1`,
      `${p}upstream_rq_total: 1`,
      `${p}upstream_rq_time: P0(nan,2) P25(nan,3.125) P50(nan,4.25) P75(nan,12.5) P90(nan,17) P95(nan,18.5) P99(nan,19.7) P99.5(nan,19.85) P99.9(nan,19.97) P100(nan,20)`,
      '',
    ].join('\n'),
  );
  const prom = statsPrometheus(store, { usedOnly: true });
  assert.match(prom, new RegExp(`^envoy_cluster_upstream_rq_total\\{envoy_cluster_name="${escape(REVIEWS)}"\\} 1$`, 'm'));
  assert.match(prom, new RegExp(`^envoy_cluster_upstream_rq_xx\\{envoy_response_code_class="2",envoy_cluster_name="${escape(REVIEWS)}"\\} 2$`, 'm'));
  assert.match(prom, /^envoy_cluster_circuit_breakers_default_rq_pending_open\{envoy_cluster_name="[^"]+"\} 1$/m);
  assert.match(prom, /^envoy_cluster_outlier_detection_ejections_active\{envoy_cluster_name="[^"]+"\} 1$/m);

  const count = store.size;
  assert.ok(count > 70, `a cluster has Envoy's full set of stats (${count})`);
  s.release();
  assert.equal(store.size, 0);
});

test('http connection manager stats: http.<stat_prefix>., classes charged eagerly like Envoy', () => {
  const store = new StatsStore();
  const s = httpConnManagerStats(store, 'ingress_http');
  s.downstream_cx_total.inc();
  s.downstream_rq_total.inc();
  s.no_route.inc();
  s.rq_direct_response.inc();
  s.chargeResponse(404, 1);
  s.chargeResponse(42);
  assert.equal(s.downstream_rq_4xx.value, 1);
  assert.equal(s.downstream_rq_completed.value, 2);
  assert.equal(s.downstream_rq_time.count, 1);
  assert.equal(store.get('http.ingress_http.downstream_rq_2xx')?.name, 'http.ingress_http.downstream_rq_2xx');
  const prom = statsPrometheus(store, { usedOnly: true });
  assert.match(prom, /^envoy_http_downstream_rq_xx\{envoy_response_code_class="4",envoy_http_conn_manager_prefix="ingress_http"\} 1$/m);
  assert.match(prom, /^envoy_http_no_route\{envoy_http_conn_manager_prefix="ingress_http"\} 1$/m);
  assert.match(prom, /^envoy_http_rq_direct_response\{envoy_http_conn_manager_prefix="ingress_http"\} 1$/m);
});

test('listener stats: listener.<address>. tagged, listener.admin. not', () => {
  const store = new StatsStore();
  const l = listenerStats(store, listenerAddressStatName('0.0.0.0', 15006));
  l.downstream_cx_total.inc();
  l.downstream_cx_active.inc();
  l.no_filter_chain_match.inc();
  listenerStats(store, 'admin').downstream_cx_total.inc();
  assert.equal(l.no_filter_chain_match.name, 'listener.0.0.0.0_15006.no_filter_chain_match');
  const prom = statsPrometheus(store, { usedOnly: true });
  assert.match(prom, /^envoy_listener_downstream_cx_total\{envoy_listener_address="0.0.0.0_15006"\} 1$/m);
  assert.match(prom, /^envoy_listener_no_filter_chain_match\{envoy_listener_address="0.0.0.0_15006"\} 1$/m);
  assert.match(prom, /^envoy_listener_admin_downstream_cx_total\{\} 1$/m);
});

test('server stats: uptime and memory read on render, live follows the state', () => {
  const store = new StatsStore();
  const clock = new ManualClock();
  const s = serverStats(store, { clock, concurrency: 2, memory: () => ({ allocated: 100, heapSize: 200, physicalSize: 300 }) });
  assert.equal(s.state.value, ServerState.INITIALIZING);
  assert.equal(s.live.value, 0);
  s.setState(ServerState.LIVE);
  clock.advance(61_500);
  assert.equal(
    statsText(store),
    ['server.concurrency: 2', 'server.live: 1', 'server.memory_allocated: 100', 'server.memory_heap_size: 200', 'server.memory_physical_size: 300', 'server.state: 0', 'server.total_connections: 0', 'server.uptime: 61', ''].join('\n'),
  );
  s.setState(ServerState.DRAINING);
  s.close();
  clock.advance(10_000);
  store.snapshot();
  assert.deepEqual([s.live.value, s.state.value, s.uptime.value], [0, ServerState.DRAINING, 61]);
});

function escape(s: string): string {
  return s.replace(/[|.]/g, '\\$&');
}
