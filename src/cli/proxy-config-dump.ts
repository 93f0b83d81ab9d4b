// Reading an Envoy config_dump (the proxy admin's /config_dump, or the control plane's
// per-proxy view converted to the same shape) into the rows `rig proxy-config` prints,
// with istioctl's columns. Pure functions over JSON: no I/O here.
import { X509Certificate } from 'node:crypto';

type Json = Record<string, unknown>;

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

export interface ConfigDump {
  configs: Json[];
}

function obj(v: unknown): Json {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}
/** Code-point order: the same on every machine, whatever its locale. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function section(dump: ConfigDump, type: string): Json | undefined {
  return dump.configs.find((c) => c['@type'] === `${ADMIN}${type}`);
}

export function listenersOf(dump: ConfigDump): Json[] {
  const s = obj(section(dump, 'ListenersConfigDump'));
  return [...arr(s.static_listeners).map((l) => obj(obj(l).listener)), ...arr(s.dynamic_listeners).map((l) => obj(obj(obj(l).active_state).listener))];
}
export function clustersOf(dump: ConfigDump): Json[] {
  const s = obj(section(dump, 'ClustersConfigDump'));
  return [...arr(s.static_clusters), ...arr(s.dynamic_active_clusters)].map((c) => obj(obj(c).cluster));
}
export function routeConfigsOf(dump: ConfigDump): Json[] {
  const s = obj(section(dump, 'RoutesConfigDump'));
  return [...arr(s.static_route_configs), ...arr(s.dynamic_route_configs)].map((r) => obj(obj(r).route_config));
}
export function endpointConfigsOf(dump: ConfigDump): Json[] {
  const s = obj(section(dump, 'EndpointsConfigDump'));
  return [...arr(s.static_endpoint_configs), ...arr(s.dynamic_endpoint_configs)].map((e) => obj(obj(e).endpoint_config));
}
/** Secrets, or undefined when the dump has no secrets section (the proxy does not dump them). */
export function secretsOf(dump: ConfigDump): Json[] | undefined {
  const s = section(dump, 'SecretsConfigDump');
  if (!s) return undefined;
  return [...arr(s.static_secrets), ...arr(s.dynamic_active_secrets)].map((x) => obj(obj(x).secret));
}

/** The control plane's `/debug/config_dump` answer ({CDS: [...], LDS: [...], …}) in Envoy's config_dump shape. */
export function fromControlPlaneView(view: Record<string, unknown>): ConfigDump {
  const list = (k: string) => arr(view[k]).map(obj);
  const typed = (t: string, r: Json) => ({ '@type': `type.googleapis.com/${t}`, ...Object.fromEntries(Object.entries(r).filter(([k]) => k !== '@type')) });
  return {
    configs: [
      { '@type': `${ADMIN}ListenersConfigDump`, dynamic_listeners: list('LDS').map((l) => ({ name: str(l.name), active_state: { listener: typed('envoy.config.listener.v3.Listener', l) } })) },
      { '@type': `${ADMIN}ClustersConfigDump`, dynamic_active_clusters: list('CDS').map((c) => ({ cluster: typed('envoy.config.cluster.v3.Cluster', c) })) },
      { '@type': `${ADMIN}RoutesConfigDump`, dynamic_route_configs: list('RDS').map((r) => ({ route_config: typed('envoy.config.route.v3.RouteConfiguration', r) })) },
      { '@type': `${ADMIN}EndpointsConfigDump`, dynamic_endpoint_configs: list('EDS').map((e) => ({ endpoint_config: typed('envoy.config.endpoint.v3.ClusterLoadAssignment', e) })) },
      { '@type': `${ADMIN}SecretsConfigDump`, dynamic_active_secrets: list('SDS').map((s) => ({ name: str(s.name), secret: typed('envoy.extensions.transport_sockets.tls.v3.Secret', s) })) },
    ],
  };
}

