// Builds a PushContext from store contents and the registry: sorts and indexes once, so
// translation only looks things up.
import { createHash } from 'node:crypto';
import type { Resource } from '../../api/istio/meta.js';
import { matchLabels } from '../../api/istio/meta.js';
import type { AuthorizationPolicySpec, PeerAuthenticationSpec, RequestAuthenticationSpec } from '../../api/istio/security.js';
import type { TelemetrySpec } from '../../api/istio/telemetry.js';
import type { MeshConfig } from '../model/mesh.js';
import type { Proxy } from '../model/proxy.js';
import type { Endpoint, Service, ServiceRegistry } from '../registry/model.js';
import { hostMatches, hostSpecificity, resolveShortName } from './hosts.js';
import type { DestinationRule, Gateway, PushContext, Sidecar, VirtualService } from './push-context.js';

export interface PushContextInput {
  resources: readonly Resource[];
  registry: ServiceRegistry;
  mesh: MeshConfig;
  /** Optional explicit version; otherwise derived from the inputs' identities. */
  version?: string;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byCreation(a: Resource, b: Resource): number {
  return (
    cmp(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name, b.metadata.name)
  );
}

/** exportTo visibility of a resource in namespace `ns` to a proxy in `from`. */
export function visibleTo(exportTo: string[] | undefined, ns: string, from: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  for (const e of exportTo) {
    if (e === '*') return true;
    if (e === '.' && ns === from) return true;
    if (e === from) return true;
  }
  return false;
}

interface IndexedDR {
  dr: DestinationRule;
  host: string;
}

class PushContextImpl implements PushContext {
  readonly version: string;
  readonly mesh: MeshConfig;
  private readonly services: readonly Service[];
  private readonly serviceByHost = new Map<string, Service>();
  private readonly registry: ServiceRegistry;
  private readonly vsList: VirtualService[];
  private readonly vsByKey = new Map<string, VirtualService>();
  private readonly vsByGateway = new Map<string, VirtualService[]>();
  private readonly meshVs: VirtualService[];
  private readonly drsByNs = new Map<string, IndexedDR[]>();
  private readonly gateways: Gateway[];
  private readonly sidecars: Sidecar[];
  private readonly inboundByIp = new Map<string, { service: Service; endpoint: Endpoint }[]>();
  private readonly pas: Resource<PeerAuthenticationSpec>[];
  private readonly ras: Resource<RequestAuthenticationSpec>[];
  private readonly aps: Resource<AuthorizationPolicySpec>[];
  private readonly tels: Resource<TelemetrySpec>[];
  private readonly servicesForCache = new Map<string, readonly Service[]>();

  constructor(input: PushContextInput) {
    this.mesh = input.mesh;
    this.registry = input.registry;
    this.services = input.registry.services();
    for (const s of this.services) if (!this.serviceByHost.has(s.hostname)) this.serviceByHost.set(s.hostname, s);

    const of = <T>(kind: string) => input.resources.filter((r) => r.kind === kind).sort(byCreation) as Resource<T>[];
    this.vsList = of('VirtualService') as VirtualService[];
    this.meshVs = [];
    for (const vs of this.vsList) {
      const ns = vs.metadata.namespace ?? 'default';
      this.vsByKey.set(`${ns}/${vs.metadata.name}`, vs);
      const gws = vs.spec.gateways && vs.spec.gateways.length > 0 ? vs.spec.gateways : ['mesh'];
      if (!vs.spec.hosts || vs.spec.hosts.length === 0) continue; // a delegate: reached only through its parent
      for (const g of gws) {
        if (g === 'mesh') {
          this.meshVs.push(vs);
          continue;
        }
        const key = g.includes('/') ? g : `${ns}/${g}`;
        const list = this.vsByGateway.get(key) ?? [];
        list.push(vs);
        this.vsByGateway.set(key, list);
      }
    }
    for (const dr of of('DestinationRule') as DestinationRule[]) {
      const ns = dr.metadata.namespace ?? 'default';
      const host = resolveShortName(dr.spec.host, ns, this.mesh.clusterDomain);
      const list = this.drsByNs.get(ns) ?? [];
      list.push({ dr, host });
      this.drsByNs.set(ns, list);
    }
    for (const list of this.drsByNs.values()) list.sort((a, b) => hostSpecificity(b.host) - hostSpecificity(a.host) || byCreation(a.dr, b.dr));
    const byName = (a: Resource, b: Resource) => cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || cmp(a.metadata.name, b.metadata.name);
    this.gateways = (of('Gateway') as Gateway[]).sort(byName);
    this.sidecars = (of('Sidecar') as Sidecar[]).sort(byName);
    this.pas = of<PeerAuthenticationSpec>('PeerAuthentication').sort(byName);
    this.ras = of<RequestAuthenticationSpec>('RequestAuthentication').sort(byName);
    this.aps = of<AuthorizationPolicySpec>('AuthorizationPolicy').sort(byName);
    this.tels = of<TelemetrySpec>('Telemetry').sort(byName);

    for (const s of this.services) {
      for (const p of s.ports) {
        for (const e of input.registry.endpoints(s.hostname, p.port)) {
          const list = this.inboundByIp.get(e.address) ?? [];
          list.push({ service: s, endpoint: e });
          this.inboundByIp.set(e.address, list);
        }
      }
    }

    this.version =
      input.version ??
      createHash('sha1')
        .update(JSON.stringify(input.resources.map((r) => [r.kind, r.metadata.namespace, r.metadata.name, r.metadata.resourceVersion])))
        .update(String(this.services.length))
        .digest('hex')
        .slice(0, 12);
  }

