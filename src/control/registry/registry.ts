// The aggregate service registry: core Services and ServiceEntries from the config store,
// WorkloadEntries from the store and workloads from the local platform, combined into the
// ServiceRegistry the control plane snapshots.
//
// Each Service or ServiceEntry is an *origin*: its registry Services, its fixed endpoints
// (inline, DNS host, ExternalName) and the endpoints of each member its selector matches.
// Changes are applied incrementally:
//   - a Service/ServiceEntry event recomputes that origin only (members found through a
//     label index, so the cost is what it selects, not what exists);
//   - a workload/WorkloadEntry event revisits only the origins in its namespace whose
//     selector can match its old or new labels (a selector index), and only its own
//     endpoints there.
// Listeners hear, once per store batch or workload change, which hostnames changed and
// whether only endpoints did (then an EDS push suffices). Endpoint changes of DNS-resolved
// services count as service changes: their endpoints travel in the cluster (CDS), as in Istio.
//
// Two origins claiming the same hostname in the same namespace: a core Service wins over a
// ServiceEntry, then the older one (creationTimestamp), then the name that sorts first. The
// same hostname in several namespaces: services() lists each; endpoints(hostname, port)
// answers for the first namespace in sort order (the one a hostname lookup finds first).
import type { ServiceSpec } from '../../api/istio/core.js';
import { matchLabels, type Resource } from '../../api/istio/meta.js';
import type { ServiceEntrySpec, WorkloadEntrySpec } from '../../api/istio/networking.js';
import { logger } from '../../shared/log.js';
import type { ConfigStore, WatchEvent } from '../store/store.js';
import { compareEndpoints, memberKey, workloadEntryMember, workloadMember, type Member } from './endpoints.js';
import { DEFAULT_CLUSTER_DOMAIN } from './hostnames.js';
import {
  convertKubeService,
  externalNameEndpoints,
  kubeMemberEndpoints,
  kubeServiceClusterIPs,
  kubeServiceNeedsVip,
  kubeServiceSelector,
} from './kube-services.js';
import { LabelIndex, SelectorIndex } from './label-index.js';
import type { Endpoint, Service, ServiceRegistry, Workload } from './model.js';
import { convertServiceEntry, serviceEntryFixedEndpoints, serviceEntryMemberEndpoints, serviceEntrySelector } from './service-entries.js';
import { VipAllocator } from './vips.js';
import { WorkloadRegistry, type WorkloadChange } from './workloads.js';

const log = logger('registry');

/** The read side of a ConfigStore: all the registry needs. */
export type StoreReader = Pick<ConfigStore, 'list' | 'watch'>;

export interface RegistryChange {
  hostnames: string[];
  endpointsOnly: boolean;
}

export interface AggregateRegistryOptions {
  store: StoreReader;
  /** The local platform's workloads; a new, empty one if not given. */
  workloads?: WorkloadRegistry;
  /** Default 'cluster.local'. */
  clusterDomain?: string;
  /** Where Services without a clusterIP get their VIP; default 10.96.0.0/12. */
  serviceCidr?: string;
}

interface Origin {
  key: string;
  kind: 'Service' | 'ServiceEntry';
  namespace: string;
  /** Precedence among origins claiming the same hostname in one namespace (lowest wins). */
  rank: string;
  resource: Resource;
  services: readonly Service[];
  selector: Record<string, string> | undefined;
  endpointsFor: (m: Member) => Endpoint[];
  fixed: readonly Endpoint[];
  /** memberKey → the endpoints that member provides. */
  selected: Map<string, readonly Endpoint[]>;
  /** Endpoints travel inside the cluster (DNS resolution), so their changes need CDS. */
  endpointsInCluster: boolean;
}

