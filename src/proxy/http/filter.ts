// The HTTP filter contract: every filter is one folder under src/proxy/filters/ with a
// factory that validates its config once (listener-level typed_config, and per-route
// typed_per_filter_config) into immutable objects, and a per-stream filter that runs
// on the request before the router and on the response after it.
//
// Order: the connection manager matches the route first, then runs the filters in the
// HttpConnectionManager's order (router last). A filter may answer locally (a LocalReply
// stops the chain and is sent with its response flag), or delay the request (return a
// Promise), or change headers.
import type { Any } from '@bufbuild/protobuf/wkt';
import type { Result } from '../../shared/result.js';
import type { Clock, Random } from '../../shared/clock.js';
import type { HeaderMap } from './headers.js';

/** Envoy response flags (access log %RESPONSE_FLAGS%, x-rig-response-flags). */
export type ResponseFlag =
  | 'NR' // no route
  | 'UH' // no healthy upstream
  | 'UF' // upstream connection failure
  | 'UO' // upstream overflow (circuit breaker)
  | 'URX' // upstream retry limit exceeded
  | 'UT' // upstream request timeout
  | 'UC' // upstream connection termination
  | 'UR' // upstream remote reset
  | 'DC' // downstream connection termination
  | 'LR' // local reset
  | 'FI' // fault injected: abort
  | 'DI' // fault injected: delay
  | 'RL' // rate limited locally
  | 'NC' // no cluster
  | 'DPE' // downstream protocol error
  | 'UPE' // upstream protocol error
  | 'SI'; // stream idle timeout

export interface LocalReply {
  status: number;
  body?: string;
  headers?: [string, string][];
  /** Why the proxy answered itself; recorded in the access log and x-rig-response-flags. */
  flag?: ResponseFlag;
  /** gRPC status to send instead when the request is gRPC (e.g. from a fault abort). */
  grpcStatus?: number;
  /** The body is sent exactly as given (a route's direct_response); otherwise a newline ends it. */
  verbatim?: boolean;
}

export interface HttpRequestView {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: 'http' | 'https';
  readonly headers: HeaderMap;
  readonly downstreamAddress: string;
  /** Whether the request is gRPC (content-type application/grpc*). */
  readonly grpc: boolean;
}

export interface StreamInfo {
  readonly flags: Set<ResponseFlag>;
  /** The matched route's (or virtual host's) per-filter config for a filter name, already compiled. */
  perFilterConfig<T>(filterName: string): T | undefined;
  readonly clock: Clock;
  readonly random: Random;
}

export interface HttpStreamFilter {
  /** Before the router. A LocalReply ends the request here; a Promise delays it. */
  onRequest?(req: HttpRequestView, info: StreamInfo): LocalReply | undefined | Promise<LocalReply | undefined>;
  /** After the upstream (or a local reply) answered, before the response is sent. */
  onResponse?(status: number, headers: HeaderMap, req: HttpRequestView, info: StreamInfo): void;
}

export interface HttpFilterFactory<Config = unknown, RouteConfig = unknown> {
  /** Envoy's filter name, e.g. envoy.filters.http.fault. */
  name: string;
  /** Type URL of its typed_config. */
  typeUrl: string;
  /** Validates the listener-level config once. */
  compile(config: Any | undefined, ctx: { clock: Clock; random: Random }): Result<Config>;
  /** Validates a route-level typed_per_filter_config once (optional). */
  compileRoute?(config: Any): Result<RouteConfig>;
  /** A filter instance per request stream (cheap; shares the compiled config). */
  create(config: Config): HttpStreamFilter;
}
