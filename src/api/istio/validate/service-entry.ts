// ServiceEntry: a service added to the mesh's registry — hosts, addresses, ports, where it
// runs (location), how its endpoints are found (resolution), and its endpoints or the
// workloads that back it.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { ServiceEntrySpec } from '../networking.js';
import { checkExportTo, checkPort, checkSelectorLabels, each } from './common.js';
import { enumOf, list, object, parseSpec, string, stringList, uint32 } from './shape.js';
import { WorkloadSelector } from './shapes.js';
import { checkWorkloadEntry, WorkloadEntryShape } from './workload-entry.js';
import { checkFQDN, checkIPOrCIDR, checkWildcardDomain, isDNS1123Label, isHTTPProtocol, isTLSProtocol, parseProtocol } from './values.js';

const ServiceEntryShape = object(
  {
    hosts: stringList,
    addresses: stringList,
    ports: list(object({ number: uint32, protocol: string, name: string, targetPort: uint32 }, { required: ['number', 'name'] })),
    location: enumOf('MESH_EXTERNAL', 'MESH_INTERNAL'),
    resolution: enumOf('NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'),
    endpoints: list(WorkloadEntryShape),
    workloadSelector: WorkloadSelector,
    exportTo: stringList,
    subjectAltNames: stringList,
  },
  { required: ['hosts'] },
);

function checkPorts(e: ErrorCollector, se: ServiceEntrySpec): Set<string> {
  const names = new Set<string>();
  const numbers = new Set<number>();
  each(se.ports, e, 'ports', (p, pe) => {
    if (names.has(p.name)) pe.add('name', `service entry port name "${p.name}" already defined`);
    if (numbers.has(p.number)) pe.add('number', `service entry port ${p.number} already defined`);
    names.add(p.name);
    numbers.add(p.number);
    if (!isDNS1123Label(p.name)) pe.add('name', `invalid port name: "${p.name}"`);
    if (p.protocol && !parseProtocol(p.protocol)) pe.add('protocol', `unsupported protocol: ${p.protocol}`);
    checkPort(pe, 'number', p.number);
    if (p.targetPort !== undefined && p.targetPort !== 0) checkPort(pe, 'targetPort', p.targetPort);
  });
  return names;
}

export function validateServiceEntry(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const se = parseSpec<ServiceEntrySpec>(spec, ServiceEntryShape, e, resource);
  if (!se) return;
  const resolution = se.resolution ?? 'NONE';
  const endpoints = se.endpoints ?? [];
  checkSelectorLabels(e, 'workloadSelector.labels', se.workloadSelector?.labels);
  if (se.workloadSelector && se.endpoints) e.add('endpoints', 'only one of workloadSelector or endpoints is allowed in a ServiceEntry');

  if (se.hosts.length === 0) e.add('hosts', 'service entry must have at least one host');
  se.hosts.forEach((h, i) => {
    const err = h === '*' ? 'invalid host *' : checkWildcardDomain(h);
    if (err) e.add(`hosts[${i}]`, err);
  });

  let cidr = false;
  each(se.addresses, e, 'addresses', (a, _ae, i) => {
    cidr ||= a.includes('/');
    const err = checkIPOrCIDR(a);
    if (err) e.add(`addresses[${i}]`, err);
  });
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC') e.add('addresses', 'CIDR addresses are allowed only for NONE/STATIC resolution types');

  const portNames = checkPorts(e, se);

  switch (resolution) {
    case 'NONE':
      if (endpoints.length) e.add('endpoints', 'no endpoints should be provided for resolution type NONE');
      break;
    case 'STATIC':
      if (!endpoints.length && !se.workloadSelector) e.add('endpoints', 'resolution STATIC requires endpoints or a workloadSelector');
      each(endpoints, e, 'endpoints', (ep, epe) => checkWorkloadEntry(epe, ep, { servicePorts: portNames, allowFQDN: false }));
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (!endpoints.length) {
        se.hosts.forEach((h, i) => {
          if (checkFQDN(h)) e.add(`hosts[${i}]`, `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}, got "${h}"`);
        });
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) e.add('endpoints', `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
      each(endpoints, e, 'endpoints', (ep, epe) => checkWorkloadEntry(epe, ep, { servicePorts: portNames, allowFQDN: true }));
      break;
  }

  // Plain TCP cannot tell several hosts apart (HTTP has the authority, TLS the SNI).
  if (resolution !== 'NONE' && se.hosts.length > 1) {
    const opaque = (se.ports ?? []).find((p) => {
      const proto = parseProtocol(p.protocol ?? '');
      return !isHTTPProtocol(proto) && !isTLSProtocol(proto);
    });
    if (opaque) e.add('hosts', `multiple hosts provided with non-HTTP, non-TLS port "${opaque.name}" (protocol ${opaque.protocol || 'unset'})`);
  }
  checkExportTo(e, se.exportTo, resource.metadata.namespace ?? 'default', { serviceEntry: true });
}
