// Test data for the registry's tests: Bookinfo (Services + workloads), an external
// ServiceEntry with DNS resolution (httpbin.org), a MESH_INTERNAL ServiceEntry selecting
// WorkloadEntries (VMs), and a test double of the config store's *read side* (list + watch
// over an in-memory map; writes emit one watch batch each, like a store write does).
import type { ServiceSpec } from '../../api/istio/core.js';
import type { Resource, ResourceKey } from '../../api/istio/meta.js';
import type { ServiceEntrySpec, WorkloadEntrySpec } from '../../api/istio/networking.js';
import type { WatchEvent } from '../store/store.js';
import type { Workload } from './model.js';
import type { StoreReader } from './registry.js';

/** Test double of ConfigStore's read side: list + watch, with `put`/`remove` to drive it. */
export class ListWatchStore implements StoreReader {
  private readonly items = new Map<string, Resource>();
  private readonly handlers = new Set<(events: WatchEvent[]) => void>();

  constructor(initial: Resource[] = []) {
    for (const r of initial) this.items.set(keyOf(r), r);
  }

  list(kind?: string, namespace?: string): Resource[] {
    return [...this.items.values()]
      .filter((r) => (kind === undefined || r.kind === kind) && (namespace === undefined || r.metadata.namespace === namespace))
      .sort((a, b) => cmp(keyOf(a), keyOf(b)));
  }

  watch(handler: (events: WatchEvent[]) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Creates or replaces resources, announcing them in one batch. */
  put(...resources: Resource[]): void {
    const events: WatchEvent[] = resources.map((r) => {
      const type = this.items.has(keyOf(r)) ? 'MODIFIED' : 'ADDED';
      this.items.set(keyOf(r), r);
      return { type, resource: r };
    });
    for (const h of this.handlers) h(events);
  }

  remove(...keys: ResourceKey[]): void {
    const events: WatchEvent[] = [];
    for (const k of keys) {
      const id = `${k.kind}/${k.namespace}/${k.name}`;
      const r = this.items.get(id);
      if (!r) continue;
      this.items.delete(id);
      events.push({ type: 'DELETED', resource: r });
    }
    for (const h of this.handlers) h(events);
  }
}

function keyOf(r: Resource): string {
  return `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function kubeService(namespace: string, name: string, spec: ServiceSpec, labels?: Record<string, string>): Resource<ServiceSpec> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name, ...(labels ? { labels } : {}) }, spec };
}

export function serviceEntry(namespace: string, name: string, spec: ServiceEntrySpec): Resource<ServiceEntrySpec> {
  return { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { namespace, name }, spec };
}

export function workloadEntry(namespace: string, name: string, spec: WorkloadEntrySpec): Resource<WorkloadEntrySpec> {
  return { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { namespace, name }, spec };
}

/** Bookinfo's four Services, as samples/bookinfo declares them (port 9080, named `http`). */
export function bookinfoServices(namespace = 'default'): Resource<ServiceSpec>[] {
  return ['details', 'productpage', 'ratings', 'reviews'].map((app) =>
    kubeService(namespace, app, { selector: { app }, ports: [{ name: 'http', port: 9080 }] }, { app, service: app }),
  );
}

/** Bookinfo's six pods: productpage-v1, details-v1, reviews-v1/v2/v3, ratings-v1. */
export function bookinfoWorkloads(namespace = 'default'): Workload[] {
  const pods: [string, string, string][] = [
    ['details', 'v1', '127.0.10.1'],
    ['productpage', 'v1', '127.0.10.2'],
    ['ratings', 'v1', '127.0.10.3'],
    ['reviews', 'v1', '127.0.10.4'],
    ['reviews', 'v2', '127.0.10.5'],
    ['reviews', 'v3', '127.0.10.6'],
  ];
  return pods.map(([app, version, ip]) => ({
    namespace,
    name: `${app}-${version}`,
    labels: { app, version },
    serviceAccount: `bookinfo-${app}`,
    ip,
    ports: [{ name: 'http', port: 9080 }],
    locality: { region: 'us-east', zone: 'us-east-1a', subZone: '' },
    healthy: true,
    hasSidecar: true,
  }));
}

/** httpbin.org as an external service resolved by DNS (Istio's egress task). */
export function httpbinServiceEntry(namespace = 'default'): Resource<ServiceEntrySpec> {
  return serviceEntry(namespace, 'httpbin-ext', {
    hosts: ['httpbin.org'],
    ports: [
      { number: 80, name: 'http', protocol: 'HTTP' },
      { number: 443, name: 'https', protocol: 'HTTPS' },
    ],
    resolution: 'DNS',
    location: 'MESH_EXTERNAL',
  });
}

/** A legacy `details` running on VMs, reached through a MESH_INTERNAL ServiceEntry selecting WorkloadEntries. */
export function detailsOnVms(namespace = 'default'): Resource[] {
  return [
    serviceEntry(namespace, 'details-svc', {
      hosts: ['details.bookinfo.com'],
      location: 'MESH_INTERNAL',
      ports: [{ number: 80, name: 'http', protocol: 'HTTP', targetPort: 8080 }],
      resolution: 'STATIC',
      workloadSelector: { labels: { app: 'details-legacy' } },
    }),
    workloadEntry(namespace, 'details-legacy-vm-1', {
      address: '2.2.2.2',
      labels: { app: 'details-legacy', 'instance-id': 'vm1', 'security.istio.io/tlsMode': 'istio' },
      serviceAccount: 'details-legacy',
      locality: 'us-west/us-west-2b',
    }),
    workloadEntry(namespace, 'details-legacy-vm-2', {
      address: '3.3.3.3',
      labels: { app: 'details-legacy', 'instance-id': 'vm2' },
      ports: { http: 8081 },
      serviceAccount: 'details-legacy',
      weight: 3,
      network: 'vm-network',
    }),
  ];
}
