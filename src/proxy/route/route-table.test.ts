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

test('long route lists (prefix runs, required headers) match exactly as one-by-one evaluation does', () => {
  // A seeded generator of route lists mixing overlapping prefixes, exact paths, regexes,
  // case-insensitive prefixes and header matchers (required, inverted, presence, missing-as-empty).
  let seed = 42;
  const rnd = (n: number) => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const prefixes = ['/', '/a', '/a/', '/ab', '/a/b', '/b', '/svc-1/', '/svc-10/', '/svc-1', '', '/A'];
  const paths = ['/', '/a', '/a/b/c', '/ab?x=1', '/b', '/svc-1/x', '/svc-10/y', '/svc-1', '/c', '/A/b', '/health'];
  const headerNames = ['x-tenant', 'end-user', 'x-v'];
  const values = ['t1', 't2', ''];
  type HeaderSpec = { name: string; invertMatch?: boolean; treatMissingHeaderAsEmpty?: boolean; headerMatchSpecifier: { case: 'exactMatch' | 'prefixMatch'; value: string } | { case: 'presentMatch'; value: boolean } };
  const header = (): HeaderSpec => {
    const name = headerNames[rnd(3)]!;
    const kind = rnd(5);
    if (kind === 0) return { name, headerMatchSpecifier: { case: 'presentMatch', value: rnd(2) === 0 } };
    if (kind === 1) return { name, invertMatch: true, headerMatchSpecifier: { case: 'exactMatch', value: values[rnd(3)]! } };
    if (kind === 2) return { name, treatMissingHeaderAsEmpty: true, headerMatchSpecifier: { case: 'exactMatch', value: values[rnd(3)]! } };
    return { name, headerMatchSpecifier: { case: kind === 3 ? 'exactMatch' : 'prefixMatch', value: values[rnd(3)]! } };
  };
  for (let round = 0; round < 60; round++) {
    const routes = Array.from({ length: 5 + rnd(40) }, (_, i) => {
      const k = rnd(10);
      const pathSpecifier =
        k < 7
          ? { case: 'prefix' as const, value: prefixes[rnd(prefixes.length)]! }
          : k === 7
            ? { case: 'path' as const, value: paths[rnd(paths.length)]! }
            : { case: 'safeRegex' as const, value: { regex: '/a.*' } };
      const headers = Array.from({ length: rnd(3) }, header);
      return { name: `r${i}`, match: { pathSpecifier, headers, ...(rnd(8) === 0 ? { caseSensitive: false } : {}) }, action: toCluster(`c${i}`) };
    });
    const config = (rs: typeof routes) => create(RouteConfigurationSchema, { name: 'gen', virtualHosts: [{ name: 'all', domains: ['*'], routes: rs }] });
    const table = new RouteTable(config(routes));
    const singles = routes.map((r) => new RouteTable(config([r])));
    for (let q = 0; q < 60; q++) {
      const hs: Record<string, string> = {};
      for (const n of headerNames) if (rnd(2) === 0) hs[n] = values[rnd(3)]!;
      const r = req('any', paths[rnd(paths.length)]!, hs);
      const want = singles.findIndex((t) => t.match(r) !== undefined);
      const got = table.match(r)?.route.name;
      assert.equal(got, want < 0 ? undefined : `r${want}`, `round ${round}, ${r.path} ${JSON.stringify(hs)}`);
    }
  }
});
