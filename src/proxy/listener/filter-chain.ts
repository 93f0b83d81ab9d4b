// Filter chains of a listener, compiled once: each chain's match (destination port — the
// original destination's on use_original_dst listeners —, application protocols) and its
// network filter — an HTTP connection manager or a tcp_proxy — and its TLS termination. A
// connection is matched after peeking its first bytes (HTTP or not; TLS or not, and the
// ClientHello's SNI for server_names).
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Secret } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { compileDownstreamTransportSocket, type DownstreamTls, type SecretLookup } from '../tls/context.js';
import { MAX_CLIENT_HELLO, peekClientHello } from '../tls/client-hello.js';
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { FilterChain } from '../../api/gen/envoy/config/listener/v3/listener_components_pb.js';
import { unpack } from '../../api/envoy/types.js';
import { durationMs } from '../../api/envoy/build.js';
import { HttpConnectionManagerSchema, type HttpConnectionManager } from '../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema, type TcpProxy } from '../../api/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { FileAccessLogSchema } from '../../api/gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { HttpConnectionManager as Hcm, type CompiledFilter, type ProxyState } from '../http/connection-manager.js';
import { RouteTable } from '../route/route-table.js';
import { handleTcpProxy } from '../tcp/tcp-proxy.js';
import { handleHttpConnection } from '../http/h2/preface.js';
import { fail, ok, type Result } from '../../shared/result.js';
import type { HttpFilterFactory } from '../http/filter.js';
import { originalDstReader, type OriginalDstReader } from './original-dst.js';

/** Looks up an HTTP filter factory by name / type URL (the filter registry). */
export type FilterLookup = (name: string, typeUrl: string | undefined) => HttpFilterFactory | undefined;

interface CompiledChain {
  name: string;
  destinationPort: number | undefined;
  httpOnly: boolean;
  /** filter_chain_match.server_names, lower-case ('*.example.com' wildcards allowed). */
  serverNames: string[];
  tls?: DownstreamTls;
  /** Terminates TLS for this chain: connections are handed to it (it never listens). */
  tlsServer?: TlsServer;
  http?: Hcm;
  tcp?: TcpProxy;
}

const HTTP_METHOD = /^[A-Z]{3,10} /;
/** Envoy's listener_filters_timeout default: a connection that sends no ClientHello in time is closed. */
const INSPECT_TIMEOUT_MS = 15_000;

function compileHcm(hcm: HttpConnectionManager, state: ProxyState, lookup: FilterLookup): Result<Hcm> {
  const errors: string[] = [];
  const filters: CompiledFilter[] = [];
  hcm.httpFilters.forEach((f, i) => {
    const any = f.configType.case === 'typedConfig' ? f.configType.value : undefined;
    const factory = lookup(f.name, any?.typeUrl);
    if (!factory) {
      if (!f.isOptional) errors.push(`http_filters[${i}]: unsupported HTTP filter ${f.name}${any ? ` (${any.typeUrl})` : ''}`);
      return;
    }
    if (f.name === 'envoy.filters.http.router' || any?.typeUrl.endsWith('.Router')) return;
    const c = factory.compile(any, { clock: state.clock, random: state.random });
    if (!c.ok) errors.push(...c.errors.map((e) => `http_filters[${i}] ${f.name}: ${e}`));
    else filters.push({ name: f.name, factory, config: c.value });
  });
  let accessLogPath: string | undefined;
  for (const a of hcm.accessLog) {
    const any = a.configType.case === 'typedConfig' ? a.configType.value : undefined;
    const file = any ? unpack(any, FileAccessLogSchema) : undefined;
    if (file) accessLogPath = file.path;
  }
  let inlineRoutes: RouteTable | undefined;
  let routeName: string | undefined;
  if (hcm.routeSpecifier.case === 'routeConfig') inlineRoutes = new RouteTable(hcm.routeSpecifier.value);
  else if (hcm.routeSpecifier.case === 'rds') routeName = hcm.routeSpecifier.value.routeConfigName;
  else errors.push('route_specifier: rds or route_config is required');
  if (errors.length) return fail(...errors);
  return ok(
    new Hcm(
      {
        statPrefix: hcm.statPrefix,
        ...(routeName !== undefined ? { routeName } : {}),
        ...(inlineRoutes ? { inlineRoutes } : {}),
        filters,
        edge: hcm.useRemoteAddress ?? false,
        generateRequestId: hcm.generateRequestId ?? true,
        ...(accessLogPath ? { accessLogPath } : {}),
        requestHeadersTimeoutMs: durationMs(hcm.requestHeadersTimeout) || 10_000,
        ...(hcm.upgradeConfigs.length ? { upgradeTypes: hcm.upgradeConfigs.filter((u) => u.enabled !== false).map((u) => u.upgradeType.toLowerCase()) } : {}),
        idleTimeoutMs: durationMs(hcm.commonHttpProtocolOptions?.idleTimeout) ?? 3_600_000,
      },
      state,
    ),
  );
}

