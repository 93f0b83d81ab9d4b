import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { RouteConfigurationSchema } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import { RouteTable, type RequestView } from './route-table.js';

function req(authority: string, path: string, headers: Record<string, string> = {}, method = 'GET'): RequestView {
  const h: Record<string, string> = { ':authority': authority, ':path': path, ':method': method, ...headers };
  return { authority, path, method, header: (n) => h[n] };
}

const toCluster = (c: string) => ({ case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: c } } });

const table = new RouteTable(
  create(RouteConfigurationSchema, {
    name: '9080',
    virtualHosts: [
      {
        name: 'reviews',
        domains: ['reviews', 'reviews:9080', 'reviews.default.svc.cluster.local'],
        routes: [
          { name: 'jason', match: { pathSpecifier: { case: 'prefix', value: '/' }, headers: [{ name: 'end-user', headerMatchSpecifier: { case: 'stringMatch', value: { matchPattern: { case: 'exact', value: 'jason' } } } }] }, action: toCluster('v2') },
          { name: 'exact', match: { pathSpecifier: { case: 'path', value: '/health' } }, action: toCluster('health') },
          { name: 'regex', match: { pathSpecifier: { case: 'safeRegex', value: { regex: '/reviews/[0-9]+' } } }, action: toCluster('regex') },
          { name: 'query', match: { pathSpecifier: { case: 'prefix', value: '/q' }, queryParameters: [{ name: 'debug', queryParameterMatchSpecifier: { case: 'stringMatch', value: { matchPattern: { case: 'exact', value: '1' } } } }] }, action: toCluster('query') },
          { name: 'ci', match: { pathSpecifier: { case: 'prefix', value: '/UPPER' }, caseSensitive: false }, action: toCluster('ci') },
          { name: 'not-post', match: { pathSpecifier: { case: 'prefix', value: '/m' }, headers: [{ name: ':method', invertMatch: true, headerMatchSpecifier: { case: 'exactMatch', value: 'POST' } }] }, action: toCluster('not-post') },
          { name: 'default', match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: toCluster('v1') },
        ],
      },
      { name: 'suffix-long', domains: ['*.prod.example.com'], routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: toCluster('long') }] },
      { name: 'suffix-short', domains: ['*.example.com'], routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: toCluster('short') }] },
      { name: 'prefix', domains: ['api.*'], routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: toCluster('prefix') }] },
      { name: 'any', domains: ['*'], routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: toCluster('passthrough') }] },
    ],
  }),
);

function cluster(r: RequestView): string | undefined {
  const m = table.match(r);
  return m?.route.action.case === 'route' ? (m.route.action.value.clusterSpecifier.value as string) : undefined;
}

test('virtual host selection: exact, longest suffix wildcard, prefix wildcard, then *', () => {
  assert.equal(table.virtualHost('REVIEWS:9080')?.virtualHost.name, 'reviews', 'case-insensitive');
  assert.equal(table.virtualHost('a.prod.example.com')?.virtualHost.name, 'suffix-long');
  assert.equal(table.virtualHost('a.example.com')?.virtualHost.name, 'suffix-short');
  assert.equal(table.virtualHost('api.internal')?.virtualHost.name, 'prefix');
  assert.equal(table.virtualHost('reviews:9999')?.virtualHost.name, 'any', 'a port not listed does not match');
});

test('routes match in order on headers, exact path, regex, query, case and inverted headers', () => {
  assert.equal(cluster(req('reviews', '/anything', { 'end-user': 'jason' })), 'v2');
  assert.equal(cluster(req('reviews', '/anything', { 'end-user': 'json' })), 'v1');
  assert.equal(cluster(req('reviews', '/health')), 'health');
  assert.equal(cluster(req('reviews', '/health/x')), 'v1', 'path is exact');
  assert.equal(cluster(req('reviews', '/reviews/42?x=1')), 'regex', 'regex sees the path without query');
  assert.equal(cluster(req('reviews', '/reviews/42x')), 'v1', 'regex matches the whole path');
  assert.equal(cluster(req('reviews', '/q?debug=1')), 'query');
  assert.equal(cluster(req('reviews', '/q?debug=2')), 'v1');
  assert.equal(cluster(req('reviews', '/upper/case')), 'ci');
  assert.equal(cluster(req('reviews', '/m', {}, 'GET')), 'not-post');
  assert.equal(cluster(req('reviews', '/m', {}, 'POST')), 'v1');
});

test('runtime_fraction: a route matches for that share of requests', () => {
  const t = new RouteTable(
    create(RouteConfigurationSchema, {
      name: 'rf',
      virtualHosts: [
        {
          name: 'all',
          domains: ['*'],
          routes: [
            { name: 'canary', match: { pathSpecifier: { case: 'prefix', value: '/' }, runtimeFraction: { defaultValue: { numerator: 25 } } }, action: toCluster('canary') },
            { name: 'rest', match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: toCluster('rest') },
          ],
        },
      ],
    }),
  );
  const pick = (r: number) => t.match({ ...req('x', '/'), random: () => r })?.route.name;
  assert.equal(pick(0.2), 'canary');
  assert.equal(pick(0.3), 'rest');
});
