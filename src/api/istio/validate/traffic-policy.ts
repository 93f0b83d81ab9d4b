// DestinationRule traffic policies: load balancing (simple, consistent hash, locality,
// warmup), connection pools, outlier detection, client TLS, per-port settings, tunnels,
// PROXY protocol and retry budgets. Connection pools are shared with Sidecar.
import type { ErrorCollector } from '../../../shared/result.js';
import type { ClientTLSSettings, ConnectionPoolSettings, LoadBalancerSettings, LocalityLoadBalancerSetting, OutlierDetection, TrafficPolicy } from '../networking.js';
import { checkDuration, checkPercentInt, checkPort, each } from './common.js';
import { bool, double, duration, enumOf, int32, list, map, object, string, stringList, uint32, uint64 } from './shape.js';
import { ClientTLSSettings as ClientTLSShape, ConnectionPoolSettings as ConnectionPoolShape, PortSelector } from './shapes.js';
import { checkFQDN, isIPAddress } from './values.js';

const LoadBalancerShape = object(
  {
    simple: enumOf('UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'),
    consistentHash: object(
      {
        httpHeaderName: string,
        httpCookie: object({ name: string, path: string, ttl: duration, attributes: list(object({ name: string, value: string }, { required: ['name'] })) }, { required: ['name'] }),
        useSourceIp: bool,
        httpQueryParameterName: string,
        ringHash: object({ minimumRingSize: uint64 }),
        maglev: object({ tableSize: uint64 }),
        minimumRingSize: uint64,
      },
      { oneofs: [['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'], ['ringHash', 'maglev']] },
    ),
    localityLbSetting: object({
      distribute: list(object({ from: string, to: map(uint32) })),
      failover: list(object({ from: string, to: string })),
      failoverPriority: stringList,
      enabled: bool,
    }),
    warmupDurationSecs: duration,
    warmup: object({ duration: duration, minimumPercent: double, aggression: double }, { required: ['duration'] }),
  },
  { oneofs: [['simple', 'consistentHash']] },
);

const OutlierDetectionShape = object({
  splitExternalLocalOriginErrors: bool,
  consecutiveLocalOriginFailures: uint32,
  consecutiveGatewayErrors: uint32,
  consecutive5xxErrors: uint32,
  consecutiveErrors: int32,
  interval: duration,
  baseEjectionTime: duration,
  maxEjectionPercent: int32,
  minHealthPercent: int32,
});

export const TrafficPolicyShape = object({
  loadBalancer: LoadBalancerShape,
  connectionPool: ConnectionPoolShape,
  outlierDetection: OutlierDetectionShape,
  tls: ClientTLSShape,
  portLevelSettings: list(object({ port: PortSelector, loadBalancer: LoadBalancerShape, connectionPool: ConnectionPoolShape, outlierDetection: OutlierDetectionShape, tls: ClientTLSShape })),
  tunnel: object({ protocol: string, targetHost: string, targetPort: uint32 }, { required: ['targetHost', 'targetPort'] }),
  proxyProtocol: object({ version: enumOf('V1', 'V2') }),
  retryBudget: object({ percent: double, minRetryConcurrency: uint32 }),
});

// Fields newer than the types in networking.ts.
type LoadBalancer = LoadBalancerSettings & { warmup?: { duration: string; minimumPercent?: number; aggression?: number } };
type Policy = TrafficPolicy & { loadBalancer?: LoadBalancer; retryBudget?: { percent?: number; minRetryConcurrency?: number } };

export function checkConnectionPool(e: ErrorCollector, field: string, pool: ConnectionPoolSettings | undefined): void {
  if (!pool) return;
  if (!pool.http && !pool.tcp) {
    e.add(field, 'connection pool must have at least one field (tcp or http)');
    return;
  }
  const nonNegative = (f: string, v: number | undefined) => {
    if (v !== undefined && v < 0) e.add(f, `must be non-negative, got ${v}`);
  };
  const h = pool.http;
  if (h) {
    const at = `${field}.http`;
    for (const k of ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams'] as const) nonNegative(`${at}.${k}`, h[k]);
    checkDuration(e, `${at}.idleTimeout`, h.idleTimeout);
    if (h.h2UpgradePolicy === 'UPGRADE' && h.useClientProtocol) e.add(`${at}.useClientProtocol`, 'must not be true when h2UpgradePolicy is UPGRADE');
  }
  const t = pool.tcp;
  if (t) {
    const at = `${field}.tcp`;
    nonNegative(`${at}.maxConnections`, t.maxConnections);
    checkDuration(e, `${at}.connectTimeout`, t.connectTimeout);
    checkDuration(e, `${at}.maxConnectionDuration`, t.maxConnectionDuration);
    checkDuration(e, `${at}.idleTimeout`, t.idleTimeout);
    checkDuration(e, `${at}.tcpKeepalive.time`, t.tcpKeepalive?.time);
    checkDuration(e, `${at}.tcpKeepalive.interval`, t.tcpKeepalive?.interval);
  }
}

function checkOutlierDetection(e: ErrorCollector, field: string, o: OutlierDetection | undefined): void {
  if (!o) return;
  checkDuration(e, `${field}.baseEjectionTime`, o.baseEjectionTime);
  checkDuration(e, `${field}.interval`, o.interval);
  if (!o.splitExternalLocalOriginErrors && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
    e.add(`${field}.consecutiveLocalOriginFailures`, 'is set, but splitExternalLocalOriginErrors is false');
  }
  checkPercentInt(e, `${field}.maxEjectionPercent`, o.maxEjectionPercent);
  checkPercentInt(e, `${field}.minHealthPercent`, o.minHealthPercent);
}

/** Envoy's primality test for Maglev table sizes. */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}

