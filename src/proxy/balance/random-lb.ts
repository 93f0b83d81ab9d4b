// RANDOM, as Envoy: a uniformly random host of the pool; host weights are not used.
import type { Random } from '../../shared/clock.js';
import type { Host } from './host.js';
import { randomIndex, type HostPool } from './pool.js';

export function randomPool(hosts: readonly Host[], random: Random): HostPool {
  return {
    hosts,
    choose: () => hosts[randomIndex(random, hosts.length)]!,
  };
}
