// The proxy's admin API (port 15000, bound to the pod's address only):
//   /ready /server_info /config_dump /clusters /stats /stats/prometheus /listeners
//   /drain_listeners (POST) /quitquitquit (POST) /logging
// config_dump follows Envoy's shape: { configs: [ {"@type": …ListenersConfigDump, …}, … ] }.
// With worker processes (--concurrency N), /stats sums the workers' counters and gauges
// (histograms stay per worker), /server_info lists the workers and their request counts, and
// /clusters and /listeners show the first worker's.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toJson } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { ClusterSchema } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteConfigurationSchema } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import { ClusterLoadAssignmentSchema } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Registry } from '@bufbuild/protobuf';
import type { Proxy } from '../proxy.js';
import { VERSION } from '../../shared/version.js';
import { setLogLevel, type Level } from '../../shared/log.js';
import { StatsStore, statsJson, statsPrometheus, statsText } from '../stats/index.js';
import type { WorkerInfo } from '../workers/pool.js';
import { statSamples } from '../stats/samples.js';

/** The worker processes of `rig proxy --concurrency N`, as the primary's admin API sees them. */
export interface AdminWorkers {
  reports(): Promise<WorkerInfo[]>;
  drainListeners(): void;
  setLogLevel(level: Level): void;
}

export interface AdminOptions {
  proxy: Proxy;
  nodeId: string;
  ready: () => boolean;
  versions: () => Record<string, string>;
  /** Graceful exit (drain then stop). */
  quit: () => void;
  startedAt: number;
  /** With workers, traffic stats, clusters and listeners come from their reports. */
  workers?: AdminWorkers;
}

const T = 'type.googleapis.com/envoy.admin.v3.';

/** The primary's own stats plus every worker's, summed by name (histograms bucket by bucket). */
function mergedStats(own: StatsStore, workers: WorkerInfo[]): StatsStore {
  const store = new StatsStore();
  const samples = statSamples(own.snapshot());
  for (const w of workers) samples.push(...(w.report?.stats ?? []));
  for (const x of samples) {
    if (x.kind === 'histogram') store.histogram(x.name, x.unit, x.bounds).merge(x);
    else if (x.kind === 'counter') store.counter(x.name).add(x.value);
    else store.gauge(x.name).add(x.value);
  }
  return store;
}

/** A worker's requests served: its connection managers' downstream_rq_total. */
function requestsOf(w: WorkerInfo): number {
  let n = 0;
  for (const x of w.report?.stats ?? []) if (x.kind === 'counter' && /^http\..*\.downstream_rq_total$/.test(x.name)) n += x.value;
  return n;
}

/**
 * The workers' /clusters texts as one: the lines of the first, with every `::cx_active::`
 * count the sum over all workers (limits, weights and health are the same config in each).
 */
export function mergedClustersText(texts: readonly string[]): string {
  if (texts.length === 0) return '\n';
  const sums = new Map<string, number>();
  for (const t of texts) {
    for (const line of t.split('\n')) {
      const i = line.lastIndexOf('::');
      if (i < 0 || !line.slice(0, i).endsWith('::cx_active')) continue;
      const key = line.slice(0, i);
      sums.set(key, (sums.get(key) ?? 0) + (Number(line.slice(i + 2)) || 0));
    }
  }
  return texts[0]!
    .split('\n')
    .map((line) => {
      const i = line.lastIndexOf('::');
      const sum = i < 0 ? undefined : sums.get(line.slice(0, i));
      return sum === undefined ? line : `${line.slice(0, i)}::${sum}`;
    })
    .join('\n');
}

/** GET /clusters: each cluster's circuit breaker limits, then each host's connections, weight, health. */
export function clustersText(p: Proxy): string {
  const lines: string[] = [];
  for (const c of p.clusterList()) {
    lines.push(`${c.name}::default_priority::max_connections::${c.breakers.maxConnections}`, `${c.name}::default_priority::max_pending_requests::${c.breakers.maxPending}`, `${c.name}::default_priority::max_requests::${c.breakers.maxRequests}`, `${c.name}::default_priority::max_retries::${c.breakers.maxRetries}`);
    for (const h of c.allHosts()) {
      lines.push(`${c.name}::${h.key}::cx_active::${c.connectionsTo(h.key)}`, `${c.name}::${h.key}::weight::${h.weight}`, `${c.name}::${h.key}::health_flags::${h.healthy ? 'healthy' : '/failed_eds_health'}`);
    }
  }
  return lines.join('\n') + '\n';
}

let registry: Promise<Registry> | undefined;
/** Every generated Envoy type, imported on first use (≈ 25 MB of heap a sidecar only pays when dumped). */
function fullRegistry(): Promise<Registry> {
  registry ??= import('../../api/gen/registry.js').then((m) => m.envoyRegistry);
  return registry;
}

export class AdminServer {
  private server: Server | undefined;
  constructor(private readonly o: AdminOptions) {
    const live = o.proxy.stats.gauge('server.live');
    o.proxy.stats.addCollector(() => live.set(o.ready() ? 1 : 0));
  }

