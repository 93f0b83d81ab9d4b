// Sidecar: narrows what a workload's proxy listens on (ingress) and which services it can
// reach (egress hosts in "namespace/host" form), plus its outbound traffic policy.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { IstioEgressListener, IstioIngressListener, Port, SidecarSpec } from '../networking.js';
import { checkNamespacedHost, checkPort, checkSelectorLabels, checkUnixAddress, each, UNIX_PREFIX } from './common.js';
import { checkDestination } from './destination.js';
import { checkServerTLS } from './gateway.js';
import { enumOf, list, object, parseSpec, string, stringList } from './shape.js';
import { ConnectionPoolSettings, Destination, ServerPort, ServerTLSSettings, WorkloadSelector } from './shapes.js';
import { checkConnectionPool } from './traffic-policy.js';
import { checkFQDN, isDNS1123Label, isIPAddress, parseProtocol } from './values.js';

const CaptureMode = enumOf('DEFAULT', 'IPTABLES', 'NONE');

const SidecarShape = object({
  workloadSelector: WorkloadSelector,
  ingress: list(
    object(
      { port: ServerPort, bind: string, captureMode: CaptureMode, defaultEndpoint: string, tls: ServerTLSSettings, connectionPool: ConnectionPoolSettings },
      { required: ['port'] },
    ),
  ),
  egress: list(object({ port: ServerPort, bind: string, captureMode: CaptureMode, hosts: stringList }, { required: ['hosts'] })),
  outboundTrafficPolicy: object({ mode: enumOf('REGISTRY_ONLY', 'ALLOW_ANY'), egressProxy: Destination }),
  inboundConnectionPool: ConnectionPoolSettings,
});

function checkListenerPort(e: ErrorCollector, port: Port, bind: string | undefined, unixOk: boolean): void {
  if (port.targetPort) e.add('port.targetPort', 'targetPort has no impact on Sidecars');
  if (port.name && !isDNS1123Label(port.name)) e.add('port.name', `invalid port name: "${port.name}"`);
  if (port.protocol && !parseProtocol(port.protocol)) e.add('port.protocol', `unsupported protocol: ${port.protocol}`);
  if (unixOk && !port.number) {
    if (!bind?.startsWith(UNIX_PREFIX)) e.add('bind', 'a listener with port number 0 must bind a unix domain socket (unix://...)');
    else checkUnixAddress(e, 'bind', bind.slice(UNIX_PREFIX.length));
    return;
  }
  checkPort(e, 'port.number', port.number ?? 0);
  if (bind && !isIPAddress(bind)) e.add('bind', `${bind} is not a valid IP`);
}

/** host:port, [v6]:port or :port (Go's net.SplitHostPort). */
function splitHostPort(s: string): { host: string; port: string } | undefined {
  if (s.startsWith('[')) {
    const end = s.indexOf(']:');
    return end < 0 ? undefined : { host: s.slice(1, end), port: s.slice(end + 2) };
  }
  const colon = s.lastIndexOf(':');
  if (colon < 0 || s.slice(0, colon).includes(':')) return undefined;
  return { host: s.slice(0, colon), port: s.slice(colon + 1) };
}

function checkIngress(e: ErrorCollector, ing: IstioIngressListener): void {
  checkListenerPort(e, ing.port, ing.bind, false);
  const ep = ing.defaultEndpoint;
  if (ep) {
    if (ep.startsWith(UNIX_PREFIX)) checkUnixAddress(e, 'defaultEndpoint', ep.slice(UNIX_PREFIX.length));
    else {
      const hp = splitHostPort(ep);
      const form = 'defaultEndpoint must be of the form 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port> or unix://<path>';
      if (!hp || !['', '127.0.0.1', '0.0.0.0', '::1', '::'].includes(hp.host)) e.add('defaultEndpoint', form);
      else if (!/^\d+$/.test(hp.port)) e.add('defaultEndpoint', `defaultEndpoint port (${hp.port}) is not a number`);
      else checkPort(e, 'defaultEndpoint', Number(hp.port));
    }
  }
  const tls = ing.tls;
  if (tls) {
    if (tls.subjectAltNames?.length) e.add('tls.subjectAltNames', 'subjectAltNames is not supported in sidecar ingress tls');
    if (tls.httpsRedirect) e.add('tls.httpsRedirect', 'httpsRedirect is not supported in sidecar ingress tls');
    if (tls.credentialName) e.add('tls.credentialName', 'credentialName is not currently supported in sidecar ingress tls');
    if (tls.mode === 'ISTIO_MUTUAL' || tls.mode === 'AUTO_PASSTHROUGH') e.add('tls.mode', `cannot set mode to ${tls.mode} in sidecar ingress tls`);
    checkServerTLS(e, 'tls', tls);
  }
  checkConnectionPool(e, 'connectionPool', ing.connectionPool);
}

