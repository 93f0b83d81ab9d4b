// gRPC-aware local replies over real sockets: a gRPC request (content-type application/grpc*)
// that the proxy answers itself gets HTTP 200, content-type application/grpc, grpc-status
// (the reply's, or mapped from the HTTP status as Envoy does) and grpc-message, no body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../src/api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema, Cluster_DiscoveryType } from '../../src/api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../src/api/gen/envoy/config/route/v3/route_pb.js';
import { HttpFilterSchema } from '../../src/api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { HCM_FILTER, duration, httpConnectionManager, socketAddress } from '../../src/api/envoy/build.js';
import { Proxy } from '../../src/proxy/proxy.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { ok } from '../../src/shared/result.js';

const router: HttpFilterFactory = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', compile: () => ok(undefined), create: () => ({}) };
/** Denies /deny (403, status mapped) and /quota (429 with an explicit RESOURCE_EXHAUSTED). */
const deny: HttpFilterFactory = {
  name: 'test.deny',
  typeUrl: 'type.googleapis.com/test.Deny',
  compile: () => ok(undefined),
  create: () => ({
    onRequest: (req) => (req.path === '/deny' ? { status: 403, body: 'RBAC: access denied' } : req.path === '/quota' ? { status: 429, body: 'over quota', grpcStatus: 8 } : undefined),
  }),
};
const lookup = (name: string) => (name === router.name ? router : name === deny.name ? deny : undefined);

let proxy: Proxy;
let port = 0;

before(async () => {
  const toCluster = (prefix: string, cluster: string) => ({ match: { pathSpecifier: { case: 'prefix' as const, value: prefix } }, action: { case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: cluster } } } });
  const routes = create(RouteConfigurationSchema, { name: 'local', virtualHosts: [{ name: 'all', domains: ['*'], routes: [toCluster('/pkg.Missing/', 'nope'), toCluster('/', 'empty')] }] });
  proxy = new Proxy({ filters: lookup });
  const listener = create(ListenerSchema, {
    name: 'http',
    address: socketAddress('127.0.0.1', 0),
    filterChains: [{ filters: [{ name: HCM_FILTER, configType: { case: 'typedConfig', value: httpConnectionManager({ statPrefix: 'grpc', routeConfig: routes, filters: [create(HttpFilterSchema, { name: 'test.deny' })] }) } }] }],
  });
  const empty = create(ClusterSchema, { name: 'empty', clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC }, connectTimeout: duration(1000), loadAssignment: { clusterName: 'empty', endpoints: [] } });
  const r = await proxy.apply({ listeners: new Map([['http', listener]]), routes: new Map(), clusters: new Map([['empty', empty]]), endpoints: new Map() });
  assert.ok(r.ok);
  port = proxy.boundPort('http')!;
});

after(() => proxy.close());

function call(path: string, contentType: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { host: 'svc.local', 'content-type': contentType, te: 'trailers' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

test('a gRPC request answered locally gets 200 with grpc-status mapped from the HTTP status', async () => {
  const uh = await call('/pkg.Svc/Method', 'application/grpc');
  assert.equal(uh.status, 200);
  assert.equal(uh.headers['content-type'], 'application/grpc');
  assert.equal(uh.headers['grpc-status'], '14'); // 503 → UNAVAILABLE
  assert.equal(uh.headers['grpc-message'], 'no healthy upstream for empty');
  assert.equal(uh.headers['content-length'], '0');
  assert.equal(uh.headers['x-rig-response-flags'], 'UH');
  assert.equal(uh.body, '');

  const nc = await call('/pkg.Missing/Call', 'application/grpc+proto');
  assert.deepEqual([nc.status, nc.headers['grpc-status'], nc.headers['grpc-message']], [200, '14', 'no cluster nope']);

  const denied = await call('/deny', 'application/grpc');
  assert.deepEqual([denied.status, denied.headers['grpc-status'], denied.headers['grpc-message']], [200, '7', 'RBAC: access denied']);
});

test("a filter's explicit grpcStatus wins over the mapping", async () => {
  const q = await call('/quota', 'application/grpc');
  assert.deepEqual([q.status, q.headers['grpc-status'], q.headers['grpc-message']], [200, '8', 'over quota']);
});

test('a non-gRPC request keeps the plain HTTP local reply', async () => {
  const r = await call('/deny', 'application/json');
  assert.equal(r.status, 403);
  assert.equal(r.headers['grpc-status'], undefined);
  assert.equal(r.body, 'RBAC: access denied\n');
});
