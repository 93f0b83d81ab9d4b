// Locality weighted load balancing (common_lb_config.locality_weighted_lb_config) for the
// non-hash policies, as Envoy: a locality is picked by an EDF schedule over its effective
// weight, then a host inside it by the cluster's policy.
//   effective weight = locality weight × min(1, overprovisioning_factor × eligible / hosts)
// where eligible are the locality's healthy (or, for degraded traffic, degraded) hosts, so a
// locality losing hosts sheds load to the others only once below 1/1.4 of its hosts.
// Localities of weight 0 get nothing; when none has weight, the caller picks from the whole
// priority instead.
import type { Random } from '../../shared/clock.js';
import { EdfScheduler } from './edf.js';
import { randomIndex, type HostPool } from './pool.js';

export function effectiveLocalityWeight(weight: number, eligible: number, hosts: number, overprovisioningFactor: number): number {
  if (hosts === 0) return 0;
  return weight * Math.min(1, ((overprovisioningFactor / 100) * eligible) / hosts);
}

export class LocalityScheduler {
  private readonly edf: EdfScheduler;
  private readonly picks: Float64Array;

  /** `pools[i]` takes a share proportional to `weights[i]` (> 0 each). */
  constructor(
    readonly pools: readonly HostPool[],
    private readonly weights: readonly number[],
    random: Random,
  ) {
    this.edf = new EdfScheduler(pools.length);
    this.picks = new Float64Array(pools.length);
    for (let i = 0; i < pools.length; i++) this.edf.push(i, 1 / weights[i]!);
    for (let n = randomIndex(random, pools.length); n > 0; n--) this.next();
  }

  next(): HostPool {
    const i = this.edf.pop();
    const k = ++this.picks[i]!;
    this.edf.push(i, (k + 1) / this.weights[i]!);
    return this.pools[i]!;
  }
}