function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** Localities "region[/zone[/subzone]]", '*' only at the end, no overlaps. */
function checkLocalities(localities: readonly string[]): string | undefined {
  const regions = new Map<string, Map<string, Set<string>>>();
  for (const loc of localities) {
    const stars = loc.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !loc.endsWith('*'))) return `locality ${loc}: wildcard '*' may appear once, at the end`;
    const overlap = `locality ${loc} overlaps with a previous one`;
    if (regions.has('*')) return overlap;
    const [region, zone, sub] = splitN(loc, '/', 3);
    if ([region, zone, sub].some((p) => p === '')) return `locality ${loc} must not contain empty region/zone/subzone info`;
    const zones = regions.get(region!);
    if (zone === undefined) {
      if (zones) return overlap;
      regions.set(region!, new Map([['*', new Set(['*'])]]));
    } else if (!zones) {
      regions.set(region!, new Map([[zone, new Set([sub ?? '*'])]]));
    } else {
      if (zones.has('*')) return overlap;
      const subs = zones.get(zone);
      if (sub === undefined) {
        if (subs) return overlap;
        zones.set(zone, new Set(['*']));
      } else if (!subs) zones.set(zone, new Set([sub]));
      else {
        if (subs.has('*') || subs.has(sub)) return overlap;
        subs.add(sub);
      }
    }
  }
  return undefined;
}

const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

function checkLocalityLb(e: ErrorCollector, field: string, lb: LocalityLoadBalancerSetting | undefined): void {
  if (!lb) return;
  const distribute = lb.distribute ?? [];
  const failover = lb.failover ?? [];
  if (distribute.length > 0 && failover.length > 0) {
    e.add(field, "can not simultaneously specify 'distribute' and 'failover'");
    return;
  }
  if (failover.length > 0) {
    const topo = (lb.failoverPriority ?? []).find((l) => TOPOLOGY_LABELS.includes(l));
    if (topo) e.add(`${field}.failoverPriority`, `can not simultaneously set 'failover' and topology label '${topo}' in 'failoverPriority'`);
  }
  each(distribute, e, `${field}.distribute`, (d, de) => {
    const weights = Object.values(d.to ?? {});
    if (weights.some((w) => w < 1 || w > 100)) de.add('to', 'locality weight must be in range [1, 100]');
    else if (weights.reduce((a, b) => a + b, 0) !== 100) de.add('to', `total locality weight ${weights.reduce((a, b) => a + b, 0)} != 100`);
    const err = checkLocalities(Object.keys(d.to ?? {}));
    if (err) de.add('to', err);
  });
  const srcErr = checkLocalities(distribute.map((d) => d.from ?? ''));
  if (srcErr) e.add(`${field}.distribute`, srcErr);
  each(failover, e, `${field}.failover`, (f, fe) => {
    if (f.from === f.to) fe.add('', 'locality lb failover settings must specify different regions');
    if (f.from?.includes('/') || f.to?.includes('/')) fe.add('', 'locality lb failover only specifies regions');
    if (f.from?.includes('*') || f.to?.includes('*')) fe.add('', "locality lb failover region should not contain '*' wildcard");
  });
}

