// Route and cluster features pushed over xDS by a real control plane process (`rig pilot
// --resources`, Envoy resources from a file) to a real `rig proxy --xds` process, with real
// traffic to real upstream servers: direct responses, redirects, prefix rewrites and header
// operations, retries, ring-hash stickiness, outlier ejection, the local rate limit (429,
// RL) and CORS preflights configured per route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRig, type Proc } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-xds-features-'));
/** The proxy's listener: a loopback address of its own and a port chosen for this test. */
const LISTEN = { address: '127.0.91.1', port: 18091 };
const servers: Server[] = [];
let pilot: Proc | undefined;
let proxy: Proc | undefined;

/** An upstream that answers JSON with its name, the path and the headers it got; `status` picks the code per request. */
async function upstream(name: string, status: () => number = () => 200): Promise<number> {
  const s = createServer((req, res) => {
    res.statusCode = status();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, url: req.url, headers: req.headers }));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

const endpoints = (ports: number[]) => ports.map((p) => `        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${p}}}}`).join('\n');
const cluster = (name: string, ports: number[], extra = '') => `
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: ${name}
  type: STATIC
  connect_timeout: 1s
${extra}  load_assignment:
    cluster_name: ${name}
    endpoints:
    - lb_endpoints:
${endpoints(ports)}`;

