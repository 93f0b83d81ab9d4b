// Route destinations: a destination's host, subset and port, and the weights of a route's
// destinations (each 0..100; they must sum to 100 when there is more than one).
import type { ErrorCollector } from '../../../shared/result.js';
import type { Destination } from '../networking.js';
import { checkPort } from './common.js';
import { checkWildcardDomain, isDNS1123Label } from './values.js';

export function checkDestination(e: ErrorCollector, field: string, d: Destination | undefined): void {
  if (!d) return;
  if (d.host === '') e.add(`${field}.host`, 'required');
  else if (d.host === '*') e.add(`${field}.host`, 'invalid destination host *');
  else {
    const err = checkWildcardDomain(d.host);
    if (err) e.add(`${field}.host`, err);
  }
  if (d.subset !== undefined && d.subset !== '' && !isDNS1123Label(d.subset)) e.add(`${field}.subset`, `subset name "${d.subset}" is invalid: must be a DNS label`);
  if (d.port) checkPort(e, `${field}.port.number`, d.port.number ?? 0);
}

/**
 * Weights are 0..100; with more than one destination they must sum to 100. The sum error
 * is reported at the last destination that sets a weight (or at the route when none does).
 */
export function checkRouteWeights(e: ErrorCollector, field: string, dests: readonly { weight?: number }[]): void {
  let inRange = true;
  dests.forEach((d, i) => {
    if (d.weight !== undefined && (d.weight < 0 || d.weight > 100)) {
      e.add(`${field}[${i}].weight`, `must be in the range 0..100, got ${d.weight}`);
      inRange = false;
    }
  });
  if (!inRange || dests.length < 2) return;
  const sum = dests.reduce((s, d) => s + (d.weight ?? 0), 0);
  if (sum === 100) return;
  let last = -1;
  dests.forEach((d, i) => {
    if (d.weight !== undefined) last = i;
  });
  e.add(last < 0 ? field : `${field}[${last}].weight`, `weights must sum to 100, got ${sum}`);
}
