// Istio's standard metrics: label set and order, defaults, cached handles, Prometheus names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statsPrometheus } from './format.js';
import { IstioMetrics, type IstioPeerLabels } from './istio-metrics.js';
import { StatsStore } from './store.js';

const INBOUND: IstioPeerLabels = {
  reporter: 'destination',
  source_workload: 'productpage-v1',
  source_canonical_service: 'productpage',
  source_canonical_revision: 'v1',
  source_workload_namespace: 'default',
  source_principal: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
  source_app: 'productpage',
  source_version: 'v1',
  source_cluster: 'Kubernetes',
  destination_workload: 'reviews-v1',
  destination_workload_namespace: 'default',
  destination_principal: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
  destination_app: 'reviews',
  destination_version: 'v1',
  destination_service: 'reviews.default.svc.cluster.local',
  destination_canonical_service: 'reviews',
  destination_canonical_revision: 'v1',
  destination_service_name: 'reviews',
  destination_service_namespace: 'default',
  destination_cluster: 'Kubernetes',
  request_protocol: 'http',
  connection_security_policy: 'mutual_tls',
};

const LABELS =
  'reporter="destination",source_workload="productpage-v1",source_canonical_service="productpage",source_canonical_revision="v1",' +
  'source_workload_namespace="default",source_principal="spiffe://cluster.local/ns/default/sa/bookinfo-productpage",source_app="productpage",' +
  'source_version="v1",source_cluster="Kubernetes",destination_workload="reviews-v1",destination_workload_namespace="default",' +
  'destination_principal="spiffe://cluster.local/ns/default/sa/bookinfo-reviews",destination_app="reviews",destination_version="v1",' +
  'destination_service="reviews.default.svc.cluster.local",destination_canonical_service="reviews",destination_canonical_revision="v1",' +
  'destination_service_name="reviews",destination_service_namespace="default",destination_cluster="Kubernetes",request_protocol="http"';

test('istio_requests_total and istio_request_duration_milliseconds with the standard labels, no envoy_ prefix', () => {
  const store = new StatsStore();
  const istio = new IstioMetrics(store);
  const peer = istio.peer(INBOUND);
  peer.record(200, 12);
  peer.record(200, 3);
  peer.record(503, 30, '', 'UF');
  const prom = statsPrometheus(store);
  assert.match(prom, /^# TYPE istio_requests_total counter$/m);
  assert.ok(prom.includes(`istio_requests_total{${LABELS},response_code="200",grpc_response_status="",response_flags="-",connection_security_policy="mutual_tls"} 2\n`), prom);
  assert.ok(prom.includes(`istio_requests_total{${LABELS},response_code="503",grpc_response_status="",response_flags="UF",connection_security_policy="mutual_tls"} 1\n`));
  assert.match(prom, /^# TYPE istio_request_duration_milliseconds histogram$/m);
  assert.ok(prom.includes(`istio_request_duration_milliseconds_bucket{${LABELS},response_code="200",grpc_response_status="",response_flags="-",connection_security_policy="mutual_tls",le="5"} 1\n`));
  assert.ok(prom.includes(`istio_request_duration_milliseconds_bucket{${LABELS},response_code="200",grpc_response_status="",response_flags="-",connection_security_policy="mutual_tls",le="25"} 2\n`));
  assert.ok(prom.includes(`istio_request_duration_milliseconds_sum{${LABELS},response_code="200",grpc_response_status="",response_flags="-",connection_security_policy="mutual_tls"} 15\n`));
  assert.ok(!prom.includes('envoy_istio'));
});

test('handles are cached per label set; unset labels take Istio defaults', () => {
  const store = new StatsStore();
  const istio = new IstioMetrics(store);
  const a = istio.peer(INBOUND);
  assert.equal(istio.peer({ ...INBOUND }), a);
  assert.notEqual(istio.peer({ ...INBOUND, connection_security_policy: 'none' }), a);
  assert.equal(a.seriesFor(200), a.seriesFor(200));
  assert.equal(a.seriesFor(200, '0', '-'), a.seriesFor(200, '0', '-'));
  assert.notEqual(a.seriesFor(200, '0'), a.seriesFor(200));

  const client = istio.peer({ reporter: 'source' }).seriesFor(0, '14', 'UH');
  const tags = Object.fromEntries(client.requests.tags.map((t) => [t.name, t.value]));
  assert.equal(tags.source_workload, 'unknown');
  assert.equal(tags.destination_canonical_revision, 'latest');
  assert.equal(tags.request_protocol, 'http');
  assert.equal(tags.connection_security_policy, 'unknown');
  assert.equal(tags.grpc_response_status, '14');
  assert.equal(client.requests.tagExtractedName, 'istiocustom.istio_requests_total');
  assert.ok(client.requests.name.startsWith('istiocustom.istio_requests_total.reporter.source.source_workload.unknown.'));
});