/** `/apis/…/namespaces/NS/destination-rule/NAME` → `NAME.NS`. */
function configRef(meta: unknown): string {
  const path = str(obj(obj(obj(meta).filterMetadata).istio).config);
  const m = path.match(/\/namespaces\/([^/]+)\/[^/]+\/([^/]+)$/);
  return m ? `${m[2]}.${m[1]}` : '';
}

// --- clusters ----------------------------------------------------------------------------

export interface ClusterRow {
  name: string;
  fqdn: string;
  port: number | undefined;
  subset: string;
  direction: string;
  type: string;
  destinationRule: string;
}

export function clusterRows(dump: ConfigDump): ClusterRow[] {
  return clustersOf(dump)
    .map((c): ClusterRow => {
      const name = str(c.name);
      const parts = name.split('|');
      const parsed = parts.length === 4 && (parts[0] === 'inbound' || parts[0] === 'outbound') && /^\d+$/.test(parts[1]!);
      const custom = str(obj(c.clusterType).name);
      return {
        name,
        fqdn: parsed ? parts[3] || name : name,
        port: parsed ? Number(parts[1]) : undefined,
        subset: parsed ? parts[2]! : '',
        direction: parsed ? parts[0]! : '',
        type: custom || str(c.type) || 'STATIC',
        destinationRule: configRef(c.metadata),
      };
    })
    .sort((a, b) => cmp(a.fqdn, b.fqdn) || (a.port ?? 0) - (b.port ?? 0) || cmp(a.subset, b.subset) || cmp(a.direction, b.direction));
}

export const CLUSTER_HEADERS = ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'];
export function clusterCells(r: ClusterRow): string[] {
  return [r.fqdn, r.port === undefined ? '-' : String(r.port), r.subset || '-', r.direction || '-', r.type, r.destinationRule || '-'];
}

// --- listeners ---------------------------------------------------------------------------

export interface ListenerRow {
  name: string;
  address: string;
  port: number;
  match: string;
  destination: string;
}

function describeMatch(m: Json): string {
  const parts: string[] = [];
  const ranges = arr(m.prefixRanges).map((r) => `${str(obj(r).addressPrefix)}/${str(obj(r).prefixLen) || '32'}`);
  if (ranges.length || m.destinationPort !== undefined) parts.push(`Addr: ${ranges.length ? ranges.join(',') : '*'}:${m.destinationPort ?? '*'}`);
  const sni = arr(m.serverNames).map(str);
  if (sni.length) parts.push(`SNI: ${sni.join(',')}`);
  if (m.transportProtocol) parts.push(`Trans: ${str(m.transportProtocol)}`);
  const app = arr(m.applicationProtocols).map(str);
  if (app.length) parts.push(`App: ${app.join(',')}`);
  return parts.length ? parts.join('; ') : 'ALL';
}

function describeDestination(filters: unknown[]): string {
  for (const f of filters.map(obj)) {
    const cfg = obj(f.typedConfig);
    const type = str(cfg['@type']);
    if (f.name === 'envoy.filters.network.http_connection_manager' || type.endsWith('.HttpConnectionManager')) {
      const rds = str(obj(cfg.rds).routeConfigName);
      if (rds) return `Route: ${rds}`;
      const inline = str(obj(cfg.routeConfig).name);
      return `Inline Route: ${inline || '(unnamed)'}`;
    }
    if (f.name === 'envoy.filters.network.tcp_proxy' || type.endsWith('.TcpProxy')) {
      const cluster = str(cfg.cluster);
      if (cluster === 'PassthroughCluster' || cluster === 'BlackHoleCluster') return cluster;
      if (cluster) return `Cluster: ${cluster}`;
      const weighted = arr(obj(cfg.weightedClusters).clusters).map((c) => str(obj(c).name));
      if (weighted.length) return `WeightedCluster: ${weighted.join(',')}`;
    }
  }
  return 'Non-HTTP/Non-TCP';
}

