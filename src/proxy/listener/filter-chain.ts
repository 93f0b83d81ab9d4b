// Filter chains of a listener, compiled once: each chain's match (destination port,
// application protocols) and its network filter — an HTTP connection manager or a
// tcp_proxy. A connection is matched after peeking its first bytes (HTTP or not).
import type { Socket } from 'node:net';
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
import { fail, ok, type Result } from '../../shared/result.js';
import type { HttpFilterFactory } from '../http/filter.js';

/** Looks up an HTTP filter factory by name / type URL (the filter registry). */
export type FilterLookup = (name: string, typeUrl: string | undefined) => HttpFilterFactory | undefined;

interface CompiledChain {
  name: string;
  destinationPort: number | undefined;
  httpOnly: boolean;
  http?: Hcm;
  tcp?: TcpProxy;
}

const HTTP_METHOD = /^[A-Z]{3,10} /;

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
        idleTimeoutMs: durationMs(hcm.commonHttpProtocolOptions?.idleTimeout) ?? 3_600_000,
      },
      state,
    ),
  );
}

function compileChain(fc: FilterChain, i: number, state: ProxyState, lookup: FilterLookup): Result<CompiledChain> {
  const f = fc.filters[0];
  const chain: CompiledChain = {
    name: fc.name || `chain-${i}`,
    destinationPort: fc.filterChainMatch?.destinationPort,
    httpOnly: (fc.filterChainMatch?.applicationProtocols.length ?? 0) > 0,
  };
  if (fc.transportSocket) return fail(`filter_chains[${i}].transport_socket: TLS termination is not supported yet`);
  if (fc.filterChainMatch?.serverNames.length) return fail(`filter_chains[${i}].filter_chain_match.server_names: SNI matching is not supported yet`);
  const any = f?.configType.case === 'typedConfig' ? f.configType.value : undefined;
  const hcm = any ? unpack(any, HttpConnectionManagerSchema) : undefined;
  if (hcm) {
    const r = compileHcm(hcm, state, lookup);
    if (!r.ok) return fail(...r.errors.map((e) => `filter_chains[${i}].filters[0]: ${e}`));
    chain.http = r.value;
    return ok(chain);
  }
  const tcp = any ? unpack(any, TcpProxySchema) : undefined;
  if (tcp) {
    chain.tcp = tcp;
    return ok(chain);
  }
  return fail(`filter_chains[${i}].filters[0]: unsupported network filter ${f?.name ?? '(none)'}`);
}

export class ListenerChains {
  private constructor(private readonly chains: CompiledChain[]) {}

  static compile(l: Listener, state: ProxyState, lookup: FilterLookup): Result<ListenerChains> {
    const errors: string[] = [];
    const chains: CompiledChain[] = [];
    l.filterChains.forEach((fc, i) => {
      const r = compileChain(fc, i, state, lookup);
      if (r.ok) chains.push(r.value);
      else errors.push(...r.errors);
    });
    if (l.defaultFilterChain) {
      const r = compileChain(l.defaultFilterChain, l.filterChains.length, state, lookup);
      if (r.ok) chains.push(r.value);
      else errors.push(...r.errors);
    }
    return errors.length ? fail(...errors) : ok(new ListenerChains(chains));
  }

  /** Matches a new connection and hands it to the chain's filter; unmatched connections are closed. */
  handle(socket: Socket, state: ProxyState): void {
    const port = socket.localPort;
    const candidates = this.chains.filter((c) => c.destinationPort === undefined || c.destinationPort === port);
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

  private dispatch(chain: CompiledChain | undefined, socket: Socket, state: ProxyState): void {
    if (!chain) {
      socket.destroy();
      return;
    }
    if (chain.http) chain.http.handle(socket);
    else if (chain.tcp) handleTcpProxy(chain.tcp, state, socket);
    else socket.destroy();
  }
}
