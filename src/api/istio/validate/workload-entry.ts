// WorkloadEntry: one non-Kubernetes workload (a VM, a process) — its address or network,
// named ports, labels. The same message is a ServiceEntry endpoint.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { WorkloadEntrySpec } from '../networking.js';
import { checkLabels, checkPort, checkUnixAddress, UNIX_PREFIX } from './common.js';
import { map, object, parseSpec, string, stringMap, uint32 } from './shape.js';
import { checkFQDN, isDNS1123Label, isIPAddress } from './values.js';

export const WorkloadEntryShape = object({
  address: string,
  ports: map(uint32),
  labels: stringMap,
  network: string,
  locality: string,
  weight: uint32,
  serviceAccount: string,
});

/**
 * Checks a workload entry. `servicePorts` (a ServiceEntry's port names) restricts the port
 * names an endpoint may use; `allowFQDN` accepts DNS names as addresses (not for STATIC).
 */
export function checkWorkloadEntry(e: ErrorCollector, we: WorkloadEntrySpec, opts: { servicePorts?: ReadonlySet<string>; allowFQDN: boolean }): void {
  const addr = we.address ?? '';
  if (addr === '' && !we.network) e.add('address', 'required (unless network is set)');
  if (addr.startsWith(UNIX_PREFIX)) {
    checkUnixAddress(e, 'address', addr.slice(UNIX_PREFIX.length));
    if (Object.keys(we.ports ?? {}).length) e.add('ports', `unix endpoint ${addr} must not include ports`);
    if (opts.servicePorts && opts.servicePorts.size !== 1) e.add('address', 'exactly 1 service port required for unix endpoints');
  } else if (addr !== '' && !isIPAddress(addr)) {
    if (!opts.allowFQDN) e.add('address', `endpoint address "${addr}" is not a valid IP address`);
    else if (checkFQDN(addr)) e.add('address', `endpoint address "${addr}" is not a valid FQDN or an IP address`);
  }
  for (const [name, port] of Object.entries(we.ports ?? {})) {
    const at = `ports[${name}]`;
    if (opts.servicePorts && !opts.servicePorts.has(name)) e.add(at, `endpoint port "${name}" is not defined by the service entry (ports: ${[...opts.servicePorts].join(', ')})`);
    if (!isDNS1123Label(name)) e.add(at, `invalid port name: ${name}`);
    checkPort(e, at, port);
  }
  checkLabels(e, 'labels', we.labels);
}

export function validateWorkloadEntry(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const we = parseSpec<WorkloadEntrySpec>(spec, WorkloadEntryShape, e, resource);
  if (we) checkWorkloadEntry(e, we, { allowFQDN: true });
}