function checkEgress(e: ErrorCollector, eg: IstioEgressListener): void {
  if (eg.port) {
    checkListenerPort(e, eg.port, eg.bind, true);
    if (!eg.port.number && eg.captureMode && eg.captureMode !== 'DEFAULT' && eg.captureMode !== 'NONE') {
      e.add('captureMode', 'captureMode must be DEFAULT or NONE for unix domain socket listeners');
    }
  }
  if (eg.hosts.length === 0) e.add('hosts', 'egress listener must contain at least one host');
  eg.hosts.forEach((h, i) => checkNamespacedHost(e, `hosts[${i}]`, h, 'Sidecar'));
}

export function validateSidecar(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const sc = parseSpec<SidecarSpec>(spec, SidecarShape, e, resource);
  if (!sc) return;
  checkSelectorLabels(e, 'workloadSelector.labels', sc.workloadSelector?.labels);
  if (!sc.ingress?.length && !sc.egress?.length && !sc.outboundTrafficPolicy && !sc.inboundConnectionPool) {
    e.add('', 'empty configuration: set at least one of ingress, egress, outboundTrafficPolicy, inboundConnectionPool');
    return;
  }
  const ingressPorts = new Set<number>();
  each(sc.ingress, e, 'ingress', (ing, ie) => {
    checkIngress(ie, ing);
    if (ingressPorts.has(ing.port.number)) ie.add('port.number', `ports on IP bound listeners must be unique: ${ing.port.number} is used twice`);
    ingressPorts.add(ing.port.number);
  });
  checkConnectionPool(e, 'inboundConnectionPool', sc.inboundConnectionPool);

  const egressPorts = new Set<number>();
  const sockets = new Set<string>();
  let catchAll = -1;
  each(sc.egress, e, 'egress', (eg, ee, i) => {
    if (!eg.port) {
      if (catchAll >= 0) ee.add('', `egress can have only one listener without a port (egress[${catchAll}] is one)`);
      else if (i !== (sc.egress?.length ?? 0) - 1) ee.add('', 'the egress listener without a port must be the last listener in the list');
      catchAll = i;
    } else if (!eg.port.number) {
      if (sockets.has(eg.bind ?? '')) ee.add('bind', 'unix domain socket values for listeners must be unique');
      sockets.add(eg.bind ?? '');
    } else {
      if (egressPorts.has(eg.port.number)) ee.add('port.number', `ports on IP bound listeners must be unique: ${eg.port.number} is used twice`);
      egressPorts.add(eg.port.number);
    }
    checkEgress(ee, eg);
  });

  const otp = sc.outboundTrafficPolicy;
  if (otp?.egressProxy) {
    if (otp.mode !== 'ALLOW_ANY') e.add('outboundTrafficPolicy.egressProxy', 'egressProxy may be set only with mode ALLOW_ANY');
    else {
      const fqdnErr = checkFQDN(otp.egressProxy.host);
      if (fqdnErr) e.add('outboundTrafficPolicy.egressProxy.host', fqdnErr);
      if (!otp.egressProxy.port) e.add('outboundTrafficPolicy.egressProxy.port', 'required');
      checkDestination(e, 'outboundTrafficPolicy.egressProxy', otp.egressProxy);
    }
  }
}
