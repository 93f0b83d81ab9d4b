// proxy-status: names from node ids, finding a proxy, the table and the per-proxy detail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findProxy, latestPerNode, proxyIp, proxyName, statusDetail, statusTable, type ProxyEntry } from './proxy-status.js';

function entry(nodeId: string, n: number, types: ProxyEntry['types'], connectedAt = `2026-01-01T00:00:0${n}.000Z`): ProxyEntry {
  return { connectionId: `${nodeId}-${n}`, nodeId, cluster: '', metadata: {}, peer: '127.0.0.1:5000', userAgent: 'rigging/1.2.3', connectedAt, types };
}
const synced = (n: number) => ({ state: 'SYNCED' as const, subscribed: '*' as const, version: `v${n}`, ackedVersion: `v${n}`, nonce: String(n), resources: n, bytes: 10 });
const PP = 'sidecar~127.0.5.1~productpage-v1-1.default~default.svc.cluster.local';
const GW = 'router~127.0.9.1~rig-ingressgateway-1.rig-system~rig-system.svc.cluster.local';

test("names and IPs come from Istio's node id; other ids stand for themselves", () => {
  assert.equal(proxyName(PP), 'productpage-v1-1.default');
  assert.equal(proxyIp(PP), '127.0.5.1');
  assert.equal(proxyName('test-node'), 'test-node');
  assert.equal(proxyIp('test-node'), undefined);
});

test('a proxy is found by pod.namespace, node id, or pod name in a namespace; the newest connection counts', () => {
  const old = entry(PP, 1, {}, '2026-01-01T00:00:01.000Z');
  const now = entry(PP, 2, {}, '2026-01-01T00:00:05.000Z');
  const gw = entry(GW, 3, {});
  const list = [old, gw, now];
  assert.equal(latestPerNode(list).length, 2);
  assert.equal(findProxy(list, 'productpage-v1-1.default'), now);
  assert.equal(findProxy(list, PP), now);
  assert.equal(findProxy(list, 'productpage-v1-1'), now);
  assert.equal(findProxy(list, 'rig-ingressgateway-1'), undefined);
  assert.equal(findProxy(list, 'rig-ingressgateway-1', 'rig-system'), gw);
});

test('the table has istioctl columns, one row per proxy, sorted by name', () => {
  const nack = { state: 'NACKED' as const, subscribed: ['x'], version: 'v9', nonce: '9', resources: 1, bytes: 5, nack: { version: 'v8', nonce: '9', message: 'cluster "x": connect_timeout: must be positive' } };
  const out = statusTable([entry(PP, 1, { CDS: synced(1), LDS: synced(2), EDS: nack }), entry(GW, 2, { CDS: synced(1) })], '127.0.0.1:15014');
  const lines = out.trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+ECDS\s+ISTIOD\s+VERSION$/);
  assert.match(lines[1]!, /^productpage-v1-1\.default\s+local\s+SYNCED\s+SYNCED\s+NACKED\s+NOT SENT\s+NOT SENT\s+127\.0\.0\.1:15014\s+1\.2\.3$/);
  assert.match(lines[2]!, /^rig-ingressgateway-1\.rig-system\s+local\s+SYNCED\s+NOT SENT/);
  const detail = statusDetail(entry(PP, 1, { CDS: synced(1), EDS: nack }), '127.0.0.1:15014');
  assert.match(detail, /^EDS\s+NACKED\s+1\s+v9/m);
  assert.match(detail, /EDS NACKED: the proxy rejected the response with nonce 9 and keeps its last accepted config \(version v8\):\n  cluster "x": connect_timeout: must be positive/);
});