function compileChain(fc: FilterChain, i: number, state: ProxyState, lookup: FilterLookup, secrets: SecretLookup): Result<CompiledChain> {
  const f = fc.filters[0];
  const chain: CompiledChain = {
    name: fc.name || `chain-${i}`,
    destinationPort: fc.filterChainMatch?.destinationPort,
    httpOnly: (fc.filterChainMatch?.applicationProtocols.length ?? 0) > 0,
    serverNames: (fc.filterChainMatch?.serverNames ?? []).map((n) => n.toLowerCase()),
  };
  const tls = compileDownstreamTransportSocket(fc.transportSocket, secrets);
  if (!tls.ok) return fail(...tls.errors.map((e) => `filter_chains[${i}].transport_socket.${e}`));
  if (tls.value) chain.tls = tls.value;
  const any = f?.configType.case === 'typedConfig' ? f.configType.value : undefined;
  const hcm = any ? unpack(any, HttpConnectionManagerSchema) : undefined;
  if (hcm) {
    const r = compileHcm(hcm, state, lookup);
    if (!r.ok) return fail(...r.errors.map((e) => `filter_chains[${i}].filters[0]: ${e}`));
    chain.http = r.value;
    return ok(withTlsServer(chain, state));
  }
  const tcp = any ? unpack(any, TcpProxySchema) : undefined;
  if (tcp) {
    chain.tcp = tcp;
    return ok(withTlsServer(chain, state));
  }
  return fail(`filter_chains[${i}].filters[0]: unsupported network filter ${f?.name ?? '(none)'}`);
}

export class ListenerChains {
  /** Whether any chain terminates TLS or matches on SNI (connections are then peeked for a ClientHello). */
  private readonly inspectTls: boolean;
  /** Chains by filter_chain_match.destination_port; a port with chains of its own never falls back to the others (Envoy's order). */
  private readonly byPort = new Map<number, CompiledChain[]>();
  /** Chains without a destination_port. */
  private readonly anyPort: CompiledChain[];

  private constructor(
    private readonly chains: CompiledChain[],
    /** Set when the listener has use_original_dst: each accepted connection's original destination is read. */
    readonly originalDst?: OriginalDstReader,
  ) {
    this.inspectTls = chains.some((c) => c.tls || c.serverNames.length);
    for (const c of chains) if (c.destinationPort !== undefined) this.byPort.set(c.destinationPort, [...(this.byPort.get(c.destinationPort) ?? []), c]);
    this.anyPort = chains.filter((c) => c.destinationPort === undefined);
  }

  /** The secrets the chains' TLS contexts were built from (a listener is rebuilt when one changes). */
  get secrets(): Secret[] {
    return this.chains.flatMap((c) => c.tls?.secrets ?? []);
  }

  /**
   * `secrets`: SDS / static secrets by name. Without it (a validator, before SDS has
   * answered) secrets are not looked up and the result is for validation only.
   */
  static compile(l: Listener, state: ProxyState, lookup: FilterLookup, secrets?: ReadonlyMap<string, Secret>): Result<ListenerChains> {
    const errors: string[] = [];
    const chains: CompiledChain[] = [];
    l.filterChains.forEach((fc, i) => {
      const r = compileChain(fc, i, state, lookup, secrets);
      if (r.ok) chains.push(r.value);
      else errors.push(...r.errors);
    });
    if (l.defaultFilterChain) {
      const r = compileChain(l.defaultFilterChain, l.filterChains.length, state, lookup, secrets);
      if (r.ok) chains.push(r.value);
      else errors.push(...r.errors);
    }
    // use_original_dst: the original destination comes from SO_ORIGINAL_DST (Linux, through koffi).
    let reader: OriginalDstReader | undefined;
    if (l.useOriginalDst) {
      const r = originalDstReader();
      if (r.ok) reader = r.value;
      else errors.push(`use_original_dst needs Linux and the koffi module: ${r.errors.join('; ')}`);
    }
    return errors.length ? fail(...errors) : ok(new ListenerChains(chains, reader));
  }