export function listenerRows(dump: ConfigDump): ListenerRow[] {
  const rows: ListenerRow[] = [];
  for (const l of listenersOf(dump)) {
    const sock = obj(obj(l.address).socketAddress);
    const address = str(sock.address) || str(obj(obj(l.address).pipe).path);
    const port = Number(sock.portValue ?? 0);
    const chains = arr(l.filterChains).map(obj);
    if (l.defaultFilterChain) chains.push(obj(l.defaultFilterChain));
    if (chains.length === 0) rows.push({ name: str(l.name), address, port, match: 'ALL', destination: 'Non-HTTP/Non-TCP' });
    for (const fc of chains) rows.push({ name: str(l.name), address, port, match: describeMatch(obj(fc.filterChainMatch)), destination: describeDestination(arr(fc.filters)) });
  }
  // Chains keep their order within a listener: the first that matches wins.
  return rows.sort((a, b) => a.port - b.port || cmp(a.address, b.address));
}

export const LISTENER_HEADERS = ['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'];
export function listenerCells(r: ListenerRow): string[] {
  return [r.address, String(r.port), r.match, r.destination];
}

// --- routes ------------------------------------------------------------------------------

export interface RouteRow {
  name: string;
  vhost: string;
  domains: string;
  match: string;
  virtualService: string;
}

/** The shortest portless domain, `+ N more...` when there are others (as istioctl shortens them). */
export function describeDomains(domains: readonly string[]): string {
  const plain = [...new Set(domains.filter((d) => d === '*' || !/:\d+$/.test(d)))].sort((a, b) => a.length - b.length || cmp(a, b));
  if (plain.length === 0) return domains[0] ?? '';
  return plain.length === 1 ? plain[0]! : `${plain[0]} + ${plain.length - 1} more...`;
}

function describeRouteMatch(m: Json): string {
  let path: string;
  if (m.prefix !== undefined) path = `${str(m.prefix) || '/'}${str(m.prefix).endsWith('*') ? '' : '*'}`;
  else if (m.path !== undefined) path = str(m.path);
  else if (m.safeRegex !== undefined) path = `regex ${str(obj(m.safeRegex).regex)}`;
  else if (m.pathSeparatedPrefix !== undefined) path = `${str(m.pathSeparatedPrefix)}/*`;
  else path = '/*';
  const headers = arr(m.headers).map((h) => str(obj(h).name)).filter(Boolean);
  return headers.length ? `${path} (headers: ${headers.join(',')})` : path;
}

/** Route configurations from RDS and those inlined in listeners' HTTP connection managers. */
function allRouteConfigs(dump: ConfigDump): Json[] {
  const out = new Map<string, Json>();
  for (const rc of routeConfigsOf(dump)) out.set(str(rc.name), rc);
  for (const l of listenersOf(dump)) {
    for (const fc of arr(l.filterChains).map(obj)) {
      for (const f of arr(fc.filters).map(obj)) {
        const rc = obj(obj(f.typedConfig).routeConfig);
        if (Object.keys(rc).length && !out.has(str(rc.name))) out.set(str(rc.name), rc);
      }
    }
  }
  return [...out.values()];
}

export function routeRows(dump: ConfigDump): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const rc of allRouteConfigs(dump)) {
    const vhosts = arr(rc.virtualHosts).map(obj);
    if (vhosts.length === 0) rows.push({ name: str(rc.name), vhost: '', domains: '', match: '', virtualService: '' });
    for (const vh of vhosts) {
      const domains = describeDomains(arr(vh.domains).map(str));
      for (const r of arr(vh.routes).map(obj)) {
        rows.push({ name: str(rc.name), vhost: str(vh.name), domains, match: describeRouteMatch(obj(r.match)), virtualService: configRef(r.metadata) });
      }
    }
  }
  return rows.sort((a, b) => cmp(a.name, b.name) || cmp(a.vhost, b.vhost));
}

export const ROUTE_HEADERS = ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'];
export function routeCells(r: RouteRow): string[] {
  return [r.name, r.vhost || '-', r.domains || '-', r.match || '-', r.virtualService || '-'];
}

