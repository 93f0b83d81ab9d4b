// What ring hash and maglev share: host weights normalized to sum to 1 (scaled by locality
// weight under locality weighted LB, as Envoy's thread-aware balancers do), the key a host
// is hashed by, and 64-bit hash arithmetic on [high32, low32] halves.
import type { Host } from './host.js';

export interface WeightedHost {
  readonly host: Host;
  /** Normalized: the weights of a pool sum to 1. */
  readonly weight: number;
}

export interface NormalizedWeights {
  readonly hosts: readonly WeightedHost[];
  readonly min: number;
  readonly max: number;
}

export interface LocalityGroup {
  readonly weight: number;
  readonly hosts: readonly Host[];
}

/**
 * Envoy's normalizeWeights: without localities each host gets weight / Σweight; with them
 * each host gets weight / Σweight(locality) × localityWeight / ΣlocalityWeight, localities
 * of weight 0 are left out, and when every locality weight is 0 the result is empty.
 */
export function normalizeWeights(hosts: readonly Host[], localities: readonly LocalityGroup[] | undefined): NormalizedWeights {
  const out: WeightedHost[] = [];
  let min = 1;
  let max = 0;
  const addHosts = (list: readonly Host[], share: number) => {
    let sum = 0;
    for (const h of list) sum += h.weight;
    for (const h of list) {
      const weight = (h.weight * share) / sum;
      out.push({ host: h, weight });
      if (weight < min) min = weight;
      if (weight > max) max = weight;
    }
  };
  if (!localities) {
    if (hosts.length > 0) addHosts(hosts, 1);
  } else {
    let sum = 0;
    for (const l of localities) sum += l.weight;
    if (sum > 0) for (const l of localities) if (l.weight > 0 && l.hosts.length > 0) addHosts(l.hosts, l.weight / sum);
  }
  return { hosts: out, min, max };
}

/** The string a host is hashed by: its address (`ip:port`), or its hostname with use_hostname_for_hashing. */
export function hashKeyOf(h: Host, useHostname: boolean): string {
  return useHostname && h.hostname !== '' ? h.hostname : h.key;
}

/** (hi·2³² + lo) mod m, exact for m < 2³⁷. */
export function mod64(hi: number, lo: number, m: number): number {
  return ((((hi % m) * 65536) % m) * 65536 + lo) % m;
}

/** Sorted by hash key so that a pool does not depend on the order EDS listed its hosts. */
export function byHashKey(hosts: readonly WeightedHost[], useHostname: boolean): { entry: WeightedHost; key: string }[] {
  return hosts
    .map((entry) => ({ entry, key: hashKeyOf(entry.host, useHostname) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
