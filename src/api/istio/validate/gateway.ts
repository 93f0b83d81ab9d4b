// Gateway: servers (port, hosts, TLS) exposed by the gateway workloads the selector picks.
// Also the server-side TLS settings check Sidecar ingress listeners share.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { GatewaySpec, Port, Server, ServerTLSSettings } from '../networking.js';
import { checkNamespacedHost, checkPort, checkUnixAddress, each, UNIX_PREFIX } from './common.js';
import { list, object, parseSpec, string, stringList, stringMap } from './shape.js';
import { ServerPort, ServerTLSSettings as ServerTLSShape } from './shapes.js';
import { isHTTPProtocol, isIPAddress, isTLSProtocol, parseProtocol } from './values.js';

const GatewayShape = object({
  servers: list(object({ port: ServerPort, bind: string, hosts: stringList, tls: ServerTLSShape, defaultEndpoint: string, name: string }, { required: ['port', 'hosts'] })),
  selector: stringMap,
});

type ServerTLS = ServerTLSSettings & { tlsCertificates?: { serverCertificate?: string; privateKey?: string; caCertificates?: string }[]; caCertCredentialName?: string };

/** Server-side TLS: which credentials each mode needs, and which it may not have. */
export function checkServerTLS(e: ErrorCollector, field: string, settings: ServerTLSSettings | undefined): void {
  const tls = settings as ServerTLS | undefined;
  if (!tls) return;
  const at = (f: string) => `${field}.${f}`;
  if (tls.mode === 'ISTIO_MUTUAL') {
    for (const f of ['serverCertificate', 'privateKey', 'caCertificates', 'credentialName'] as const) {
      if (tls[f]) e.add(at(f), `ISTIO_MUTUAL TLS cannot have an associated ${f}`);
    }
    return;
  }
  const mode = tls.mode ?? 'PASSTHROUGH';
  const remote = Boolean(tls.credentialName) || (tls.credentialNames?.length ?? 0) > 0 || (tls.tlsCertificates?.length ?? 0) > 0;
  if ((mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') && remote) {
    if (tls.caCrl && tls.credentialName) e.add(at('caCrl'), 'CRL is not supported with credentialName. CRL has to be specified in the credential');
    return;
  }
  if (mode === 'SIMPLE') {
    if (!tls.serverCertificate) e.add(at('serverCertificate'), 'SIMPLE TLS requires a server certificate (or credentialName)');
    if (!tls.privateKey) e.add(at('privateKey'), 'SIMPLE TLS requires a private key (or credentialName)');
    if (tls.caCrl) e.add(at('caCrl'), 'CRL is not supported with SIMPLE TLS');
  } else if (mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
    if (!tls.serverCertificate) e.add(at('serverCertificate'), `${mode} TLS requires a server certificate (or credentialName)`);
    if (!tls.privateKey) e.add(at('privateKey'), `${mode} TLS requires a private key (or credentialName)`);
    if (!tls.caCertificates) e.add(at('caCertificates'), `${mode} TLS requires a client CA bundle (or credentialName)`);
  }
}

function checkServerPort(e: ErrorCollector, port: Port, bind: string | undefined): void {
  if (!parseProtocol(port.protocol ?? '')) {
    e.add('port.protocol', `invalid protocol "${port.protocol ?? ''}", supported protocols are HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, TLS, TCP, MONGO, REDIS, MYSQL`);
  }
  if (port.number === undefined) e.add('port.number', 'required');
  else if (port.number > 0 || !bind?.startsWith(UNIX_PREFIX)) checkPort(e, 'port.number', port.number);
  if (port.targetPort) e.add('port.targetPort', 'targetPort has no impact on Gateways');
  if (!port.name) e.add('port.name', 'port name must be set');
}

function checkServer(e: ErrorCollector, s: Server): void {
  if (s.hosts.length === 0) e.add('hosts', 'server config must contain at least one host');
  s.hosts.forEach((h, i) => checkNamespacedHost(e, `hosts[${i}]`, h, 'Gateway'));
  checkServerPort(e, s.port, s.bind);
  if (s.bind?.startsWith(UNIX_PREFIX)) {
    checkUnixAddress(e, 'bind', s.bind.slice(UNIX_PREFIX.length));
    if (s.port.number) e.add('port.number', `port number must be 0 for unix domain socket: ${s.port.number}`);
  } else if (s.bind && !isIPAddress(s.bind)) e.add('bind', `${s.bind} is not a valid IP`);
  checkServerTLS(e, 'tls', s.tls);
  const protocol = parseProtocol(s.port.protocol ?? '');
  if (!protocol) return;
  if (isTLSProtocol(protocol) && !s.tls) e.add('tls', `required: a server with protocol ${s.port.protocol} must have TLS settings`);
  else if (!isTLSProtocol(protocol) && s.tls) {
    const passthrough = s.tls.mode === undefined || s.tls.mode === 'PASSTHROUGH' || s.tls.mode === 'AUTO_PASSTHROUGH';
    if (!isHTTPProtocol(protocol)) e.add('tls', 'server cannot have TLS settings for non HTTPS/TLS ports');
    else if (!passthrough || s.tls.caCertificates || s.tls.privateKey || s.tls.serverCertificate) e.add('tls', 'server cannot have TLS settings for plain text HTTP ports (only httpsRedirect)');
  }
}

export function validateGateway(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const gw = parseSpec<GatewaySpec>(spec, GatewayShape, e, resource);
  if (!gw) return;
  if (!gw.servers?.length) {
    e.add('servers', 'required: a gateway must have at least one server');
    return;
  }
  const portNames = new Map<string, number>();
  const serverNames = new Map<string, number>();
  each(gw.servers, e, 'servers', (s, se, i) => {
    checkServer(se, s);
    const portName = s.port.name ?? '';
    if (portName && portNames.has(portName)) se.add('port.name', `port names in servers must be unique: "${portName}" is also used by servers[${portNames.get(portName)}]`);
    else portNames.set(portName, i);
    if (s.name && serverNames.has(s.name)) se.add('name', `server names must be unique: "${s.name}" is also used by servers[${serverNames.get(s.name)}]`);
    else if (s.name) serverNames.set(s.name, i);
  });
}