const EMPTY: readonly Endpoint[] = Object.freeze([]);

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class AggregateRegistry implements ServiceRegistry {
  readonly workloadRegistry: WorkloadRegistry;
  private readonly clusterDomain: string;
  private readonly vips: VipAllocator;
  private readonly origins = new Map<string, Origin>();
  /** hostname → namespace → keys of the origins claiming it. */
  private readonly hosts = new Map<string, Map<string, Set<string>>>();
  private readonly selectors = new SelectorIndex();
  private readonly entries = new LabelIndex<Member>();
  private sortedServices: readonly Service[] | undefined;
  private readonly endpointCache = new Map<string, Map<number, readonly Endpoint[]>>();
  private readonly changedServices = new Set<string>();
  private readonly changedEndpoints = new Set<string>();
  private readonly evicted: string[] = [];
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(opts: AggregateRegistryOptions) {
    this.workloadRegistry = opts.workloads ?? new WorkloadRegistry();
    this.clusterDomain = opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
    this.vips = new VipAllocator(opts.serviceCidr);
    // Members first, so each origin selects them as it is added; the initial load is not a change.
    for (const r of opts.store.list('WorkloadEntry')) this.applyEvent({ type: 'ADDED', resource: r });
    for (const r of opts.store.list('Service')) this.applyEvent({ type: 'ADDED', resource: r });
    for (const r of opts.store.list('ServiceEntry')) this.applyEvent({ type: 'ADDED', resource: r });
    this.changedServices.clear();
    this.changedEndpoints.clear();
    this.unsubscribe.push(
      opts.store.watch((events) => {
        for (const e of events) this.applyEvent(e);
        this.flush();
      }),
      this.workloadRegistry.onChange((c) => {
        this.workloadChanged(c);
        this.flush();
      }),
    );
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.listeners.clear();
  }

  // --- ServiceRegistry -------------------------------------------------------------------

  services(): readonly Service[] {
    if (!this.sortedServices) {
      const out: Service[] = [];
      for (const [hostname, byNs] of this.hosts)
        for (const keys of byNs.values()) out.push(this.winner(keys).services.find((s) => s.hostname === hostname)!);
      out.sort((a, b) => cmp(a.hostname, b.hostname) || cmp(a.namespace, b.namespace));
      this.sortedServices = Object.freeze(out);
    }
    return this.sortedServices;
  }

  endpoints(hostname: string, servicePort: number): readonly Endpoint[] {
    let byPort = this.endpointCache.get(hostname);
    const hit = byPort?.get(servicePort);
    if (hit) return hit;
    const byNs = this.hosts.get(hostname);
    if (!byNs) return EMPTY;
    const ns = [...byNs.keys()].sort(cmp)[0]!;
    const o = this.winner(byNs.get(ns)!);
    const out: Endpoint[] = [];
    const take = (list: readonly Endpoint[]) => {
      for (const e of list) if (e.hostname === hostname && e.servicePort === servicePort) out.push(e);
    };
    take(o.fixed);
    for (const list of o.selected.values()) take(list);
    out.sort(compareEndpoints);
    const result = Object.freeze(out);
    if (!byPort) this.endpointCache.set(hostname, (byPort = new Map()));
    byPort.set(servicePort, result);
    return result;
  }

  workloads(): readonly Workload[] {
    return this.workloadRegistry.list();
  }

  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- lookups beyond the interface ------------------------------------------------------

  /** The service for a hostname: in `namespace` if given, else the first namespace in sort order. */
  service(hostname: string, namespace?: string): Service | undefined {
    const byNs = this.hosts.get(hostname);
    if (!byNs) return undefined;
    const ns = namespace ?? [...byNs.keys()].sort(cmp)[0]!;
    const keys = byNs.get(ns);
    return keys ? this.winner(keys).services.find((s) => s.hostname === hostname) : undefined;
  }

  // --- applying changes ------------------------------------------------------------------

  private applyEvent(e: WatchEvent): void {
    const r = e.resource;
    const namespace = r.metadata.namespace ?? 'default';
    switch (r.kind) {
      case 'WorkloadEntry': {
        const previous = this.entries.get(namespace, r.metadata.name);
        const current = e.type === 'DELETED' ? undefined : workloadEntryMember(r as Resource<WorkloadEntrySpec>);
        if (current) this.entries.set(namespace, current.name, current.labels, current);
        else this.entries.delete(namespace, r.metadata.name);
        this.memberChanged(namespace, memberKey({ kind: 'WorkloadEntry', name: r.metadata.name }), previous?.labels, current);
        return;
      }
      case 'Service':
      case 'ServiceEntry': {
        const key = `${r.kind}/${namespace}/${r.metadata.name}`;
        if (e.type === 'DELETED') {
          this.vips.release(key);
          this.vips.unreserve(key);
          this.setOrigin(key, undefined);
        } else this.setOrigin(key, this.buildOrigin(key, r));
        // Services whose VIP an explicit clusterIP just took get a new one.
        while (this.evicted.length > 0) {
          const k = this.evicted.shift()!;
          const o = this.origins.get(k);
          if (o) this.setOrigin(k, this.buildOrigin(k, o.resource));
        }
        return;
      }
      default:
        return;
    }
  }

  private workloadChanged(c: WorkloadChange): void {
    const w = (c.current ?? c.previous)!;
    this.memberChanged(w.namespace, memberKey({ kind: 'Workload', name: w.name }), c.previous?.labels, c.current && workloadMember(c.current));
  }

  private buildOrigin(key: string, r: Resource): Origin {
    const namespace = r.metadata.namespace ?? 'default';
    const rankTail = `${r.metadata.creationTimestamp ?? ''}\u0000${r.metadata.name}`;
    if (r.kind === 'Service') {
      const res = r as Resource<ServiceSpec>;
      const spec = res.spec ?? {};
      this.evicted.push(...this.vips.reserve(key, kubeServiceClusterIPs(spec)));
      let vip: string | undefined;
      if (kubeServiceNeedsVip(spec)) vip = this.vips.allocate(key);
      else this.vips.release(key);
      const svc = convertKubeService(res, this.clusterDomain, vip);
      return {
        key,
        kind: 'Service',
        namespace,
        rank: `0${rankTail}`,
        resource: r,
        services: [svc],
        // Kubernetes ignores an ExternalName Service's selector.
        selector: spec.type === 'ExternalName' ? undefined : kubeServiceSelector(spec),
        endpointsFor: (m) => kubeMemberEndpoints(svc, spec, m),
        fixed: externalNameEndpoints(svc, spec),
        selected: new Map(),
        endpointsInCluster: svc.resolution === 'DNS',
      };
    }
    const res = r as Resource<ServiceEntrySpec>;
    const services = convertServiceEntry(res);
    const resolution = services[0]?.resolution;
    return {
      key,
      kind: 'ServiceEntry',
      namespace,
      rank: `1${rankTail}`,
      resource: r,
      services,
      selector: serviceEntrySelector(res.spec),
      endpointsFor: (m) => serviceEntryMemberEndpoints(res, services, m),
      fixed: serviceEntryFixedEndpoints(res, services),
      selected: new Map(),
      endpointsInCluster: resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN',
    };
  }

  /** Replaces (or removes, or adds) one origin and records which hostnames changed how. */
  private setOrigin(key: string, next: Origin | undefined): void {
    const prev = this.origins.get(key);
    const before = prev ? digest(prev) : undefined;
    if (prev) this.unindex(prev);
    if (next) {
      if (next.selector)
        for (const m of this.select(next.namespace, next.selector)) {
          const eps = next.endpointsFor(m);
          if (eps.length > 0) next.selected.set(memberKey(m), eps);
        }
      this.index(next);
    }
    const after = next ? digest(next) : undefined;
    for (const h of new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])])) {
      const b = before?.get(h);
      const a = after?.get(h);
      if (!b || !a || b.service !== a.service) {
        this.changedServices.add(h);
        this.sortedServices = undefined;
      } else if (b.endpoints !== a.endpoints) (prev!.endpointsInCluster || next!.endpointsInCluster ? this.changedServices : this.changedEndpoints).add(h);
      else continue;
      this.endpointCache.delete(h);
    }
  }

  /** A member (workload or WorkloadEntry) appeared, changed or went away in `namespace`. */
  private memberChanged(namespace: string, key: string, previousLabels: Readonly<Record<string, string>> | undefined, current: Member | undefined): void {
    const candidates = this.selectors.candidates(namespace, previousLabels);
    this.selectors.candidates(namespace, current?.labels, candidates);
    for (const originKey of candidates) {
      const o = this.origins.get(originKey)!;
      const prev = o.selected.get(key);
      const next = current && matchLabels(o.selector, current.labels) ? o.endpointsFor(current) : EMPTY;
      if (!prev && next.length === 0) continue;
      if (prev && JSON.stringify(prev) === JSON.stringify(next)) continue;
      if (next.length > 0) o.selected.set(key, next);
      else o.selected.delete(key);
      const changed = o.endpointsInCluster ? this.changedServices : this.changedEndpoints;
      for (const e of [...(prev ?? []), ...next]) {
        changed.add(e.hostname);
        this.endpointCache.delete(e.hostname);
      }
    }
  }

  private select(namespace: string, selector: Record<string, string>): Member[] {
    return [...this.workloadRegistry.select(namespace, selector).map(workloadMember), ...this.entries.select(namespace, selector)];
  }

  private index(o: Origin): void {
    this.origins.set(o.key, o);
    if (o.selector) this.selectors.add(o.namespace, o.key, o.selector);
    for (const s of o.services) {
      let byNs = this.hosts.get(s.hostname);
      if (!byNs) this.hosts.set(s.hostname, (byNs = new Map()));
      let keys = byNs.get(o.namespace);
      if (!keys) byNs.set(o.namespace, (keys = new Set()));
      keys.add(o.key);
    }
  }

  private unindex(o: Origin): void {
    this.origins.delete(o.key);
    this.selectors.delete(o.key);
    for (const s of o.services) {
      const byNs = this.hosts.get(s.hostname);
      const keys = byNs?.get(o.namespace);
      keys?.delete(o.key);
      if (keys?.size === 0) byNs!.delete(o.namespace);
      if (byNs?.size === 0) this.hosts.delete(s.hostname);
    }
  }

  private winner(keys: Set<string>): Origin {
    let best: Origin | undefined;
    for (const k of keys) {
      const o = this.origins.get(k)!;
      if (!best || cmp(o.rank, best.rank) < 0 || (o.rank === best.rank && cmp(o.key, best.key) < 0)) best = o;
    }
    return best!;
  }

  private flush(): void {
    if (this.changedServices.size === 0 && this.changedEndpoints.size === 0) return;
    const hostnames = [...new Set([...this.changedServices, ...this.changedEndpoints])].sort(cmp);
    const change: RegistryChange = { hostnames, endpointsOnly: this.changedServices.size === 0 };
    this.changedServices.clear();
    this.changedEndpoints.clear();
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch (err) {
        log.error('registry change listener failed', { err });
      }
    }
  }
}

/** Per hostname of an origin: its Service and its endpoints, serialized for comparison. */
function digest(o: Origin): Map<string, { service: string; endpoints: string }> {
  const byHost = new Map<string, Endpoint[]>();
  const add = (list: readonly Endpoint[]) => {
    for (const e of list) {
      let l = byHost.get(e.hostname);
      if (!l) byHost.set(e.hostname, (l = []));
      l.push(e);
    }
  };
  add(o.fixed);
  for (const list of o.selected.values()) add(list);
  const out = new Map<string, { service: string; endpoints: string }>();
  for (const s of o.services) out.set(s.hostname, { service: JSON.stringify(s), endpoints: JSON.stringify((byHost.get(s.hostname) ?? []).sort(compareEndpoints)) });
  return out;
}
