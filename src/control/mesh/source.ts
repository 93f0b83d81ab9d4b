// MeshSource: the control plane's ResourceSource. It watches the config store and the
// service registry, keeps one PushContext per version (rebuilt lazily after a change),
// and translates it per proxy, caching each proxy's output per type and version.
// Registry changes that only move endpoints announce EDS alone, so proxies get a small
// EDS push and nothing else is recomputed.
import { ClusterSchema } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import { SecretSchema } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { TypeUrl, packMessage } from '../../api/envoy/types.js';
import type { ConfigStore } from '../store/store.js';
import type { ServiceRegistry } from '../registry/model.js';
import type { MeshConfig } from '../model/mesh.js';
import { proxyFromNode, type Proxy } from '../model/proxy.js';
import { buildPushContext } from '../snapshot/build.js';
import type { PushContext } from '../snapshot/push-context.js';
import type { ChangeEvent, NamedResource, ProxyNode, ResourceSource, TypeResources } from '../xds/source.js';
import type { Translators } from './translators.js';

const ALL_TYPES = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.Secret];
/** Types that an endpoint-only change can affect: EDS, and (through inbound services) LDS and CDS. */
const ENDPOINT_DEPENDENT = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener];

interface ProxyCache {
  proxy: Proxy;
  /** Per type: the PushContext generation it was computed at, and the result. */
  byType: Map<TypeUrl, { generation: number; inbound: string; resources: NamedResource[] }>;
}

export interface MeshSourceOptions {
  store: ConfigStore;
  registry: ServiceRegistry;
  mesh: MeshConfig;
  translators: Translators;
}

export class MeshSource implements ResourceSource {
  private readonly listeners = new Set<(c: ChangeEvent) => void>();
  private push: PushContext | undefined;
  /** Incremented on every input change; per-type staleness is tracked against these. */
  private generation = 0;
  private readonly typeGeneration = new Map<TypeUrl, number>(ALL_TYPES.map((t) => [t, 0]));
  private readonly cache = new Map<string, ProxyCache>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly opts: MeshSourceOptions) {
    this.unsubscribe.push(opts.store.watch(() => this.invalidate(ALL_TYPES, ALL_TYPES, 'config')));
    this.unsubscribe.push(
      opts.registry.onChange((c) =>
        this.invalidate(c.endpointsOnly ? [TypeUrl.ClusterLoadAssignment] : ALL_TYPES, c.endpointsOnly ? ENDPOINT_DEPENDENT : ALL_TYPES, `registry: ${c.hostnames.slice(0, 5).join(', ')}${c.hostnames.length > 5 ? ', …' : ''}`),
      ),
    );
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }

  /** New mesh-wide settings (a changed mesh config file): everything is recomputed and pushed. */
  setMeshConfig(mesh: MeshConfig): void {
    this.opts.mesh = mesh;
    this.invalidate(ALL_TYPES, ALL_TYPES, 'mesh config');
  }

  /** The current PushContext (rebuilt if inputs changed since the last one). */
  pushContext(): PushContext {
    if (!this.push) {
      this.push = buildPushContext({ resources: this.opts.store.list(), registry: this.opts.registry, mesh: this.opts.mesh, version: `${this.opts.store.revision}.${this.generation}` });
    }
    return this.push;
  }

  onChange(listener: (change: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  resources(node: ProxyNode, typeUrl: TypeUrl): TypeResources {
    let entry = this.cache.get(node.id);
    if (!entry) this.cache.set(node.id, (entry = { proxy: proxyFromNode(node), byType: new Map() }));
    const gen = this.typeGeneration.get(typeUrl) ?? 0;
    const hit = entry.byType.get(typeUrl);
    // Listeners and clusters also depend on which services the proxy's own workload serves,
    // which an endpoint change can alter; everything else about them changes only with config.
    const inbound = typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.Cluster ? this.inboundSignature(entry.proxy) : '';
    if (hit && hit.generation === gen && hit.inbound === inbound) return { resources: hit.resources };
    const resources = this.translate(entry.proxy, typeUrl);
    entry.byType.set(typeUrl, { generation: gen, inbound, resources });
    return { resources };
  }

  /** Forgets a proxy's cached output when its last stream closes. */
  release(node: ProxyNode): void {
    this.cache.delete(node.id);
  }

  /** Proxies with cached output (for tests and debug). */
  get cachedProxies(): number {
    return this.cache.size;
  }

  /** Translates all types for a proxy, for config dumps and tests. */
  translateAll(node: ProxyNode): Record<string, NamedResource[]> {
    const proxy = proxyFromNode(node);
    return Object.fromEntries(ALL_TYPES.map((t) => [t, this.translate(proxy, t)]));
  }

  private translate(proxy: Proxy, typeUrl: TypeUrl): NamedResource[] {
    const push = this.pushContext();
    const t = this.opts.translators;
    switch (typeUrl) {
      case TypeUrl.Cluster:
        return t.clusters(push, proxy).map((c) => ({ name: c.name, resource: packMessage(ClusterSchema, c) }));
      case TypeUrl.ClusterLoadAssignment:
        return t.endpoints(push, proxy).map((c) => ({ name: c.clusterName, resource: packMessage(ClusterLoadAssignmentSchema, c) }));
      case TypeUrl.Listener:
        return t.listeners(push, proxy).map((l) => ({ name: l.name, resource: packMessage(ListenerSchema, l) }));
      case TypeUrl.RouteConfiguration:
        return t.routes(push, proxy).map((r) => ({ name: r.name, resource: packMessage(RouteConfigurationSchema, r) }));
      case TypeUrl.Secret:
        return t.secrets(push, proxy).map((s) => ({ name: s.name, resource: packMessage(SecretSchema, s) }));
    }
  }

  private inboundSignature(proxy: Proxy): string {
    return this.pushContext()
      .inboundServices(proxy)
      .map((x) => `${x.service.hostname}:${x.endpoint.servicePort}>${x.endpoint.port}`)
      .join(',');
  }

  /** Marks `stale` types recomputable and asks the server to re-check `announce` types. */
  private invalidate(stale: TypeUrl[], announce: TypeUrl[], reason: string): void {
    this.generation++;
    this.push = undefined;
    for (const t of stale) this.typeGeneration.set(t, this.generation);
    const change: ChangeEvent = { types: announce, reason };
    for (const l of this.listeners) l(change);
  }
}