  allServices(): readonly Service[] {
    return this.services;
  }

  servicesFor(proxy: Proxy): readonly Service[] {
    const sidecar = proxy.type === 'sidecar' ? this.sidecarFor(proxy) : undefined;
    const key = `${proxy.namespace}|${sidecar ? `${sidecar.metadata.namespace}/${sidecar.metadata.name}` : ''}`;
    const cached = this.servicesForCache.get(key);
    if (cached) return cached;
    const egressHosts = sidecar?.spec.egress?.flatMap((e) => e.hosts ?? []);
    const out = this.services.filter((s) => {
      if (!visibleTo(s.exportTo, s.namespace, proxy.namespace)) return false;
      if (!egressHosts) return true;
      return egressHosts.some((h) => egressHostMatches(h, s, proxy.namespace, sidecar!.metadata.namespace ?? proxy.namespace));
    });
    this.servicesForCache.set(key, out);
    return out;
  }

  service(hostname: string): Service | undefined {
    return this.serviceByHost.get(hostname);
  }

  endpoints(hostname: string, servicePort: number): readonly Endpoint[] {
    return this.registry.endpoints(hostname, servicePort);
  }

  resolveHost(host: string, namespace: string): string {
    return resolveShortName(host, namespace, this.mesh.clusterDomain);
  }

  destinationRule(proxy: Proxy, hostname: string): DestinationRule | undefined {
    const svc = this.serviceByHost.get(hostname);
    const order = [proxy.namespace, svc?.namespace, this.mesh.rootNamespace].filter((x, i, a): x is string => !!x && a.indexOf(x) === i);
    for (const ns of order) {
      for (const { dr, host } of this.drsByNs.get(ns) ?? []) {
        if (!hostMatches(host, hostname)) continue;
        if (ns !== proxy.namespace && !visibleTo(dr.spec.exportTo, ns, proxy.namespace)) continue;
        const sel = dr.spec.workloadSelector?.matchLabels;
        if (sel && (ns !== proxy.namespace || !matchLabels(sel, proxy.labels))) continue;
        return dr;
      }
    }
    return undefined;
  }

  virtualServicesForMesh(proxy: Proxy): readonly VirtualService[] {
    return this.meshVs.filter((vs) => visibleTo(vs.spec.exportTo, vs.metadata.namespace ?? 'default', proxy.namespace));
  }

  virtualServicesForGateway(gateway: string): readonly VirtualService[] {
    return this.vsByGateway.get(gateway) ?? [];
  }

  virtualService(namespace: string, name: string): VirtualService | undefined {
    return this.vsByKey.get(`${namespace}/${name}`);
  }

  gatewaysFor(proxy: Proxy): readonly Gateway[] {
    return this.gateways.filter((g) => g.spec.selector && Object.keys(g.spec.selector).length > 0 && matchLabels(g.spec.selector, proxy.labels));
  }

  sidecarFor(proxy: Proxy): Sidecar | undefined {
    const inNs = this.sidecars.filter((s) => s.metadata.namespace === proxy.namespace);
    const selected = inNs.find((s) => s.spec.workloadSelector?.labels && matchLabels(s.spec.workloadSelector.labels, proxy.labels));
    if (selected) return selected;
    const nsDefault = inNs.find((s) => !s.spec.workloadSelector?.labels);
    if (nsDefault) return nsDefault;
    return this.sidecars.find((s) => s.metadata.namespace === this.mesh.rootNamespace && !s.spec.workloadSelector?.labels);
  }

  inboundServices(proxy: Proxy): readonly { service: Service; endpoint: Endpoint }[] {
    const out: { service: Service; endpoint: Endpoint }[] = [];
    for (const ip of proxy.ips) for (const x of this.inboundByIp.get(ip) ?? []) if (x.endpoint.namespace === proxy.namespace || x.service.meshExternal === false) out.push(x);
    return out.sort((a, b) => cmp(a.service.hostname, b.service.hostname) || a.endpoint.servicePort - b.endpoint.servicePort);
  }

  peerAuthentications() {
    return this.pas;
  }
  requestAuthentications() {
    return this.ras;
  }
  authorizationPolicies() {
    return this.aps;
  }
  telemetries() {
    return this.tels;
  }
}

/** Sidecar egress host `ns/host`: ns is `*`, `.` (the Sidecar's namespace), `~` (none) or a name. */
function egressHostMatches(entry: string, s: Service, _proxyNs: string, sidecarNs: string): boolean {
  const slash = entry.indexOf('/');
  const ns = slash < 0 ? '*' : entry.slice(0, slash);
  const host = slash < 0 ? entry : entry.slice(slash + 1);
  if (ns === '~') return false;
  if (ns !== '*' && (ns === '.' ? sidecarNs : ns) !== s.namespace) return false;
  return hostMatches(host, s.hostname);
}

export function buildPushContext(input: PushContextInput): PushContext {
  return new PushContextImpl(input);
}
