// ROUND_ROBIN, as Envoy: equal weights rotate through the hosts from a random start;
// different weights follow an earliest-deadline-first schedule where a host of weight w
// is due every 1/w, so weights 3:2:1 give the repeating sequence a b a c b a. Deadlines
// are computed as (picks + 1) / weight rather than accumulated, so ties are exact and the
// sequence is periodic. The schedule starts after a random number of picks (< n) so that
// proxies do not all begin on the same host.
import type { Random } from '../../shared/clock.js';
import { EdfScheduler } from './edf.js';
import type { Host } from './host.js';
import { equalWeights, randomIndex, type HostPool } from './pool.js';

export function roundRobinPool(hosts: readonly Host[], random: Random): HostPool {
  return equalWeights(hosts) ? new RoundRobin(hosts, random) : new WeightedRoundRobin(hosts, random);
}

class RoundRobin implements HostPool {
  private next: number;

  constructor(readonly hosts: readonly Host[], random: Random) {
    this.next = randomIndex(random, hosts.length);
  }

  choose(): Host {
    const h = this.hosts[this.next]!;
    this.next = this.next + 1 === this.hosts.length ? 0 : this.next + 1;
    return h;
  }
}

class WeightedRoundRobin implements HostPool {
  private readonly edf: EdfScheduler;
  private readonly picks: Float64Array;

  constructor(readonly hosts: readonly Host[], random: Random) {
    this.edf = new EdfScheduler(hosts.length);
    this.picks = new Float64Array(hosts.length);
    for (let i = 0; i < hosts.length; i++) this.edf.push(i, 1 / hosts[i]!.weight);
    for (let n = randomIndex(random, hosts.length); n > 0; n--) this.choose();
  }

  choose(): Host {
    const i = this.edf.pop();
    const k = ++this.picks[i]!;
    this.edf.push(i, (k + 1) / this.hosts[i]!.weight);
    return this.hosts[i]!;
  }
}
