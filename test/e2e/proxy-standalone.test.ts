// `rig proxy --config` as Envoy is run: a front-proxy bootstrap with static listeners and
// clusters routes real traffic with no control plane; a bootstrap with a field the proxy
// does not honour is refused at start with the field's path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rig, startRig, type Proc } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'rig-proxy-'));
const servers: Server[] = [];
let proxy: Proc | undefined;

after(async () => {
  await proxy?.stop();
  for (const s of servers) s.closeAllConnections?.();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

async function backend(name: string): Promise<number> {
  const s = createServer((req, res) => res.end(`${name} ${req.url}`));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

const bootstrap = (servicePort: number, extra = '') => `
node: {id: front-proxy, cluster: front}
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: 0}}
static_resources:
  listeners:
  - name: listener_0
    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
${extra}    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: local_route
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - match: {prefix: "/service/"}
                route: {cluster: service, prefix_rewrite: "/"}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: service
    type: STATIC
    connect_timeout: 0.25s
    lb_policy: ROUND_ROBIN
    load_assignment:
      cluster_name: service
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${servicePort}}}}
`;

test('a static front proxy routes traffic and serves its admin API', { timeout: 60_000 }, async () => {
  const port = await backend('service-a');
  const file = join(dir, 'front-proxy.yaml');
  writeFileSync(file, bootstrap(port));
  proxy = startRig(['proxy', '--config', file]);
  const listenerPort = (await proxy.waitFor(/listener_0=127\.0\.0\.1:(\d+)/))[1]!;
  const admin = (await proxy.waitFor(/admin\s+(http:\/\/\S+)\//))[1]!;
  const res = await fetch(`http://127.0.0.1:${listenerPort}/service/hello`);
  assert.equal(await res.text(), 'service-a /hello');
  const nr = await fetch(`http://127.0.0.1:${listenerPort}/elsewhere`);
  assert.equal(nr.status, 404);
  assert.equal(nr.headers.get('x-rig-response-flags'), 'NR');
  assert.equal((await fetch(`${admin}/ready`)).status, 200);
  assert.match(await (await fetch(`${admin}/stats`)).text(), /cluster\.service\.upstream_rq_2xx: 1/);
  assert.equal(await proxy.stop(), 0);
  proxy = undefined;
});

test('a bootstrap with a listener filter the proxy does not honour is refused with its path', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, bootstrap(9, `    listener_filters:
    - name: envoy.filters.listener.proxy_protocol
      typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}
`));
  const r = await rig(['proxy', '--config', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.yaml cannot be used/);
  assert.match(r.stderr, /static_resources\.listeners\[0\]\.listener_filters\[0\]/);
});
