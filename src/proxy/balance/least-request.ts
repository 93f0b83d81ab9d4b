// LEAST_REQUEST, as Envoy. Equal weights: sample choice_count hosts at random (with
// replacement, default 2 — "power of two choices") and take the one with the fewest active
// requests; ties keep the first sample. Different weights: an EDF schedule whose weight is
// re-evaluated each time a host is picked,
//     weight / (active_requests + 1) ^ active_request_bias
// so busy hosts come due later but never drain completely. Active requests are read live
// from the hosts' runtime state.
import type { Random } from '../../shared/clock.js';
import { EdfScheduler } from './edf.js';
import type { Host } from './host.js';
import { equalWeights, randomIndex, type HostPool } from './pool.js';

export interface LeastRequestOptions {
  /** least_request_lb_config.choice_count, ≥ 2 (default 2). */
  choiceCount: number;
  /** least_request_lb_config.active_request_bias, ≥ 0 (default 1.0). */
  activeRequestBias: number;
}

export function leastRequestPool(hosts: readonly Host[], random: Random, opts: LeastRequestOptions): HostPool {
  return equalWeights(hosts) ? new PowerOfChoices(hosts, random, opts.choiceCount) : new WeightedLeastRequest(hosts, random, opts.activeRequestBias);
}

class PowerOfChoices implements HostPool {
  constructor(
    readonly hosts: readonly Host[],
    private readonly random: Random,
    private readonly choices: number,
  ) {}

  choose(): Host {
    const hosts = this.hosts;
    const n = hosts.length;
    let best = hosts[randomIndex(this.random, n)]!;
    for (let c = 1; c < this.choices; c++) {
      const h = hosts[randomIndex(this.random, n)]!;
      if (h.state.activeRequests < best.state.activeRequests) best = h;
    }
    return best;
  }
}

class WeightedLeastRequest implements HostPool {
  private readonly edf: EdfScheduler;

  constructor(
    readonly hosts: readonly Host[],
    random: Random,
    private readonly bias: number,
  ) {
    this.edf = new EdfScheduler(hosts.length);
    for (let i = 0; i < hosts.length; i++) this.edf.push(i, 1 / this.effectiveWeight(hosts[i]!));
    for (let n = randomIndex(random, hosts.length); n > 0; n--) this.choose();
  }

  choose(): Host {
    const i = this.edf.pop();
    const now = this.edf.deadlineOf(i);
    const h = this.hosts[i]!;
    this.edf.push(i, now + 1 / this.effectiveWeight(h));
    return h;
  }

  private effectiveWeight(h: Host): number {
    if (this.bias === 0) return h.weight;
    const active = h.state.activeRequests + 1;
    return h.weight / (this.bias === 1 ? active : Math.pow(active, this.bias));
  }
}