function checkLoadBalancer(e: ErrorCollector, field: string, lb: LoadBalancer | undefined): void {
  if (!lb) return;
  const ch = lb.consistentHash;
  if (ch) {
    const at = `${field}.consistentHash`;
    const keys = [ch.httpHeaderName, ch.httpCookie, ch.useSourceIp, ch.httpQueryParameterName].filter((k) => k !== undefined);
    if (keys.length === 0) e.add(at, 'must set one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName');
    if (ch.httpCookie?.name === '') e.add(`${at}.httpCookie.name`, 'name required for httpCookie');
    if (ch.minimumRingSize !== undefined && (ch.ringHash || ch.maglev)) e.add(`${at}.minimumRingSize`, 'only one of minimumRingSize or maglev/ringHash can be specified');
    const maglev = ch.maglev;
    if (maglev) {
      const size = maglev.tableSize ?? 0;
      if (size === 0) e.add(`${at}.maglev.tableSize`, 'tableSize must be set for maglev');
      else if (size >= 5000011) e.add(`${at}.maglev.tableSize`, 'tableSize must be less than 5000011 for maglev');
      else if (!isPrime(size)) e.add(`${at}.maglev.tableSize`, `tableSize must be a prime number for maglev, got ${size}`);
    }
  }
  checkLocalityLb(e, `${field}.localityLbSetting`, lb.localityLbSetting);
  checkDuration(e, `${field}.warmupDurationSecs`, lb.warmupDurationSecs);
  if (lb.warmup) {
    checkDuration(e, `${field}.warmup.duration`, lb.warmup.duration);
    checkPercentInt(e, `${field}.warmup.minimumPercent`, lb.warmup.minimumPercent);
    if (lb.warmup.aggression !== undefined && lb.warmup.aggression <= 0) e.add(`${field}.warmup.aggression`, `must be greater than 0, got ${lb.warmup.aggression}`);
  }
}

/** Client-side TLS (DestinationRule): MUTUAL needs a certificate and key unless credentialName is set. */
function checkClientTLS(e: ErrorCollector, field: string, tls: ClientTLSSettings | undefined): void {
  if (!tls) return;
  if (tls.insecureSkipVerify) {
    if (tls.mode === 'SIMPLE' && (tls.caCertificates || tls.credentialName || tls.subjectAltNames)) {
      e.add(`${field}.insecureSkipVerify`, 'cannot specify caCertificates, credentialName or subjectAltNames when insecureSkipVerify is true');
    }
    if (tls.mode === 'MUTUAL' && (tls.caCertificates || tls.subjectAltNames)) e.add(`${field}.insecureSkipVerify`, 'cannot specify caCertificates or subjectAltNames when insecureSkipVerify is true');
  }
  if ((tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL') && tls.credentialName) {
    if (tls.clientCertificate || tls.caCertificates || tls.privateKey || tls.caCrl) {
      e.add(`${field}.credentialName`, 'cannot specify clientCertificate, privateKey, caCertificates or caCrl when credentialName is set');
    }
    return;
  }
  if (tls.mode === 'MUTUAL') {
    if (!tls.clientCertificate) e.add(`${field}.clientCertificate`, 'client certificate required for mutual tls (or set credentialName)');
    if (!tls.privateKey) e.add(`${field}.privateKey`, 'private key required for mutual tls (or set credentialName)');
  }
}

function checkPolicyParts(e: ErrorCollector, field: string, p: Omit<Policy, 'portLevelSettings' | 'tunnel' | 'proxyProtocol' | 'retryBudget'>): void {
  checkOutlierDetection(e, `${field}.outlierDetection`, p.outlierDetection);
  checkConnectionPool(e, `${field}.connectionPool`, p.connectionPool);
  checkLoadBalancer(e, `${field}.loadBalancer`, p.loadBalancer);
  checkClientTLS(e, `${field}.tls`, p.tls);
}

export function checkTrafficPolicy(e: ErrorCollector, field: string, policy: TrafficPolicy | undefined): void {
  const p = policy as Policy | undefined;
  if (!p) return;
  if (Object.keys(p).length === 0) {
    e.add(field, 'traffic policy must have at least one field');
    return;
  }
  if (p.tunnel && p.proxyProtocol) e.add(field, 'tunnel and proxyProtocol must not be set together');
  checkPolicyParts(e, field, p);
  each(p.portLevelSettings, e, `${field}.portLevelSettings`, (pl, ple, i) => {
    if (!pl.port) ple.add('port', 'required: a port-level traffic policy must name its port');
    else checkPort(ple, 'port.number', pl.port.number ?? 0);
    if (!pl.outlierDetection && !pl.connectionPool && !pl.loadBalancer && !pl.tls) ple.add('', 'port traffic policy must have at least one of loadBalancer, connectionPool, outlierDetection, tls');
    checkPolicyParts(e, `${field}.portLevelSettings[${i}]`, pl as Policy);
  });
  if (p.tunnel) {
    const t = p.tunnel;
    if (t.protocol && t.protocol !== 'CONNECT' && t.protocol !== 'POST') e.add(`${field}.tunnel.protocol`, `tunnel protocol must be "CONNECT" or "POST", got "${t.protocol}"`);
    if (checkFQDN(t.targetHost) && !isIPAddress(t.targetHost)) e.add(`${field}.tunnel.targetHost`, `tunnel target host must be a valid FQDN or IP address, got "${t.targetHost}"`);
    checkPort(e, `${field}.tunnel.targetPort`, t.targetPort);
  }
  const budget = p.retryBudget;
  if (budget?.percent !== undefined && (budget.percent < 0 || budget.percent > 100)) e.add(`${field}.retryBudget.percent`, `must be in the range 0..100, got ${budget.percent}`);
}
