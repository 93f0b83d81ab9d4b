// The picker: built when a cluster's hosts, their health or ejections change (slow path);
// a request calls pick() once (fast path). A pick draws a number 1..100 — from the request
// hash for ring hash and maglev, at random otherwise — that selects a priority and whether
// its healthy or degraded hosts serve (priority-load.ts, precomputed into a 100-entry
// table); then, in panic, any host of that priority; with locality weighted LB, a locality
// then a host in it; else a host of the priority by the cluster's policy.
// `exclude` (the retry's previous hosts) is honoured when any other host of the chosen
// priority can serve: policies retry, hash pools walk their ring/table. When every such host
// is excluded, the policy's choice is returned anyway, as Envoy's retry host predicate does.
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Random } from '../../shared/clock.js';
import { mod64, normalizeWeights } from './consistent-hash.js';
import { availability, type Availability, type Host, type Locality } from './host.js';
import type { HostSet, PriorityHosts } from './host-set.js';
import { lbConfigOf, type LbConfig, type LbPolicyName } from './lb-config.js';
import { leastRequestPool } from './least-request.js';
import { effectiveLocalityWeight, LocalityScheduler } from './locality.js';
import { Maglev } from './maglev.js';
import { chooseExcluding, type HostPool } from './pool.js';
import { computePriorityLoad, type PriorityLoad } from './priority-load.js';
import { randomPool } from './random-lb.js';
import { RingHash } from './ring-hash.js';
import { roundRobinPool } from './round-robin.js';

export interface PickContext {
  /** The request hash from the route's hash policies (hash-policy.ts); ring hash and maglev only. */
  hash?: bigint | number;
  /** Hosts to avoid (retry previous_hosts). */
  exclude?: ReadonlySet<Host>;
}

export interface PickerOptions {
  random: Random;
  /** The proxy's locality; reserved for zone-aware routing (not implemented), the HostSet orders it first. */
  localLocality?: Locality;
}

export interface Picker {
  readonly policy: LbPolicyName;
  readonly config: LbConfig;
  readonly hostSet: HostSet;
  readonly load: PriorityLoad;
  /**
   * A host for one request, undefined when none can serve (no hosts, or panic disabled and
   * none healthy: the router answers 503 UH) — and always for CLUSTER_PROVIDED, where the
   * caller connects to the original destination.
   */
  pick(ctx?: PickContext): Host | undefined;
  /** A new picker for the same cluster settings over `hostSet` (or the same hosts with new health/ejections). */
  rebuild(hostSet?: HostSet): Picker;
}

export function createPicker(cluster: Cluster, hostSet: HostSet, opts: PickerOptions): Picker {
  return buildPicker(lbConfigOf(cluster), hostSet, opts);
}

export function buildPicker(config: LbConfig, hostSet: HostSet, opts: PickerOptions): Picker {
  return config.policy === 'CLUSTER_PROVIDED' ? new OriginalDestinationPicker(config, hostSet, opts) : new PriorityPicker(config, hostSet, opts);
}

class OriginalDestinationPicker implements Picker {
  readonly policy = 'CLUSTER_PROVIDED';
  readonly load: PriorityLoad = { healthy: [], degraded: [], panic: [] };

  constructor(
    readonly config: LbConfig,
    readonly hostSet: HostSet,
    private readonly opts: PickerOptions,
  ) {}

  pick(): undefined {
    return undefined;
  }

  rebuild(hostSet?: HostSet): Picker {
    return new OriginalDestinationPicker(this.config, hostSet ?? this.hostSet, this.opts);
  }
}

/** Hosts of one priority serving one kind of traffic (healthy, degraded, or all in panic). */
class Source {
  constructor(
    private readonly flat: HostPool | undefined,
    private readonly localities: LocalityScheduler | undefined,
    private readonly random: Random,
  ) {}

  choose(hi: number, lo: number): Host | undefined {
    if (this.localities) return this.localities.next().choose(hi, lo);
    return this.flat?.choose(hi, lo);
  }

  chooseExcluding(hi: number, lo: number, exclude: ReadonlySet<Host>): Host | undefined {
    if (this.localities) {
      for (let i = 0; i < this.localities.pools.length; i++) {
        const h = chooseExcluding(this.localities.next(), hi, lo, exclude, this.random);
        if (h) return h;
      }
    } else if (this.flat) {
      const h = chooseExcluding(this.flat, hi, lo, exclude, this.random);
      if (h) return h;
    }
    return this.choose(hi, lo);
  }
}

type Kind = Availability | 'all';

class PriorityPicker implements Picker {
  readonly policy: LbPolicyName;
  readonly load: PriorityLoad;
  private readonly hashed: boolean;
  /** Index 1..100: the source a pick with that number goes to. */
  private readonly byPercent: (Source | undefined)[] = new Array<Source | undefined>(101);
  /** Set when one source takes all the load (the common case): no priority draw needed. */
  private readonly only: Source | undefined;
  private readonly random: Random;

