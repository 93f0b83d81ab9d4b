// Priority load and panic, computed as Envoy's LoadBalancerBase does when hosts or health
// change:
//   health(P)   = min(100, ⌊overprovisioning_factor × healthy / total⌋)   (factor 140 %)
//   degraded(P) = the same over degraded hosts
// Load goes to priorities in order, each taking health(P) × 100 / min(100, Σ health +
// degraded) of what is left, then the rest to degraded hosts the same way; rounding
// leftovers go to the first priority with healthy hosts. So P0 keeps all traffic until
// fewer than 1/1.4 ≈ 71.4 % of its hosts are healthy, and with 2 of 4 healthy it keeps 70 %.
// A priority is in panic when (healthy + degraded) / total < healthy_panic_threshold (and
// the priorities together are not fully available); it then picks among all its hosts. When
// every priority is in panic, load is spread by host count.

export interface PriorityHealth {
  /** Host counts (or, with weighted_priority_health, weight sums) of the priority. */
  total: number;
  healthy: number;
  degraded: number;
  /** Host counts for the panic check and total-panic spread (always counts, as Envoy). */
  hostCount: number;
  healthyCount: number;
  degradedCount: number;
}

export interface PriorityLoad {
  /** Percent of requests per priority going to its healthy hosts; healthy + degraded sum to 100. */
  readonly healthy: readonly number[];
  readonly degraded: readonly number[];
  /** Per priority: pick among all hosts regardless of health. */
  readonly panic: readonly boolean[];
}

export interface PriorityLoadOptions {
  /** Percent, default 140. */
  overprovisioningFactor: number;
  /** Percent 0..100; 0 disables panic. */
  healthyPanicThreshold: number;
}

export function computePriorityLoad(levels: readonly PriorityHealth[], opts: PriorityLoadOptions): PriorityLoad {
  const n = levels.length;
  const healthy = new Array<number>(n).fill(0);
  const degraded = new Array<number>(n).fill(0);
  const panic = new Array<boolean>(n).fill(false);
  if (n === 0) return { healthy, degraded, panic };

  const health = levels.map((l) => (l.total > 0 ? Math.min(100, Math.floor((opts.overprovisioningFactor * l.healthy) / l.total)) : 0));
  const degradedHealth = levels.map((l) => (l.total > 0 ? Math.min(100, Math.floor((opts.overprovisioningFactor * l.degraded) / l.total)) : 0));
  const available = Math.min(100, health.reduce((a, b) => a + b, 0) + degradedHealth.reduce((a, b) => a + b, 0));

  if (available > 0) {
    const first = (xs: number[]) => xs.findIndex((x) => x > 0);
    let remaining = distribute(healthy, health, 100, available);
    remaining = distribute(degraded, degradedHealth, remaining, available);
    if (remaining > 0) {
      const fh = first(health);
      if (fh >= 0) healthy[fh]! += remaining;
      else degraded[first(degradedHealth)]! += remaining;
    }
  }

  const threshold = Math.min(100, opts.healthyPanicThreshold);
  if (available === 0 && threshold === 0) {
    healthy[0] = 100;
    return { healthy, degraded, panic };
  }
  for (let i = 0; i < n; i++) panic[i] = available === 100 ? false : inPanic(levels[i]!, threshold);
  if (panic.every((p) => p)) {
    // Total panic: load by number of hosts, regardless of health.
    const hosts = levels.reduce((a, l) => a + l.hostCount, 0);
    degraded.fill(0);
    if (hosts === 0) {
      healthy.fill(0);
      healthy[0] = 100;
    } else {
      let left = 100;
      for (let i = 0; i < n; i++) left -= healthy[i] = Math.floor((100 * levels[i]!.hostCount) / hosts);
      healthy[levels.findIndex((l) => l.hostCount > 0)]! += left;
    }
  }
  return { healthy, degraded, panic };
}

function distribute(load: number[], availability: number[], total: number, normalizedAvailability: number): number {
  for (let i = 0; i < availability.length; i++) {
    load[i] = Math.min(total, Math.floor((availability[i]! * 100) / normalizedAvailability));
    total -= load[i]!;
  }
  return total;
}

function inPanic(l: PriorityHealth, threshold: number): boolean {
  const healthyPct = l.hostCount === 0 ? 0 : (100 * l.healthyCount) / l.hostCount;
  const degradedPct = l.hostCount === 0 ? 0 : (100 * l.degradedCount) / l.hostCount;
  return healthyPct + degradedPct < threshold;
}
