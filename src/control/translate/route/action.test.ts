import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { unpack } from '../../../api/envoy/types.js';
import { envoyRegistry } from '../../../api/gen/registry.js';
import { RouteSchema, type Route } from '../../../api/gen/envoy/config/route/v3/route_components_pb.js';
import { HTTPFaultSchema } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { CorsPolicySchema } from '../../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import type { HTTPMatchRequest, HTTPRoute } from '../../../api/istio/networking.js';
import type { PushContext } from '../../snapshot/push-context.js';
import { destinationCluster, redirectAction, translateRoute, type RouteContext } from './action.js';
import { bookinfoServices, proxy, push, resource, service } from './test-fixtures.js';
import type { ResolvedVirtualService } from './virtual-service.js';

const vs: ResolvedVirtualService = {
  key: 'default/reviews',
  name: 'reviews',
  namespace: 'default',
  hosts: ['reviews.default.svc.cluster.local'],
  gateways: ['mesh'],
  http: [],
  tcp: [],
  configPath: '/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews',
};

function ctx(p: PushContext = push([]), extra: Partial<RouteContext> = {}): RouteContext {
  return { push: p, proxy: proxy(), gatewayNames: new Set(['mesh']), isTLS: false, grpc: false, ...extra };
}

const R = 'reviews.default.svc.cluster.local';

function route(http: HTTPRoute, match?: HTTPMatchRequest, c: RouteContext = ctx(), port = 9080): Route | undefined {
  return translateRoute(c, vs, http, match, port);
}

/** The route as JSON (Any fields decoded). */
function j(r: Route | undefined): JsonObject {
  assert.ok(r);
  return toJson(RouteSchema, r, { registry: envoyRegistry }) as JsonObject;
}

/** One field of a JSON object, as an object. */
function sub(o: JsonObject, key: string): JsonObject {
  return o[key] as JsonObject;
}

function action(r: Route | undefined) {
  assert.ok(r && r.action.case === 'route');
  return r.action.value;
}

test('destination cluster: explicit port, else the service\'s only port, else the listener port', () => {
  const p = push([], [...bookinfoServices(), service('multi', 'default', [[80, 'HTTP'], [8080, 'HTTP']])]);
  assert.equal(destinationCluster(p, { host: R, subset: 'v1' }, 80), `outbound|9080|v1|${R}`);
  assert.equal(destinationCluster(p, { host: R, port: { number: 9999 } }, 80), `outbound|9999||${R}`);
  assert.equal(destinationCluster(p, { host: 'multi.default.svc.cluster.local' }, 8080), 'outbound|8080||multi.default.svc.cluster.local');
  assert.equal(destinationCluster(p, { host: 'unknown.example.com' }, 443), 'outbound|443||unknown.example.com');
  assert.equal(destinationCluster(p, { host: '' }, 443), 'UnknownService');
});

test('single destination: cluster, timeout 0 (disabled), max_grpc_timeout 0, default retries, decorator, metadata', () => {
  const r = route({ name: 'v1', route: [{ destination: { host: R, subset: 'v1' } }] })!;
  const o = j(r);
  assert.equal(o.name, 'v1');
  assert.deepEqual(o.match, { prefix: '/' });
  assert.deepEqual(o.decorator, { operation: `${R}:9080/*` });
  assert.deepEqual(o.metadata, { filterMetadata: { istio: { config: vs.configPath } } });
  const a = action(r);
  assert.equal(a.clusterSpecifier.value, `outbound|9080|v1|${R}`);
  assert.equal(sub(o, 'route').timeout, '0s');
  assert.equal(sub(o, 'route').maxGrpcTimeout, '0s');
  assert.equal(a.retryPolicy?.numRetries, 2);
});

test('Bookinfo reviews timeout 0.5s', () => {
  const a = sub(j(route({ route: [{ destination: { host: R, subset: 'v2' } }], timeout: '0.5s' })), 'route');
  assert.equal(a.timeout, '0.500s');
  assert.equal(a.maxGrpcTimeout, '0.500s');
});