  /**
   * Matches a new connection and hands it to the chain's filter; unmatched connections are
   * closed. `port`: the destination port filter_chain_match.destination_port is matched
   * against (the original destination's for redirected connections).
   */
  handle(socket: Socket, state: ProxyState, port = socket.localPort): void {
    const candidates = (port !== undefined && this.byPort.get(port)) || this.anyPort;
    if (this.inspectTls) return this.inspect(candidates, socket, state);
    const needsPeek = candidates.some((c) => c.httpOnly) && candidates.some((c) => !c.httpOnly);
    if (!needsPeek) return this.dispatch(candidates.find((c) => !c.httpOnly) ?? candidates[0], socket, state);
    socket.once('data', (first: Buffer) => {
      const http = HTTP_METHOD.test(first.subarray(0, 12).toString('latin1'));
      const chain = candidates.find((c) => c.httpOnly === http) ?? candidates.find((c) => !c.httpOnly);
      socket.pause();
      socket.unshift(first);
      this.dispatch(chain, socket, state);
      socket.resume();
    });
  }

  /** Reads the first bytes: TLS (and its SNI) or plaintext; picks a chain; terminates TLS if the chain does. */
  private inspect(candidates: CompiledChain[], socket: Socket, state: ProxyState): void {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), INSPECT_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(timer));
    const onData = (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      const peek = peekClientHello(buf);
      if (peek.kind === 'more' && buf.length < MAX_CLIENT_HELLO) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      socket.unshift(buf);
      const tls = peek.kind === 'tls';
      const sni = peek.kind === 'tls' ? peek.serverName : '';
      const chain = selectChain(candidates, tls, sni, HTTP_METHOD.test(buf.subarray(0, 12).toString('latin1')));
      if (!chain?.tlsServer) {
        this.dispatch(chain, socket, state);
        socket.resume();
        return;
      }
      // The socket stays paused: the TLS socket reads the unshifted ClientHello from its buffer.
      chain.tlsServer.emit('connection', socket);
    };
    socket.on('data', onData);
  }

  private dispatch(chain: CompiledChain | undefined, socket: Socket, state: ProxyState): void {
    dispatch(chain, socket, state);
  }
}

/**
 * Envoy's filter chain match order, after the destination port: server_names (exact, then
 * the longest wildcard suffix, then chains without server_names), then transport protocol
 * (a TLS connection prefers chains that terminate TLS), then HTTP for plaintext.
 */
function selectChain(candidates: CompiledChain[], tls: boolean, sni: string, http: boolean): CompiledChain | undefined {
  let byName = sni ? candidates.filter((c) => c.serverNames.includes(sni)) : [];
  if (!byName.length && sni) {
    let best = 0;
    for (const c of candidates) {
      for (const n of c.serverNames) {
        if (n.startsWith('*') && sni.endsWith(n.slice(1)) && n.length > best) best = n.length;
      }
    }
    if (best) byName = candidates.filter((c) => c.serverNames.some((n) => n.startsWith('*') && n.length === best && sni.endsWith(n.slice(1))));
  }
  if (!byName.length) byName = candidates.filter((c) => c.serverNames.length === 0);
  const byTransport = byName.filter((c) => (c.tls !== undefined) === tls);
  const pool = byTransport.length ? byTransport : byName;
  if (tls) return pool[0];
  return pool.find((c) => c.httpOnly === http) ?? pool.find((c) => !c.httpOnly);
}

function dispatch(chain: CompiledChain | undefined, socket: Socket, state: ProxyState): void {
  if (!chain) {
    socket.destroy();
    return;
  }
  if (chain.http) handleHttpConnection(chain.http, socket); // HTTP/1.1, or HTTP/2 by its preface
  else if (chain.tcp) handleTcpProxy(chain.tcp, state, socket);
  else socket.destroy();
}

/**
 * A chain with a DownstreamTlsContext gets a tls.Server (never listening) that does the
 * handshake: a client certificate is requested when one is required or a CA can verify
 * it; a presented certificate must verify and pass the SAN matchers.
 */
function withTlsServer(chain: CompiledChain, state: ProxyState): CompiledChain {
  const ctx = chain.tls;
  if (!ctx) return chain;
  const alpn = ctx.alpn; // HTTP chains serve h2 (HTTP/2 manager) and http/1.1
  const server = createTlsServer({
    ...ctx.options,
    requestCert: ctx.requireClientCertificate || ctx.verifyChain,
    rejectUnauthorized: ctx.requireClientCertificate,
    ...(alpn.length ? { ALPNProtocols: alpn } : {}),
  });
  server.on('tlsClientError', (_err, tls: TLSSocket) => tls.destroy());
  server.on('secureConnection', (tls: TLSSocket) => {
    tls.on('error', () => tls.destroy());
    const cert = tls.getPeerCertificate();
    const presented = Object.keys(cert).length > 0;
    const rejected = presented && ((ctx.verifyChain && !tls.authorized) || ctx.check?.(cert) !== undefined);
    if (rejected) return tls.destroy();
    dispatch(chain, tls, state);
  });
  chain.tlsServer = server;
  return chain;
}
