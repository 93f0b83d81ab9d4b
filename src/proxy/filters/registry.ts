// The HTTP filters this proxy implements, found by the type URL of their typed_config (or,
// as Envoy falls back to, by filter name), and the compilation of an HttpConnectionManager's
// http_filters list: a filter the proxy does not know makes the listener NACK unless the
// HttpFilter is_optional, in which case it is left out; the router must come last.
import type { Any } from '@bufbuild/protobuf/wkt';
import { create } from '@bufbuild/protobuf';
import type { HttpFilter } from '../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RouterSchema } from '../../api/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { TYPE_PREFIX, typeNameOf } from '../../api/envoy/types.js';
import type { HttpFilterFactory } from '../http/filter.js';
import type { Clock, Random } from '../../shared/clock.js';
import { ErrorCollector, fail, type Result } from '../../shared/result.js';
import { unpackFilterConfig } from './fault/config-util.js';
import { faultFilterFactory } from './fault/fault-filter.js';
import { corsFilterFactory } from './cors/cors-filter.js';
import { localRateLimitFilterFactory } from './local-ratelimit/local-ratelimit-filter.js';

export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';
export const ROUTER_TYPE_URL = `${TYPE_PREFIX}${RouterSchema.typeName}`;

/** Headers the router may check strictly (Router.strict_check_headers). */
const STRICT_CHECK_HEADERS = new Set([
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-max-retries',
  'x-envoy-retry-grpc-on',
  'x-envoy-retry-on',
]);

/**
 * The router's entry: the connection manager routes requests itself, so this factory only
 * validates the Router config and its stream filter does nothing.
 */
export const routerFilterFactory: HttpFilterFactory<Record<string, never>> = {
  name: ROUTER_FILTER_NAME,
  typeUrl: ROUTER_TYPE_URL,
  compile(config) {
    const errors = new ErrorCollector();
    const router = config ? unpackFilterConfig(config, RouterSchema, errors) : create(RouterSchema, {});
    if (!router) return fail(...errors.errors);
    router.strictCheckHeaders.forEach((h, i) => {
      if (!STRICT_CHECK_HEADERS.has(h)) errors.add(`strict_check_headers[${i}]`, `"${h}" cannot be checked strictly`);
    });
    if (router.upstreamHttpFilters.length > 0) errors.add('upstream_http_filters', 'not supported by this proxy');
    return errors.result({});
  },
  create() {
    return {};
  },
};

/** Every HTTP filter factory, router included. Add new filters here. */
const FACTORIES: readonly HttpFilterFactory[] = [faultFilterFactory, corsFilterFactory, localRateLimitFilterFactory, routerFilterFactory];

const byTypeUrl = new Map<string, HttpFilterFactory>(FACTORIES.map((f) => [f.typeUrl, f]));
const byName = new Map<string, HttpFilterFactory>(FACTORIES.map((f) => [f.name, f]));

/** The supported filters' names and type URLs, sorted by name. */
export const SUPPORTED_HTTP_FILTERS: readonly { name: string; typeUrl: string }[] = FACTORIES.map((f) => ({ name: f.name, typeUrl: f.typeUrl })).sort((a, b) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
);

/**
 * The factory for an HttpFilter: by the type URL of its typed_config, else by its name
 * (the factory's compile() then rejects a typed_config of another type). undefined when
 * the proxy does not implement it.
 */
export function lookupHttpFilter(name: string, typedConfig?: Any): HttpFilterFactory | undefined {
  if (typedConfig && typedConfig.typeUrl !== '') {
    const f = byTypeUrl.get(typedConfig.typeUrl) ?? byTypeUrl.get(`${TYPE_PREFIX}${typeNameOf(typedConfig)}`);
    if (f) return f;
  }
  return byName.get(name);
}

/** One entry of a compiled HTTP filter chain (the shape the connection manager runs). */
export interface CompiledHttpFilter {
  /** The HttpFilter's name: the key of its typed_per_filter_config in routes. */
  name: string;
  factory: HttpFilterFactory;
  config: unknown;
}

/**
 * Compiles an HttpConnectionManager's http_filters in order. Errors name the filter
 * (`http_filters[1].typed_config: abort.http_status: …`); all are collected.
 */
export function compileHttpFilters(filters: readonly HttpFilter[], ctx: { clock: Clock; random: Random }): Result<CompiledHttpFilter[]> {
  const errors = new ErrorCollector();
  const out: CompiledHttpFilter[] = [];
  if (filters.length === 0) errors.add('http_filters', `must not be empty (the last filter must be ${ROUTER_FILTER_NAME})`);
  filters.forEach((filter, i) => {
    const at = errors.at(`http_filters[${i}]`);
    const last = i === filters.length - 1;
    if (filter.name === '') at.add('name', 'must not be empty');
    const c = filter.configType;
    if (c.case === 'configDiscovery') {
      if (!filter.isOptional) at.add('config_discovery', 'extension config discovery is not supported');
      return;
    }
    const typedConfig = c.case === 'typedConfig' ? c.value : undefined;
    const factory = lookupHttpFilter(filter.name, typedConfig);
    if (!factory) {
      if (!filter.isOptional) {
        const type = typedConfig ? typeNameOf(typedConfig) : '(no typed_config)';
        at.add('', `unsupported HTTP filter "${filter.name}" of type ${type} (mark it is_optional to skip it)`);
      }
      return;
    }
    const terminal = factory === routerFilterFactory;
    if (terminal && !last) at.add('', `${ROUTER_FILTER_NAME} is a terminal filter and must be the last filter`);
    if (!terminal && last) at.add('', `the last filter must be the terminal ${ROUTER_FILTER_NAME}, got "${filter.name}"`);
    if (filter.disabled) {
      if (terminal) at.add('disabled', 'a terminal filter cannot be disabled');
      else if (!filter.isOptional) at.add('disabled', 'filters disabled by default (enabled per route) are not supported');
      return;
    }
    const r = factory.compile(typedConfig, ctx);
    if (!r.ok) {
      for (const e of r.errors) at.add('typed_config', e);
      return;
    }
    out.push({ name: filter.name, factory, config: r.value });
  });
  return errors.result(out);
}
