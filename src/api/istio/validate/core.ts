// Core v1 kinds the mesh reads: Service (ports, selector — Kubernetes' field rules) and
// Namespace (nothing in spec but finalizers; what matters is in metadata).
import type { ErrorCollector } from '../../../shared/result.js';
import type { ServiceSpec } from '../core.js';
import type { Resource } from '../meta.js';
import { checkLabels, checkPort, each } from './common.js';
import { bool, enumOf, int32, intOrString, list, object, parseSpec, string, stringList, stringMap } from './shape.js';
import { checkFQDN, isIPAddress, checkIPOrCIDR } from './values.js';

const ServiceShape = object({
  ports: list(
    object(
      { name: string, protocol: enumOf('TCP', 'UDP', 'SCTP'), appProtocol: string, port: int32, targetPort: intOrString, nodePort: int32 },
      { required: ['port'] },
    ),
  ),
  selector: stringMap,
  clusterIP: string,
  clusterIPs: stringList,
  type: enumOf('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
  externalIPs: stringList,
  sessionAffinity: enumOf('None', 'ClientIP'),
  loadBalancerIP: string,
  loadBalancerSourceRanges: stringList,
  externalName: string,
  externalTrafficPolicy: enumOf('Cluster', 'Local'),
  healthCheckNodePort: int32,
  publishNotReadyAddresses: bool,
  sessionAffinityConfig: object({ clientIP: object({ timeoutSeconds: int32 }) }),
  ipFamilies: list(enumOf('IPv4', 'IPv6')),
  ipFamilyPolicy: enumOf('SingleStack', 'PreferDualStack', 'RequireDualStack'),
  allocateLoadBalancerNodePorts: bool,
  loadBalancerClass: string,
  internalTrafficPolicy: enumOf('Cluster', 'Local'),
  trafficDistribution: string,
});

const NamespaceShape = object({ finalizers: stringList });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IANA service name, as a named targetPort: at most 15 characters, a letter, no "--". */
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

export function validateService(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const svc = parseSpec<ServiceSpec & { loadBalancerSourceRanges?: string[] }>(spec, ServiceShape, e, resource);
  if (!svc) return;
  const ports = svc.ports ?? [];
  const names = new Set<string>();
  const keys = new Set<string>();
  each(ports, e, 'ports', (p, pe) => {
    if (ports.length > 1 && !p.name) pe.add('name', 'required when a Service has more than one port');
    if (p.name) {
      if (p.name.length > 63 || !DNS_LABEL.test(p.name)) pe.add('name', `"${p.name}" is not a valid port name: lower-case letters, digits and '-', at most 63 characters`);
      if (names.has(p.name)) pe.add('name', `duplicate port name "${p.name}"`);
      names.add(p.name);
    }
    checkPort(pe, 'port', p.port);
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (keys.has(key)) pe.add('port', `duplicate port ${key}`);
    keys.add(key);
    if (typeof p.targetPort === 'number') checkPort(pe, 'targetPort', p.targetPort);
    else if (p.targetPort !== undefined && (p.targetPort.length > 15 || !IANA_SVC_NAME.test(p.targetPort))) {
      pe.add('targetPort', `"${p.targetPort}" is neither a port number nor a valid port name (at most 15 lower-case letters, digits and '-')`);
    }
    if (p.nodePort !== undefined && p.nodePort !== 0) checkPort(pe, 'nodePort', p.nodePort);
  });
  checkLabels(e, 'selector', svc.selector);
  for (const [field, ips] of [['clusterIPs', svc.clusterIPs], ['externalIPs', svc.externalIPs]] as const) {
    (ips ?? []).forEach((ip, i) => {
      if (!(field === 'clusterIPs' && ip === 'None') && !isIPAddress(ip)) e.add(`${field}[${i}]`, `${ip} is not a valid IP`);
    });
  }
  if (svc.clusterIP && svc.clusterIP !== 'None' && !isIPAddress(svc.clusterIP)) e.add('clusterIP', `${svc.clusterIP} is not a valid IP (or "None")`);
  (svc.loadBalancerSourceRanges ?? []).forEach((r, i) => {
    const err = checkIPOrCIDR(r);
    if (err) e.add(`loadBalancerSourceRanges[${i}]`, err);
  });
  if (svc.type === 'ExternalName') {
    if (!svc.externalName) e.add('externalName', 'required for type ExternalName');
    else if (checkFQDN(svc.externalName)) e.add('externalName', `"${svc.externalName}" is not a valid DNS name`);
  } else if (ports.length === 0 && svc.clusterIP !== 'None') {
    e.add('ports', `required: a Service of type ${svc.type ?? 'ClusterIP'} must have at least one port`);
  }
}

export function validateNamespace(spec: unknown, e: ErrorCollector, resource: Resource): void {
  parseSpec(spec, NamespaceShape, e, resource);
}
