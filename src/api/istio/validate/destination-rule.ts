// DestinationRule: the policies applied to traffic for a host after routing — a required
// host, uniquely named subsets selecting pods by labels, traffic policies, exportTo and
// an optional workload selector.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { DestinationRuleSpec } from '../networking.js';
import { checkExportTo, checkLabels, checkSelectorLabels, each } from './common.js';
import { list, object, parseSpec, string, stringList, stringMap } from './shape.js';
import { MatchLabelsSelector } from './shapes.js';
import { checkTrafficPolicy, TrafficPolicyShape } from './traffic-policy.js';
import { checkWildcardDomain, isDNS1123Label } from './values.js';

const DestinationRuleShape = object(
  {
    host: string,
    trafficPolicy: TrafficPolicyShape,
    subsets: list(object({ name: string, labels: stringMap, trafficPolicy: TrafficPolicyShape }, { required: ['name'] })),
    exportTo: stringList,
    workloadSelector: MatchLabelsSelector,
  },
  { required: ['host'] },
);

export function validateDestinationRule(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const dr = parseSpec<DestinationRuleSpec>(spec, DestinationRuleShape, e, resource);
  if (!dr) return;
  const hostErr = checkWildcardDomain(dr.host);
  if (hostErr) e.add('host', hostErr);
  checkTrafficPolicy(e, 'trafficPolicy', dr.trafficPolicy);
  const names = new Set<string>();
  each(dr.subsets, e, 'subsets', (s, se) => {
    if (s.name === '') se.add('name', 'subset name cannot be empty');
    else if (!isDNS1123Label(s.name)) se.add('name', `subset name "${s.name}" is invalid: must be a DNS label`);
    else if (names.has(s.name)) se.add('name', `duplicate subset name "${s.name}"`);
    names.add(s.name);
    checkLabels(se, 'labels', s.labels);
    checkTrafficPolicy(se, 'trafficPolicy', s.trafficPolicy);
  });
  checkExportTo(e, dr.exportTo, resource.metadata.namespace ?? 'default', { withWorkloadSelector: dr.workloadSelector !== undefined });
  checkSelectorLabels(e, 'workloadSelector.matchLabels', dr.workloadSelector?.matchLabels);
}
