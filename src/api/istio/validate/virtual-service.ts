// VirtualService: hosts (none for a delegate), gateways, and ordered HTTP, TLS and TCP
// routes. The shape is Istio's CRD schema; the rules are its validation webhook's.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { L4MatchAttributes, TCPRoute, TLSRoute, VirtualServiceSpec } from '../networking.js';
import { checkExportTo, checkGatewayNames, checkLabels, checkNamespaceName, checkPort, each } from './common.js';
import { bool, duration, enumOf, int32, list, map, object, parseSpec, string, stringList, stringMap, uint32 } from './shape.js';
import { Destination, Headers, Percent, StringMatch } from './shapes.js';
import { checkHTTPRoute } from './http-route.js';
import { checkDestination, checkRouteWeights } from './destination.js';
import { checkIPOrCIDR, checkWildcardDomain, hostSubsetOf, hostsOverlap, isIPAddress } from './values.js';

const HTTPMatchRequest = object({
  name: string,
  uri: StringMatch,
  scheme: StringMatch,
  method: StringMatch,
  authority: StringMatch,
  headers: map(StringMatch),
  port: uint32,
  sourceLabels: stringMap,
  gateways: stringList,
  queryParams: map(StringMatch),
  ignoreUriCase: bool,
  withoutHeaders: map(StringMatch),
  sourceNamespace: string,
  statPrefix: string,
});

const HTTPRoute = object({
  name: string,
  match: list(HTTPMatchRequest),
  route: list(object({ destination: Destination, weight: int32, headers: Headers }, { required: ['destination'] })),
  redirect: object(
    { uri: string, authority: string, port: uint32, derivePort: enumOf('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'), scheme: string, redirectCode: uint32 },
    { oneofs: [['port', 'derivePort']] },
  ),
  directResponse: object({ status: uint32, body: object({ string, bytes: string }, { oneofs: [['string', 'bytes']] }) }, { required: ['status'] }),
  delegate: object({ name: string, namespace: string }),
  rewrite: object({ uri: string, authority: string, uriRegexRewrite: object({ match: string, rewrite: string }) }),
  timeout: duration,
  retries: object({ attempts: int32, perTryTimeout: duration, retryOn: string, retryRemoteLocalities: bool, retryIgnorePreviousHosts: bool, backoff: duration }),
  fault: object({
    delay: object({ fixedDelay: duration, exponentialDelay: duration, percentage: Percent, percent: int32 }, { oneofs: [['fixedDelay', 'exponentialDelay']] }),
    abort: object({ httpStatus: int32, grpcStatus: string, http2Error: string, percentage: Percent }, { oneofs: [['httpStatus', 'grpcStatus', 'http2Error']] }),
  }),
  mirror: Destination,
  mirrors: list(object({ destination: Destination, percentage: Percent }, { required: ['destination'] })),
  mirrorPercentage: Percent,
  mirrorPercent: uint32,
  mirror_percent: uint32,
  corsPolicy: object({
    allowOrigins: list(StringMatch),
    allowOrigin: stringList,
    allowMethods: stringList,
    allowHeaders: stringList,
    exposeHeaders: stringList,
    maxAge: duration,
    allowCredentials: bool,
    unmatchedPreflights: enumOf('UNSPECIFIED', 'FORWARD', 'IGNORE'),
  }),
  headers: Headers,
});

const RouteDestination = object({ destination: Destination, weight: int32 }, { required: ['destination'] });

const TLSRouteShape = object(
  {
    match: list(
      object(
        { sniHosts: stringList, destinationSubnets: stringList, port: uint32, sourceLabels: stringMap, gateways: stringList, sourceNamespace: string },
        { required: ['sniHosts'] },
      ),
    ),
    route: list(RouteDestination),
  },
  { required: ['match'] },
);

const TCPRouteShape = object({
  match: list(object({ destinationSubnets: stringList, port: uint32, sourceSubnet: string, sourceLabels: stringMap, gateways: stringList, sourceNamespace: string })),
  route: list(RouteDestination),
});

const VirtualServiceShape = object({ hosts: stringList, gateways: stringList, http: list(HTTPRoute), tls: list(TLSRouteShape), tcp: list(TCPRouteShape), exportTo: stringList });

/** Hosts of a VirtualService bound to gateways may use the auto-generated SNI form outbound_.<port>_._.<host>. */
function checkGatewayBoundHost(host: string, sni: boolean): string | undefined {
  if (!sni || !host.startsWith('outbound_')) return checkWildcardDomain(host);
  const parts = host.split('_');
  const form = 'outbound_.<PORT>_._.<HOSTNAME>';
  if (parts.length < 4) return `domain name "${host}" invalid, should follow the ${form} format`;
  if (!/[0-9]/.test(parts[1]!.replace(/^\.+|\.+$/g, ''))) return `domain name "${host}" invalid (port label invalid), should follow the ${form} format`;
  if (!/[a-zA-Z]/.test(parts[3]!.replace(/^\.+|\.+$/g, ''))) return `domain name "${host}" invalid (hostname label invalid), should follow the ${form} format`;
  return undefined;
}

