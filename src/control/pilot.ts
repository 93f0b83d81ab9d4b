// Pilot: the control plane process — config store, service registry, translation, the ADS
// server (15010) and the status/monitoring/config HTTP server (15014).
//
// Two modes: the mesh (Istio config from the store + the registry, translated per proxy),
// or a fixed ResourceSource (`rig pilot --resources FILE`: Envoy resources as written).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toJson } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { AdsServer } from './xds/server.js';
import { StatusServer, type PrefixRoute } from './status/server.js';
import type { ResourceSource } from './xds/source.js';
import type { ConfigStore } from './store/store.js';
import { MemoryStore } from './store/memory.js';
import { storeApiRoutes } from './store/api.js';
import { AggregateRegistry } from './registry/registry.js';
import { WorkloadRegistry } from './registry/workloads.js';
import { WORKLOADS_PATH, workloadApiHandler } from './registry/api.js';
import { MeshSource } from './mesh/source.js';
import { translators } from './translate/index.js';
import { defaultMeshConfig, type MeshConfig } from './model/mesh.js';
import { analyze, formatMessage } from './analysis/analyze.js';
import { notEnforced } from '../api/istio/not-enforced.js';
import { envoyRegistry } from '../api/gen/registry.js';
import { RESOURCE_TYPES } from '../api/envoy/types.js';
import { logger } from '../shared/log.js';

const log = logger('pilot');

export interface PilotOptions {
  host?: string;
  xdsPort?: number;
  monitoringPort?: number;
  debounceQuietMs?: number;
  debounceMaxMs?: number;
  /** Config store (default: in memory). */
  store?: ConfigStore;
  mesh?: MeshConfig;
  /** Serve this source instead of translating Istio config. */
  source?: ResourceSource;
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body, null, 2) + '\n');
}

export class Pilot {
  readonly ads: AdsServer;
  readonly status: StatusServer;
  readonly store: ConfigStore;
  readonly workloads = new WorkloadRegistry();
  readonly registry: AggregateRegistry | undefined;
  readonly mesh: MeshSource | undefined;
  xdsPort = 0;
  monitoringPort = 0;

  constructor(private readonly opts: PilotOptions) {
    this.store = opts.store ?? new MemoryStore();
    let source = opts.source;
    if (!source) {
      this.registry = new AggregateRegistry({ store: this.store, workloads: this.workloads });
      this.mesh = new MeshSource({ store: this.store, registry: this.registry, mesh: opts.mesh ?? defaultMeshConfig(), translators });
      source = this.mesh;
    }
    this.ads = new AdsServer({
      source,
      ...(opts.debounceQuietMs !== undefined ? { debounceQuietMs: opts.debounceQuietMs } : {}),
      ...(opts.debounceMaxMs !== undefined ? { debounceMaxMs: opts.debounceMaxMs } : {}),
    });
    const workloadApi = workloadApiHandler(this.workloads);
    const prefixRoutes: PrefixRoute[] = [
      ...storeApiRoutes(this.store),
      {
        prefix: WORKLOADS_PATH,
        handler: (req, res) => {
          if (!workloadApi(req, res)) json(res, 404, { error: `no such path ${req.url}` });
        },
      },
    ];
    this.status = new StatusServer({
      ads: this.ads,
      prefixRoutes,
      routes: {
        '/debug/configz': (_req, res) => json(res, 200, this.store.list()),
        '/debug/registryz': (_req, res) => json(res, 200, this.registryDump()),
        '/debug/analyze': (_req, res) => json(res, 200, this.analyze()),
        '/debug/config_dump': (req, res) => this.configDump(req, res),
      },
    });
  }

  /** Replaces the mesh-wide settings (MeshConfig); every proxy gets the result. */
  setMeshConfig(mesh: MeshConfig): void {
    this.mesh?.setMeshConfig(mesh);
  }

  async start(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    this.xdsPort = await this.ads.listen(this.opts.xdsPort ?? 15010, host);
    try {
      this.monitoringPort = await this.status.listen(this.opts.monitoringPort ?? 15014, host);
    } catch (err) {
      await this.ads.close();
      throw err;
    }
    log.info('control plane serving', { xds: `${host}:${this.xdsPort}`, monitoring: `${host}:${this.monitoringPort}` });
  }

  async stop(): Promise<void> {
    this.mesh?.close();
    this.registry?.close();
    await Promise.all([this.ads.close(), this.status.close()]);
  }

  /** istioctl-analyze-style messages over the current config and registry. */
  analyze(): { messages: string[]; errors: number } {
    if (!this.mesh) return { messages: [], errors: 0 };
    const msgs = analyze({ resources: this.store.list(), push: this.mesh.pushContext(), notEnforced });
    return { messages: msgs.map(formatMessage), errors: msgs.filter((m) => m.severity === 'Error').length };
  }

  private registryDump(): unknown {
    if (!this.registry) return { services: [] };
    const r = this.registry;
    return {
      services: r.services().map((s) => ({ ...s, endpoints: Object.fromEntries(s.ports.map((p) => [p.port, r.endpoints(s.hostname, p.port)])) })),
      workloads: r.workloads(),
    };
  }

  /** `/debug/config_dump?proxyID=<node id>`: the resources the control plane sends that proxy, as Envoy JSON. */
  private configDump(req: IncomingMessage, res: ServerResponse): void {
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('proxyID');
    const conn = this.ads.status().find((c) => c.nodeId === id || c.connectionId === id);
    if (!id || !conn) return json(res, 404, { error: id ? `no connected proxy ${id}` : 'give ?proxyID=<node id>', proxies: this.ads.status().map((c) => c.nodeId) });
    if (!this.mesh) return json(res, 400, { error: 'the control plane serves a fixed resource file; see that file' });
    const node = { id: conn.nodeId, cluster: conn.cluster, metadata: conn.metadata, ...(conn.locality ? { locality: conn.locality } : {}) };
    const all = this.mesh.translateAll(node);
    const out: Record<string, unknown[]> = {};
    for (const t of RESOURCE_TYPES) out[t.short] = (all[t.typeUrl] ?? []).map((r) => toJson(AnySchema, r.resource, { registry: envoyRegistry }));
    json(res, 200, out);
  }
}