test('several destinations → weighted clusters; 0-weight ones dropped; per-destination headers on the cluster', () => {
  const a = action(
    route({
      route: [
        { destination: { host: R, subset: 'v1' }, weight: 50, headers: { request: { set: { 'x-v': '1' } }, response: { remove: ['x-r'] } } },
        { destination: { host: R, subset: 'v2' }, weight: 0 },
        { destination: { host: R, subset: 'v3' }, weight: 50 },
      ],
    }),
  );
  assert.equal(a.clusterSpecifier.case, 'weightedClusters');
  const wc = a.clusterSpecifier.case === 'weightedClusters' ? a.clusterSpecifier.value : undefined;
  assert.deepEqual(wc?.clusters.map((c) => [c.name, c.weight]), [
    [`outbound|9080|v1|${R}`, 50],
    [`outbound|9080|v3|${R}`, 50],
  ]);
  assert.deepEqual(wc?.clusters[0]!.requestHeadersToAdd.map((h) => h.header?.key), ['x-v']);
  assert.deepEqual(wc?.clusters[0]!.responseHeadersToRemove, ['x-r']);
  assert.equal(wc?.totalWeight, undefined);
});

test('a single destination\'s headers go on the route; route headers first', () => {
  const r = route({ headers: { request: { add: { a: '1' } } }, route: [{ destination: { host: R }, headers: { request: { set: { b: '2', ':authority': 'x.example' } } } }] })!;
  assert.deepEqual(r.requestHeadersToAdd.map((h) => h.header?.key), ['a', 'b']);
  assert.deepEqual(action(r).hostRewriteSpecifier, { case: 'hostRewriteLiteral', value: 'x.example' });
});

