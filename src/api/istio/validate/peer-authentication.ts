// PeerAuthentication: the mTLS mode workloads accept — mesh-, namespace- or workload-wide,
// with per-port overrides for workloads picked by a selector.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { PeerAuthenticationSpec } from '../security.js';
import { checkSelectorLabels } from './common.js';
import { enumOf, map, object, parseSpec } from './shape.js';
import { MatchLabelsSelector } from './shapes.js';

const MutualTLS = object({ mode: enumOf('UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT') });

const PeerAuthenticationShape = object({ selector: MatchLabelsSelector, mtls: MutualTLS, portLevelMtls: map(MutualTLS) });

export function validatePeerAuthentication(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const pa = parseSpec<PeerAuthenticationSpec>(spec, PeerAuthenticationShape, e, resource);
  if (!pa) return;
  checkSelectorLabels(e, 'selector.matchLabels', pa.selector?.matchLabels);
  if (!pa.portLevelMtls) return;
  const ports = Object.keys(pa.portLevelMtls);
  if (!pa.selector || Object.keys(pa.selector.matchLabels ?? {}).length === 0) {
    e.add('portLevelMtls', 'requires a selector with matchLabels: mesh- and namespace-wide peer authentication cannot have port level mTLS');
  }
  if (ports.length === 0) e.add('portLevelMtls', 'port level mTLS, if defined, must have at least one element');
  for (const port of ports) {
    const n = /^\d+$/.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535)) e.add(`portLevelMtls[${port}]`, `port must be a number in range 1..65535, got "${port}"`);
  }
}