  listen(port: number, host: string): Promise<number> {
    const s = createServer((req, res) => this.handle(req, res));
    s.on('clientError', (_e, socket) => socket.destroy());
    this.server = s;
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve((s.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    const s = this.server;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((r) => s.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://admin');
    const text = (code: number, body: string, type = 'text/plain') => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    const json = (body: unknown) => text(200, JSON.stringify(body, null, 2) + '\n', 'application/json');
    const p = this.o.proxy;
    const workers = this.o.workers;
    const withReports = (then: (r: WorkerInfo[]) => void) => {
      void workers!.reports().then(then, (err: unknown) => text(500, `${url.pathname}: ${(err as Error).message}\n`));
    };
    switch (url.pathname) {
      case '/ready':
        return this.o.ready() ? text(200, 'LIVE\n') : text(503, 'PRE_INITIALIZING\n');
      case '/server_info': {
        const info = { version: `rigging/${VERSION}`, state: this.o.ready() ? 'LIVE' : 'PRE_INITIALIZING', uptime_current_epoch: `${Math.round((Date.now() - this.o.startedAt) / 1000)}s`, node: { id: this.o.nodeId }, versions: this.o.versions() };
        if (!workers) return json(info);
        return withReports((r) =>
          json({ ...info, concurrency: r.length, workers: r.map((w) => ({ id: w.id, pid: w.pid, restarts: w.restarts, responding: w.report !== undefined, downstream_rq_total: requestsOf(w) })) }),
        );
      }
      case '/config_dump': {
        // Private keys are never shown, as Envoy redacts them.
        const redact = (v: unknown): unknown => {
          if (Array.isArray(v)) return v.map(redact);
          if (!v || typeof v !== 'object') return v;
          const out: Record<string, unknown> = {};
          for (const [k, x] of Object.entries(v)) out[k] = k === 'privateKey' && x && typeof x === 'object' && ('inlineBytes' in x || 'inlineString' in x) ? { inlineString: '[redacted]' } : redact(x);
          return out;
        };
        const c = p.current;
        const dump = (registry: Registry) => {
          const opt = { registry };
          return redact({
            configs: [
              { '@type': `${T}ListenersConfigDump`, dynamic_listeners: [...c.listeners.values()].map((l) => ({ name: l.name, active_state: { listener: { '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', ...(toJson(ListenerSchema, l, opt) as object) } } })) },
              { '@type': `${T}ClustersConfigDump`, dynamic_active_clusters: [...c.clusters.values()].map((cl) => ({ cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', ...(toJson(ClusterSchema, cl, opt) as object) } })) },
              { '@type': `${T}RoutesConfigDump`, dynamic_route_configs: [...c.routes.values()].map((r) => ({ route_config: { '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', ...(toJson(RouteConfigurationSchema, r, opt) as object) } })) },
              { '@type': `${T}EndpointsConfigDump`, dynamic_endpoint_configs: [...c.endpoints.values()].map((e) => ({ endpoint_config: { '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', ...(toJson(ClusterLoadAssignmentSchema, e, opt) as object) } })) },
            ],
          });
        };
        // The full registry (every generated type, for the Anys nested in resources) is
        // loaded on the first dump only: a sidecar that is never dumped does not pay for it.
        void fullRegistry().then(
          (registry) => json(dump(registry)),
          (err: unknown) => text(500, `config_dump: ${(err as Error).message}\n`),
        );
        return;
      }
      case '/clusters':
        // Every worker has the same clusters: their lines once, connection counts summed.
        if (workers) return withReports((r) => text(200, mergedClustersText(r.flatMap((w) => (w.report ? [w.report.clusters] : [])))));
        return text(200, clustersText(p));
      case '/stats':
      case '/stats/prometheus': {
        let filter: RegExp | undefined;
        const f = url.searchParams.get('filter');
        if (f) {
          try {
            filter = new RegExp(f);
          } catch {
            return text(400, `invalid filter regex: ${f}\n`);
          }
        }
        const opts = { ...(filter ? { filter } : {}), usedOnly: url.searchParams.has('usedonly') };
        const render = (store: StatsStore) => {
          if (url.pathname === '/stats/prometheus' || url.searchParams.get('format') === 'prometheus') return text(200, statsPrometheus(store, opts), 'text/plain; version=0.0.4');
          if (url.searchParams.get('format') === 'json') return text(200, statsJson(store, opts), 'application/json');
          return text(200, statsText(store, opts));
        };
        if (workers) return withReports((r) => render(mergedStats(p.stats, r)));
        return render(p.stats);
      }
      case '/listeners':
        if (workers) return withReports((r) => json(r.find((w) => w.report)?.report?.listeners ?? []));
        return json(p.listenerList());
      case '/drain_listeners':
        if (req.method !== 'POST') return text(405, 'use POST\n');
        p.drainListeners();
        workers?.drainListeners();
        return text(200, 'OK\n');
      case '/quitquitquit':
        if (req.method !== 'POST') return text(405, 'use POST\n');
        text(200, 'OK\n');
        this.o.quit();
        return;
      case '/logging': {
        const level = url.searchParams.get('level');
        if (level && ['debug', 'info', 'warn', 'error'].includes(level)) {
          setLogLevel(level as Level);
          workers?.setLogLevel(level as Level);
        }
        return text(200, `active loggers: level ${level ?? '(unchanged)'}\n`);
      }
      default:
        return text(404, 'admin paths: /ready /server_info /config_dump /clusters /stats /stats/prometheus /listeners /drain_listeners /quitquitquit /logging\n');
    }
  }
}