  constructor(
    readonly config: LbConfig,
    readonly hostSet: HostSet,
    private readonly opts: PickerOptions,
  ) {
    this.policy = config.policy;
    this.random = opts.random;
    this.hashed = config.policy === 'RING_HASH' || config.policy === 'MAGLEV';
    const levels = hostSet.priorities.map((p) => health(p, hostSet.weightedPriorityHealth));
    this.load = computePriorityLoad(levels, { overprovisioningFactor: hostSet.overprovisioningFactor, healthyPanicThreshold: config.healthyPanicThreshold });

    let pct = 1;
    let acc = 0;
    const sources = new Map<string, Source>();
    const fill = (loads: readonly number[], kind: Kind) => {
      loads.forEach((load, p) => {
        if (load === 0) return;
        const k: Kind = this.load.panic[p] ? 'all' : kind;
        let source = sources.get(`${p}/${k}`);
        if (!source) sources.set(`${p}/${k}`, (source = this.source(hostSet.priorities[p]!, k)));
        for (acc += load; pct <= acc && pct <= 100; pct++) this.byPercent[pct] = source;
      });
    };
    fill(this.load.healthy, 'healthy');
    fill(this.load.degraded, 'degraded');
    this.only = this.byPercent.every((x, i) => i === 0 || x === this.byPercent[1]) ? this.byPercent[1] : undefined;
  }

  pick(ctx?: PickContext): Host | undefined {
    let hi = 0;
    let lo = 0;
    let pct: number;
    if (this.hashed) {
      const h = ctx?.hash;
      if (h === undefined) {
        hi = (this.random.next() * 4294967296) >>> 0;
        lo = (this.random.next() * 4294967296) >>> 0;
      } else if (typeof h === 'bigint') {
        const u = BigInt.asUintN(64, h);
        hi = Number(u >> 32n);
        lo = Number(u & 0xffffffffn);
      } else {
        hi = Math.floor(h / 4294967296) >>> 0;
        lo = h >>> 0;
      }
      pct = mod64(hi, lo, 100) + 1;
    } else {
      pct = this.only ? 1 : Math.floor(this.random.next() * 100) + 1;
    }
    const source = this.only ?? this.byPercent[pct];
    if (source === undefined) return undefined;
    const exclude = ctx?.exclude;
    return exclude !== undefined && exclude.size > 0 ? source.chooseExcluding(hi, lo, exclude) : source.choose(hi, lo);
  }

  rebuild(hostSet?: HostSet): Picker {
    return new PriorityPicker(this.config, hostSet ?? this.hostSet, this.opts);
  }

  private source(p: PriorityHosts, kind: Kind): Source {
    const keep = (hs: readonly Host[]) => (kind === 'all' ? hs : hs.filter((h) => availability(h) === kind));
    const hosts = keep(p.hosts);
    const cfg = this.config;
    if (hosts.length === 0) return new Source(undefined, undefined, this.random);

    if (this.hashed) {
      const localities = cfg.localityWeighted ? p.localities.map((l) => ({ weight: l.weight, hosts: keep(l.hosts) })) : undefined;
      const weights = normalizeWeights(hosts, localities);
      if (weights.hosts.length === 0) return new Source(undefined, undefined, this.random);
      const pool = cfg.policy === 'MAGLEV' ? new Maglev(weights, cfg.maglevTableSize, cfg.useHostnameForHashing) : new RingHash(weights, cfg.ringHash);
      return new Source(pool, undefined, this.random);
    }

    if (cfg.localityWeighted && kind !== 'all') {
      const pools: HostPool[] = [];
      const weights: number[] = [];
      for (const l of p.localities) {
        const eligible = keep(l.hosts);
        const w = effectiveLocalityWeight(l.weight, eligible.length, l.hosts.length, this.hostSet.overprovisioningFactor);
        if (w > 0 && eligible.length > 0) {
          pools.push(this.pool(eligible));
          weights.push(w);
        }
      }
      if (pools.length > 0) return new Source(undefined, new LocalityScheduler(pools, weights, this.random), this.random);
    }
    return new Source(this.pool(hosts), undefined, this.random);
  }

  private pool(hosts: readonly Host[]): HostPool {
    switch (this.config.policy) {
      case 'LEAST_REQUEST':
        return leastRequestPool(hosts, this.random, this.config.leastRequest);
      case 'RANDOM':
        return randomPool(hosts, this.random);
      default:
        return roundRobinPool(hosts, this.random);
    }
  }
}

function health(p: PriorityHosts, weighted: boolean) {
  let healthy = 0, degraded = 0, healthyW = 0, degradedW = 0, totalW = 0;
  for (const h of p.hosts) {
    const a = availability(h);
    totalW += h.weight;
    if (a === 'healthy') {
      healthy++;
      healthyW += h.weight;
    } else if (a === 'degraded') {
      degraded++;
      degradedW += h.weight;
    }
  }
  const n = p.hosts.length;
  return weighted
    ? { total: totalW, healthy: healthyW, degraded: degradedW, hostCount: n, healthyCount: healthy, degradedCount: degraded }
    : { total: n, healthy, degraded, hostCount: n, healthyCount: healthy, degradedCount: degraded };
}