/** Match attributes shared by TLS and TCP routes. */
function checkL4Match(me: ErrorCollector, m: Omit<L4MatchAttributes, 'sourceSubnet'> & { sourceSubnet?: string }): void {
  each(m.destinationSubnets, me, 'destinationSubnets', (s, _se, i) => {
    const err = checkIPOrCIDR(s);
    if (err) me.add(`destinationSubnets[${i}]`, err);
  });
  if (m.sourceSubnet !== undefined) {
    const err = checkIPOrCIDR(m.sourceSubnet);
    if (err) me.add('sourceSubnet', err);
  }
  if (m.port !== undefined && m.port !== 0) checkPort(me, 'port', m.port);
  checkLabels(me, 'sourceLabels', m.sourceLabels);
  checkGatewayNames(me, 'gateways', m.gateways);
  if (m.sourceNamespace) checkNamespaceName(me, 'sourceNamespace', m.sourceNamespace);
}

function checkTLSRoute(te: ErrorCollector, tls: TLSRoute, vs: VirtualServiceSpec, boundToGateway: boolean): void {
  if (tls.match.length === 0) te.add('match', 'TLS route must have at least one match condition');
  each(tls.match, te, 'match', (m, me) => {
    if (m.sniHosts.length === 0) me.add('sniHosts', 'TLS match must have at least one SNI host');
    m.sniHosts.forEach((sni, k) => {
      const at = `sniHosts[${k}]`;
      const err = boundToGateway ? checkGatewayBoundHost(sni, true) : checkWildcardDomain(sni);
      if (err) {
        if (!isIPAddress(sni)) me.add(at, err);
        return;
      }
      if (!(vs.hosts ?? []).some((h) => hostSubsetOf(sni, h))) {
        me.add(at, `SNI host "${sni}" is not a compatible subset of any of the virtual service hosts: [${(vs.hosts ?? []).join(', ')}]`);
      }
    });
    checkL4Match(me, m);
  });
  if (!tls.route?.length) te.add('route', 'TLS route is required');
  each(tls.route, te, 'route', (r, re) => checkDestination(re, 'destination', r.destination));
  checkRouteWeights(te, 'route', tls.route ?? []);
}

function checkTCPRoute(te: ErrorCollector, tcp: TCPRoute): void {
  each(tcp.match, te, 'match', (m, me) => checkL4Match(me, m));
  if (!tcp.route?.length) te.add('route', 'TCP route is required');
  each(tcp.route, te, 'route', (r, re) => checkDestination(re, 'destination', r.destination));
  checkRouteWeights(te, 'route', tcp.route ?? []);
}

export function validateVirtualService(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const vs = parseSpec<VirtualServiceSpec>(spec, VirtualServiceShape, e, resource);
  if (!vs) return;
  const hosts = vs.hosts ?? [];
  const gateways = vs.gateways ?? [];
  const isDelegate = hosts.length === 0;
  if (isDelegate) {
    if (gateways.length) e.add('hosts', 'required: a VirtualService without hosts is a delegate, and a delegate may not have gateways');
    if (vs.tls?.length) e.add('tls', 'a delegate VirtualService (one without hosts) may not have tls routes');
    if (vs.tcp?.length) e.add('tcp', 'a delegate VirtualService (one without hosts) may not have tcp routes');
  }
  checkGatewayNames(e, 'gateways', gateways);
  const boundToGateway = gateways.length > 0 && !gateways.includes('mesh');
  const sni = (vs.tls ?? []).some((t) => t.match.some((m) => m.sniHosts.length > 0));

  let allHostsValid = true;
  hosts.forEach((host, i) => {
    const err = boundToGateway ? checkGatewayBoundHost(host, sni) : checkWildcardDomain(host);
    if (err) {
      if (!isIPAddress(host)) {
        e.add(`hosts[${i}]`, err);
        allHostsValid = false;
      }
    } else if (!boundToGateway && host === '*') {
      e.add(`hosts[${i}]`, 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) if (hostsOverlap(hosts[i]!, hosts[j]!)) e.add(`hosts[${j}]`, `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`);
    }
  }

  if (!vs.http?.length && !vs.tcp?.length && !vs.tls?.length) e.add('', 'http, tcp or tls must be provided in virtual service');
  each(vs.http, e, 'http', (route, re) => checkHTTPRoute(re, route, { isDelegate, boundToGateway }));
  each(vs.tls, e, 'tls', (route, te) => checkTLSRoute(te, route, vs, boundToGateway));
  each(vs.tcp, e, 'tcp', (route, te) => checkTCPRoute(te, route));
  checkExportTo(e, vs.exportTo, resource.metadata.namespace ?? 'default');
}