// --- endpoints ---------------------------------------------------------------------------

export interface EndpointRow {
  endpoint: string;
  status: string;
  outlierCheck: string;
  cluster: string;
}

/** From the admin API's /clusters text (`cluster::host::health_flags::flags`). */
export function endpointRowsFromClustersText(text: string): EndpointRow[] {
  const rows: EndpointRow[] = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^(.*?)::(.+)::health_flags::(.*)$/);
    if (!m) continue;
    const flags = m[3]!.trim();
    rows.push({ endpoint: m[2]!, status: flags === 'healthy' ? 'HEALTHY' : 'UNHEALTHY', outlierCheck: /failed_outlier_check/.test(flags) ? 'FAILED' : 'OK', cluster: m[1]! });
  }
  return sortEndpoints(rows);
}

/** From ClusterLoadAssignments (EDS), and the inline load assignments of static clusters. */
export function endpointRowsFromDump(dump: ConfigDump): EndpointRow[] {
  const rows: EndpointRow[] = [];
  const add = (cla: Json, fallbackName: string) => {
    const cluster = str(cla.clusterName) || fallbackName;
    for (const group of arr(cla.endpoints).map(obj)) {
      for (const lb of arr(group.lbEndpoints).map(obj)) {
        const sock = obj(obj(obj(lb.endpoint).address).socketAddress);
        const health = str(lb.healthStatus) || 'HEALTHY';
        rows.push({ endpoint: `${str(sock.address)}:${str(sock.portValue)}`, status: health === 'UNKNOWN' ? 'HEALTHY' : health, outlierCheck: 'OK', cluster });
      }
    }
  };
  for (const cla of endpointConfigsOf(dump)) add(cla, '');
  for (const c of clustersOf(dump)) if (c.loadAssignment) add(obj(c.loadAssignment), str(c.name));
  return sortEndpoints(rows);
}

function sortEndpoints(rows: EndpointRow[]): EndpointRow[] {
  return rows.sort((a, b) => cmp(a.endpoint, b.endpoint) || cmp(a.cluster, b.cluster));
}

export const ENDPOINT_HEADERS = ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'];
export function endpointCells(r: EndpointRow): string[] {
  return [r.endpoint, r.status, r.outlierCheck, r.cluster];
}

// --- secrets -----------------------------------------------------------------------------

export interface SecretRow {
  name: string;
  type: string;
  status: string;
  valid: string;
  serial: string;
  notAfter: string;
  notBefore: string;
}

function pemOf(source: unknown): string {
  const s = obj(source);
  if (typeof s.inlineString === 'string') return s.inlineString;
  if (typeof s.inlineBytes === 'string') return Buffer.from(s.inlineBytes, 'base64').toString('utf8');
  return '';
}

export function secretRows(secrets: readonly Json[], now: Date = new Date()): SecretRow[] {
  return secrets
    .map((s): SecretRow => {
      const tls = obj(s.tlsCertificate);
      const vc = obj(s.validationContext);
      const isRoot = !s.tlsCertificate && !!s.validationContext;
      const pem = isRoot ? pemOf(vc.trustedCa) : pemOf(tls.certificateChain);
      const base = { name: str(s.name), type: isRoot ? 'ROOTCA' : 'Cert Chain', status: 'ACTIVE' };
      try {
        const cert = new X509Certificate(pem);
        const from = new Date(cert.validFrom);
        const to = new Date(cert.validTo);
        return { ...base, valid: String(from <= now && now <= to), serial: cert.serialNumber.toLowerCase(), notAfter: to.toISOString(), notBefore: from.toISOString() };
      } catch {
        return { ...base, valid: 'false', serial: '', notAfter: '', notBefore: '' };
      }
    })
    .sort((a, b) => cmp(a.name, b.name));
}

export const SECRET_HEADERS = ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE'];
export function secretCells(r: SecretRow): string[] {
  return [r.name, r.type, r.status, r.valid, r.serial || '-', r.notAfter || '-', r.notBefore || '-'];
}
