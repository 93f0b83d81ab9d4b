// A cluster's load balancing settings (lb_policy, its lb_config, common_lb_config) read once
// into a plain object with Envoy's defaults filled in. validateLbConfig() lists what Envoy
// would reject so the xDS client can NACK; lbConfigOf() on an invalid cluster falls back to
// the defaults for the bad fields (and logs once) rather than build a broken picker.
import { Cluster_DiscoveryType, Cluster_LbPolicy, Cluster_RingHashLbConfig_HashFunction, type Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { logger } from '../../shared/log.js';
import type { LeastRequestOptions } from './least-request.js';
import { DEFAULT_MAGLEV_TABLE_SIZE } from './maglev.js';
import { DEFAULT_MAX_RING_SIZE, DEFAULT_MIN_RING_SIZE, type RingHashOptions } from './ring-hash.js';

const log = logger('balance');

export type LbPolicyName = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';

export interface LbConfig {
  readonly policy: LbPolicyName;
  /** common_lb_config.healthy_panic_threshold, percent rounded (default 50; 0 disables panic). */
  readonly healthyPanicThreshold: number;
  /** common_lb_config.locality_weighted_lb_config is set. */
  readonly localityWeighted: boolean;
  readonly leastRequest: LeastRequestOptions;
  readonly ringHash: RingHashOptions;
  readonly maglevTableSize: number;
  readonly useHostnameForHashing: boolean;
}

const POLICY: Partial<Record<Cluster_LbPolicy, LbPolicyName>> = {
  [Cluster_LbPolicy.ROUND_ROBIN]: 'ROUND_ROBIN',
  [Cluster_LbPolicy.LEAST_REQUEST]: 'LEAST_REQUEST',
  [Cluster_LbPolicy.RANDOM]: 'RANDOM',
  [Cluster_LbPolicy.RING_HASH]: 'RING_HASH',
  [Cluster_LbPolicy.MAGLEV]: 'MAGLEV',
  [Cluster_LbPolicy.CLUSTER_PROVIDED]: 'CLUSTER_PROVIDED',
};

/** Envoy's limit on maglev_lb_config.table_size. */
const MAX_MAGLEV_TABLE_SIZE = 5000011;

export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** What Envoy would reject in the cluster's load balancing settings ([] when fine). */
export function validateLbConfig(cluster: Cluster): string[] {
  const errors: string[] = [];
  const originalDst = cluster.clusterDiscoveryType.case === 'type' && cluster.clusterDiscoveryType.value === Cluster_DiscoveryType.ORIGINAL_DST;
  const policy = POLICY[cluster.lbPolicy];
  if (policy === undefined) errors.push(`lb_policy: ${Cluster_LbPolicy[cluster.lbPolicy] ?? cluster.lbPolicy} is not supported`);
  else if (policy === 'CLUSTER_PROVIDED' && !originalDst) errors.push('lb_policy: CLUSTER_PROVIDED needs an ORIGINAL_DST cluster');

  const panic = cluster.commonLbConfig?.healthyPanicThreshold?.value;
  if (panic !== undefined && !(panic >= 0 && panic <= 100)) errors.push(`common_lb_config.healthy_panic_threshold: ${panic} is not in 0..100`);

  const c = cluster.lbConfig;
  if (c.case === 'leastRequestLbConfig') {
    const n = c.value.choiceCount;
    if (n !== undefined && n < 2) errors.push(`least_request_lb_config.choice_count: ${n} must be at least 2`);
    const bias = c.value.activeRequestBias?.defaultValue;
    if (bias !== undefined && !(bias >= 0)) errors.push(`least_request_lb_config.active_request_bias: ${bias} must be ≥ 0`);
  } else if (c.case === 'ringHashLbConfig') {
    const min = Number(c.value.minimumRingSize ?? BigInt(DEFAULT_MIN_RING_SIZE));
    const max = Number(c.value.maximumRingSize ?? BigInt(DEFAULT_MAX_RING_SIZE));
    if (min < 1 || min > DEFAULT_MAX_RING_SIZE) errors.push(`ring_hash_lb_config.minimum_ring_size: ${min} is not in 1..${DEFAULT_MAX_RING_SIZE}`);
    if (max < 1 || max > DEFAULT_MAX_RING_SIZE) errors.push(`ring_hash_lb_config.maximum_ring_size: ${max} is not in 1..${DEFAULT_MAX_RING_SIZE}`);
    if (min > max) errors.push(`ring_hash_lb_config: minimum_ring_size (${min}) > maximum_ring_size (${max})`);
  } else if (c.case === 'maglevLbConfig') {
    const size = Number(c.value.tableSize ?? BigInt(DEFAULT_MAGLEV_TABLE_SIZE));
    if (!isPrime(size) || size > MAX_MAGLEV_TABLE_SIZE) errors.push(`maglev_lb_config.table_size: ${size} must be a prime ≤ ${MAX_MAGLEV_TABLE_SIZE}`);
  }
  return errors;
}

const warned = new Set<string>();

/** The cluster's settings with defaults; invalid fields (see validateLbConfig) fall back to defaults. */
export function lbConfigOf(cluster: Cluster): LbConfig {
  const errors = validateLbConfig(cluster);
  if (errors.length > 0 && !warned.has(cluster.name)) {
    warned.add(cluster.name);
    log.warn('invalid load balancing settings, using defaults for them', { cluster: cluster.name, errors: errors.join('; ') });
  }
  const originalDst = cluster.clusterDiscoveryType.case === 'type' && cluster.clusterDiscoveryType.value === Cluster_DiscoveryType.ORIGINAL_DST;
  const policy: LbPolicyName = originalDst ? 'CLUSTER_PROVIDED' : (POLICY[cluster.lbPolicy] ?? 'ROUND_ROBIN');

  const common = cluster.commonLbConfig;
  const panicRaw = common?.healthyPanicThreshold?.value;
  const healthyPanicThreshold = panicRaw !== undefined && panicRaw >= 0 && panicRaw <= 100 ? Math.round(panicRaw) : 50;

  const c = cluster.lbConfig;
  const lr = c.case === 'leastRequestLbConfig' ? c.value : undefined;
  const choiceCount = lr?.choiceCount !== undefined && lr.choiceCount >= 2 ? lr.choiceCount : 2;
  const biasRaw = lr?.activeRequestBias?.defaultValue;
  const activeRequestBias = biasRaw !== undefined && biasRaw >= 0 ? biasRaw : 1;

  const rh = c.case === 'ringHashLbConfig' ? c.value : undefined;
  let minimumRingSize = Number(rh?.minimumRingSize ?? BigInt(DEFAULT_MIN_RING_SIZE));
  let maximumRingSize = Number(rh?.maximumRingSize ?? BigInt(DEFAULT_MAX_RING_SIZE));
  if (minimumRingSize < 1 || minimumRingSize > DEFAULT_MAX_RING_SIZE) minimumRingSize = DEFAULT_MIN_RING_SIZE;
  if (maximumRingSize < 1 || maximumRingSize > DEFAULT_MAX_RING_SIZE) maximumRingSize = DEFAULT_MAX_RING_SIZE;
  if (minimumRingSize > maximumRingSize) [minimumRingSize, maximumRingSize] = [DEFAULT_MIN_RING_SIZE, DEFAULT_MAX_RING_SIZE];

  const mg = c.case === 'maglevLbConfig' ? c.value : undefined;
  const size = Number(mg?.tableSize ?? BigInt(DEFAULT_MAGLEV_TABLE_SIZE));
  const maglevTableSize = isPrime(size) && size <= MAX_MAGLEV_TABLE_SIZE ? size : DEFAULT_MAGLEV_TABLE_SIZE;

  const useHostnameForHashing = common?.consistentHashingLbConfig?.useHostnameForHashing ?? false;
  return {
    policy,
    healthyPanicThreshold,
    localityWeighted: common?.localityConfigSpecifier.case === 'localityWeightedLbConfig',
    leastRequest: { choiceCount, activeRequestBias },
    ringHash: {
      minimumRingSize,
      maximumRingSize,
      hashFunction: rh?.hashFunction === Cluster_RingHashLbConfig_HashFunction.MURMUR_HASH_2 ? 'MURMUR_HASH_2' : 'XX_HASH',
      useHostnameForHashing,
    },
    maglevTableSize,
    useHostnameForHashing,
  };
}