test('rewrite: uri → prefix_rewrite, uriRegexRewrite → regex_rewrite, authority → host_rewrite_literal (beats headers)', () => {
  const a = action(route({ rewrite: { uri: '/v1/bookRatings', authority: 'ratings.internal' }, headers: { request: { set: { host: 'other' } } }, route: [{ destination: { host: R } }] }, { uri: { prefix: '/ratings' } }));
  assert.equal(a.prefixRewrite, '/v1/bookRatings');
  assert.deepEqual(a.hostRewriteSpecifier, { case: 'hostRewriteLiteral', value: 'ratings.internal' });
  const rx = j(route({ rewrite: { uriRegexRewrite: { match: '^/service/([^/]+)(/.*)$', rewrite: '\\2/instance/\\1' } }, route: [{ destination: { host: R } }] }));
  assert.deepEqual(sub(rx, 'route').regexRewrite, { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' });
});

test('redirect: uri, authority, scheme, codes, ports (derivePort uses the listener port; default ports dropped)', () => {
  const rd = (r: Route | undefined) => j(r).redirect;
  assert.deepEqual(rd(route({ redirect: { uri: '/v1/bookRatings', authority: 'newratings.default.svc.cluster.local' } })), {
    hostRedirect: 'newratings.default.svc.cluster.local',
    pathRedirect: '/v1/bookRatings',
  });
  assert.deepEqual(rd(route({ redirect: { scheme: 'https', redirectCode: 308, port: 443 } })), { schemeRedirect: 'https', responseCode: 'PERMANENT_REDIRECT' });
  assert.deepEqual(rd(route({ redirect: { derivePort: 'FROM_REQUEST_PORT', redirectCode: 302 } })), { portRedirect: 9080, responseCode: 'FOUND' });
  assert.deepEqual(rd(route({ redirect: { port: 8443, redirectCode: 307 } })), { portRedirect: 8443, responseCode: 'TEMPORARY_REDIRECT' });
  assert.equal(redirectAction({ redirectCode: 305 }, 80, false), undefined);
  assert.equal(route({ redirect: { redirectCode: 399 } }), undefined);
  // Redirect routes have no cluster: the decorator names the VirtualService.
  assert.equal(route({ redirect: { uri: '/x' } }, { uri: { exact: '/old' } })!.decorator?.operation, 'reviews:9080/old');
});

test('direct response: status and inline body', () => {
  assert.deepEqual(j(route({ directResponse: { status: 503, body: { string: 'unknown path' } } })).directResponse, {
    status: 503,
    body: { inlineString: 'unknown path' },
  });
  assert.deepEqual(j(route({ directResponse: { status: 200, body: { bytes: Buffer.from('hi').toString('base64') } } })).directResponse, {
    status: 200,
    body: { inlineBytes: Buffer.from('hi').toString('base64') },
  });
});

test('fault and CORS become typed per-filter config', () => {
  const r = route({ fault: { abort: { httpStatus: 500, percentage: { value: 100 } } }, corsPolicy: { allowOrigins: [{ exact: 'https://a' }] }, route: [{ destination: { host: R } }] })!;
  assert.deepEqual(Object.keys(r.typedPerFilterConfig).sort(), ['envoy.filters.http.cors', 'envoy.filters.http.fault']);
  assert.equal(unpack(r.typedPerFilterConfig['envoy.filters.http.fault']!, HTTPFaultSchema)?.abort?.errorType.value, 500);
  assert.equal(unpack(r.typedPerFilterConfig['envoy.filters.http.cors']!, CorsPolicySchema)?.allowMethods, '');
});

test('matches that do not apply here are dropped: port, source labels, source namespace, gateways', () => {
  const http: HTTPRoute = { route: [{ destination: { host: R } }] };
  assert.equal(route(http, { port: 8080 }), undefined);
  assert.ok(route(http, { port: 9080 }));
  assert.ok(route(http, { sourceLabels: { app: 'productpage' } }));
  assert.equal(route(http, { sourceLabels: { app: 'reviews' } }), undefined);
  assert.equal(route(http, { sourceNamespace: 'other' }), undefined);
  assert.ok(route(http, { sourceNamespace: 'default' }));
  assert.equal(route(http, { gateways: ['istio-system/ingress'] }), undefined);
  assert.ok(route(http, { gateways: ['istio-system/ingress'] }, ctx(push([]), { gatewayNames: new Set(['istio-system/ingress']) })));
  assert.ok(route(http, { gateways: ['mesh'] }));
});

test('route names: the http route name, dot, the match name', () => {
  assert.equal(route({ name: 'r', route: [{ destination: { host: R } }] }, { name: 'm' })!.name, 'r.m');
  assert.equal(route({ route: [{ destination: { host: R } }] }, { name: 'm' })!.name, '.m');
});

test('consistent hash from the DestinationRule: hash_policy set, previous_hosts predicate dropped', () => {
  const p = push([resource('DestinationRule', 'reviews', { host: 'reviews', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } } })]);
  const a = sub(j(route({ route: [{ destination: { host: R, subset: 'v1' } }] }, undefined, ctx(p))), 'route');
  assert.deepEqual(a.hashPolicy, [{ header: { headerName: 'x-user' } }]);
  assert.equal(sub(a, 'retryPolicy').retryHostPredicate, undefined);
});

test('proxyless gRPC: no redirect/direct response, max_stream_duration carries the timeout, no CORS, gRPC retry subset', () => {
  const g = ctx(push([]), { grpc: true });
  assert.equal(route({ redirect: { uri: '/x' } }, undefined, g), undefined);
  assert.equal(route({ directResponse: { status: 404 } }, undefined, g), undefined);
  const r = route({ timeout: '3s', corsPolicy: { allowOrigin: ['*'] }, fault: { delay: { fixedDelay: '1s', percentage: { value: 10 } } }, route: [{ destination: { host: R } }] }, undefined, g)!;
  const a = sub(j(r), 'route');
  assert.deepEqual(a.maxStreamDuration, { maxStreamDuration: '3s' });
  assert.equal(a.maxGrpcTimeout, undefined);
  assert.deepEqual(a.retryPolicy, { retryOn: 'unavailable,cancelled', numRetries: 2 });
  assert.deepEqual(Object.keys(r.typedPerFilterConfig), ['envoy.filters.http.fault']);
});

test('a route without any destination is dropped', () => {
  assert.equal(route({ name: 'empty' }), undefined);
  assert.equal(route({ route: [{ destination: { host: R }, weight: 0 }, { destination: { host: R, subset: 'v2' }, weight: 0 }] }), undefined);
});