before(async () => {
  const a = await upstream('a');
  const b = await upstream('b');
  let n = 0;
  const flaky = await upstream('flaky', () => (n++ % 2 === 0 ? 503 : 200));
  const bad = await upstream('bad', () => 500);
  const good = await upstream('good');
  writeFileSync(
    join(dir, 'resources.yaml'),
    `
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: http
  address: {socket_address: {address: ${LISTEN.address}, port_value: ${LISTEN.port}}}
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: features
        route_config:
          name: features
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
            - match: {path: /direct}
              direct_response: {status: 200, body: {inline_string: direct}}
            - match: {prefix: /redirect}
              redirect: {https_redirect: true}
            - match: {prefix: /rewrite/}
              route: {cluster: echo, prefix_rewrite: /rewritten/}
              request_headers_to_add: [{header: {key: x-added, value: by-route}}]
              request_headers_to_remove: [x-secret]
              response_headers_to_add: [{header: {key: x-resp, value: from-route}}]
            - match: {prefix: /hash}
              route:
                cluster: ring
                hash_policy: [{header: {header_name: x-user}}]
            - match: {prefix: /retry}
              route: {cluster: flaky, retry_policy: {retry_on: 5xx, num_retries: 2}}
            - match: {prefix: /outlier}
              route: {cluster: outlier}
            - match: {prefix: /limited}
              route: {cluster: echo}
              typed_per_filter_config:
                envoy.filters.http.local_ratelimit:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                  stat_prefix: http_local_rate_limiter
                  token_bucket: {max_tokens: 2, tokens_per_fill: 1, fill_interval: 60s}
                  filter_enabled: {default_value: {numerator: 100, denominator: HUNDRED}, runtime_key: rl_enabled}
                  filter_enforced: {default_value: {numerator: 100, denominator: HUNDRED}, runtime_key: rl_enforced}
            - match: {prefix: /cors}
              route: {cluster: echo}
              typed_per_filter_config:
                envoy.filters.http.cors:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                  allow_origin_string_match: [{exact: "https://app.example.com"}]
                  allow_methods: GET,POST
                  allow_headers: content-type
                  max_age: "600"
        http_filters:
        - name: envoy.filters.http.cors
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}
        - name: envoy.filters.http.local_ratelimit
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
            stat_prefix: http_local_rate_limiter
        - name: envoy.filters.http.router
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
${cluster('echo', [a])}
${cluster('ring', [a, b], '  lb_policy: RING_HASH\n')}
${cluster('flaky', [flaky])}
${cluster('outlier', [bad, good], '  outlier_detection: {consecutive_5xx: 2, interval: 10s, base_ejection_time: 30s, max_ejection_percent: 100}\n')}
`,
  );
  pilot = startRig(['pilot', '--xds-port', '0', '--monitoring-port', '0', '--resources', join(dir, 'resources.yaml')]);
  const xds = (await pilot.waitFor(/xDS \(ADS, plaintext\)\s+(\S+)/))[1]!;
  proxy = startRig(['proxy', '--xds', xds, '--node-id', 'router~127.0.91.1~features.default~default.svc.cluster.local', '--admin-address', '127.0.91.1', '--admin-port', '0']);
  await proxy.waitFor(/admin\s+http:\/\//);
  // Serving once the listener is bound and answers.
  const t0 = Date.now();
  while (Date.now() - t0 < 15_000) {
    const ok = await fetch(`http://${LISTEN.address}:${LISTEN.port}/direct`).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the proxy never served the listener pushed over xDS');
});

after(async () => {
  await proxy?.stop();
  await pilot?.stop();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  const r = await fetch(`http://${LISTEN.address}:${LISTEN.port}${path}`, { ...init, redirect: 'manual', signal: AbortSignal.timeout(5000) });
  const text = await r.text();
  let json: { name: string; url: string; headers: Record<string, string> } | undefined;
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
}

test('direct response, redirect, prefix rewrite and header operations from the pushed routes', async () => {
  const d = await get('/direct');
  assert.deepEqual([d.status, d.text], [200, 'direct']);
  const r = await get('/redirect/x?y=1');
  assert.equal(r.status, 301);
  assert.match(r.headers.get('location') ?? '', /^https:\/\/127\.0\.91\.1(:\d+)?\/redirect\/x\?y=1$/);
  const w = await get('/rewrite/items?q=1', { headers: { 'x-secret': 'hidden' } });
  assert.equal(w.status, 200);
  assert.equal(w.json?.url, '/rewritten/items?q=1');
  assert.equal(w.json?.headers['x-added'], 'by-route');
  assert.equal(w.json?.headers['x-secret'], undefined);
  assert.equal(w.headers.get('x-resp'), 'from-route');
});

test('retry_on 5xx recovers from a failing attempt', async () => {
  for (let i = 0; i < 4; i++) {
    const r = await get('/retry');
    assert.equal(r.status, 200, `request ${i}`);
    assert.equal(r.json?.name, 'flaky');
  }
});

test('RING_HASH with a header hash policy: a user sticks to one host; users spread over both', async () => {
  const hostOf = async (user: string) => (await get('/hash', { headers: { 'x-user': user } })).json?.name;
  const first = await hostOf('alice');
  for (let i = 0; i < 5; i++) assert.equal(await hostOf('alice'), first);
  const seen = new Set<string | undefined>();
  for (let i = 0; i < 20; i++) seen.add(await hostOf(`user-${i}`));
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});

test('outlier detection: after consecutive 5xx the bad host is ejected and only the good one answers', async () => {
  const codes: number[] = [];
  for (let i = 0; i < 6; i++) codes.push((await get('/outlier')).status);
  assert.ok(codes.includes(500), `the bad host answered before its ejection: ${codes.join(' ')}`);
  for (let i = 0; i < 10; i++) {
    const r = await get('/outlier');
    assert.equal(r.status, 200, `after ejection request ${i} got ${r.status}`);
    assert.equal(r.json?.name, 'good');
  }
});

test('the route-level local rate limit answers 429 with RL once its bucket is empty', async () => {
  const codes = [];
  for (let i = 0; i < 4; i++) {
    const r = await get('/limited');
    codes.push(r.status);
    if (r.status === 429) assert.equal(r.headers.get('x-rig-response-flags'), 'RL');
  }
  assert.deepEqual(codes, [200, 200, 429, 429]);
  assert.equal((await get('/direct')).status, 200, 'other routes are not limited');
});

test('CORS from the route: an allowed preflight is answered by the proxy, a foreign origin gets no grant', async () => {
  const ok = await get('/cors/x', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.equal(ok.headers.get('access-control-max-age'), '600');
  const simple = await get('/cors/x', { headers: { origin: 'https://app.example.com' } });
  assert.equal(simple.json?.name, 'a');
  assert.equal(simple.headers.get('access-control-allow-origin'), 'https://app.example.com');
  const foreign = await get('/cors/x', { headers: { origin: 'https://evil.example' } });
  assert.equal(foreign.headers.get('access-control-allow-origin'), null);
});
