// StaticRegistry: a ServiceRegistry over explicit lists of services and endpoints. Used by
// translation tests, simulations and benchmarks, where the inputs are given directly.
import type { Endpoint, Service, ServiceRegistry, Workload } from './model.js';

export class StaticRegistry implements ServiceRegistry {
  private readonly sorted: Service[];
  private readonly eps = new Map<string, Endpoint[]>();

  constructor(services: Service[], endpoints: Endpoint[], private readonly wls: Workload[] = []) {
    this.sorted = [...services].sort((a, b) => cmp(a.hostname, b.hostname) || cmp(a.namespace, b.namespace));
    for (const e of endpoints) {
      const k = `${e.hostname}|${e.servicePort}`;
      const list = this.eps.get(k) ?? [];
      list.push(e);
      this.eps.set(k, list);
    }
    for (const list of this.eps.values()) list.sort((a, b) => cmp(a.address, b.address) || a.port - b.port);
  }

  services(): readonly Service[] {
    return this.sorted;
  }

  endpoints(hostname: string, servicePort: number): readonly Endpoint[] {
    return this.eps.get(`${hostname}|${servicePort}`) ?? [];
  }

  workloads(): readonly Workload[] {
    return this.wls;
  }

  onChange(): () => void {
    return () => {};
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
