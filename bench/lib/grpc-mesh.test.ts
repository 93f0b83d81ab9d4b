// The grpc-pair and mesh-memory helpers: the gRPC message frame h2load sends, the pair
// configs, the memory probe's line parser, the mesh YAML and the rows' per-repetition
// ratios (run: node --import tsx --test bench/lib/grpc-mesh.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { grpcFrame, haproxyGrpcConfig, nginxGrpcConfig, parseGrpcFrame, riggingGrpcBootstrap } from './grpc.js';
import { parseMemoryProbe } from './memory-probe.js';
import { meshYaml, SIDECAR_EGRESS } from '../scenarios/mesh-memory.js';
import { grpcRows, type GrpcSample } from '../scenarios/grpc-pair.js';
import type { H2loadResult } from './h2load.js';

test('grpcFrame is flag 0, a 4-byte big-endian length and the payload; parseGrpcFrame reverses it', () => {
  const f = grpcFrame(Buffer.from('hello'));
  assert.deepEqual([...f.subarray(0, 5)], [0, 0, 0, 0, 5]);
  assert.equal(f.subarray(5).toString(), 'hello');
  assert.equal(grpcFrame(Buffer.alloc(300)).readUInt32BE(1), 300);
  assert.equal(parseGrpcFrame(f).toString(), 'hello');
  assert.throws(() => parseGrpcFrame(f.subarray(0, 7)), /says 5 bytes, 2 follow/);
  assert.throws(() => parseGrpcFrame(Buffer.from([1, 0, 0, 0, 0])), /compressed/);
});

test('the Rigging pair config has an HTTP/2 cluster (explicit_http_config.http2_protocol_options)', () => {
  const b = JSON.parse(riggingGrpcBootstrap(4000, 5000)) as { static_resources: { clusters: { load_assignment: unknown; typed_extension_protocol_options: Record<string, { '@type': string; explicit_http_config: unknown }> }[] } };
  const c = b.static_resources.clusters[0]!;
  const o = c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']!;
  assert.equal(o['@type'], 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions');
  assert.deepEqual(o.explicit_http_config, { http2_protocol_options: {} });
  assert.match(JSON.stringify(c.load_assignment), /"port_value":5000/);
  assert.match(nginxGrpcConfig('n', '/tmp/x', 4000, 5000), /listen 127\.0\.0\.1:4000 backlog=4096 http2;[\s\S]*grpc_pass grpc:\/\/grpcup;/);
  assert.match(haproxyGrpcConfig(4000, 5000), /bind 127\.0\.0\.1:4000 proto h2[\s\S]*server s1 127\.0\.0\.1:5000 proto h2/);
});

test('parseMemoryProbe reads the last rig-bench-memory line among other output', () => {
  const line = (rss: number) => `rig-bench-memory {"rss":${rss},"heapTotal":20,"heapUsed":10,"external":3,"arrayBuffers":1}`;
  const out = `rig proxy sidecar\n  admin  http://127.0.9.1:4000/\n${line(100)}\nwarn something\n${line(200)}\n`;
  assert.equal(parseMemoryProbe(out)?.rss, 200);
  assert.equal(parseMemoryProbe(out)?.heapUsed, 10);
  assert.equal(parseMemoryProbe('no probe here\n'), undefined);
  assert.throws(() => parseMemoryProbe('rig-bench-memory {"rss":1}\n'), /numeric heapTotal/);
});

test('meshYaml: n Services, the client Service and a Sidecar selecting the scoped client', () => {
  const docs = meshYaml(3).split('\n---\n').map((d) => parse(d) as { kind: string; metadata: { name: string; namespace: string }; spec: { workloadSelector?: { labels: Record<string, string> }; egress?: { hosts: string[] }[] } });
  assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`), ['Service/client/client', 'Service/bench/svc-0', 'Service/bench/svc-1', 'Service/bench/svc-2', 'Sidecar/client/scoped']);
  const sc = docs.at(-1)!;
  assert.deepEqual(sc.spec.workloadSelector?.labels, { app: 'client-scoped' });
  assert.deepEqual(sc.spec.egress?.[0]?.hosts, SIDECAR_EGRESS);
});

test('grpcRows: medians, and each pair against direct and Rigging against the others per repetition', () => {
  const h = (rps: number, meanMs: number): H2loadResult => ({ rps, meanMs, requests: rps * 10, succeeded: rps * 10, failed: 0, status2xx: rps * 10, statusOther: 0, maxMs: meanMs * 3 });
  const samples: GrpcSample[] = [
    { target: 'direct', run: 0, h2load: h(1000, 1) },
    { target: 'rigging', run: 0, h2load: h(250, 4), cpuSPer1kCalls: 0.2 },
    { target: 'nginx', run: 0, h2load: h(500, 2), cpuSPer1kCalls: 0.1 },
    { target: 'direct', run: 1, h2load: h(2000, 1) },
    { target: 'rigging', run: 1, h2load: h(1000, 3), cpuSPer1kCalls: 0.3 },
    { target: 'nginx', run: 1, h2load: h(1000, 2), cpuSPer1kCalls: 0.1 },
  ];
  const rows = grpcRows(samples);
  const get = (c: string, m: string) => rows.find((r) => r.case.startsWith(c) && r.metric === m)?.value;
  assert.equal(get('direct', 'calls/s'), 1000); // percentile 50 of two values: the lower one
  assert.equal(get('rigging', 'ratio pair / direct, calls/s'), 0.25);
  assert.equal(get('rigging', 'added mean call time (pair)'), 2);
  assert.equal(get('rigging', 'ratio Rigging / nginx, calls/s'), 0.5);
  assert.equal(get('rigging', 'ratio Rigging / HAProxy, calls/s'), undefined);
  assert.equal(get('nginx', 'CPU per 1,000 calls, both proxies'), 0.1);
});
