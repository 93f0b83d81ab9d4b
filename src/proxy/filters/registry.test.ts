import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { HttpFilterSchema, type HttpFilter } from '../../api/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { HTTPFaultSchema } from '../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { CorsSchema } from '../../api/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { LocalRateLimitSchema } from '../../api/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { RouterSchema } from '../../api/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { RBACSchema } from '../../api/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { pack } from '../../api/envoy/types.js';
import { ManualClock, seededRandom } from '../../shared/clock.js';
import { compileHttpFilters, lookupHttpFilter, routerFilterFactory, SUPPORTED_HTTP_FILTERS } from './registry.js';
import { faultFilterFactory } from './fault/fault-filter.js';
import { corsFilterFactory } from './cors/cors-filter.js';
import { localRateLimitFilterFactory } from './local-ratelimit/local-ratelimit-filter.js';

const ctx = { clock: new ManualClock(), random: seededRandom(1) };
type FilterInit = Exclude<MessageInitShape<typeof HttpFilterSchema>, HttpFilter>;
const filter = (init: FilterInit): HttpFilter => create(HttpFilterSchema, init);
const typed = (name: string, config: ReturnType<typeof pack>, extra: Partial<FilterInit> = {}) =>
  filter({ name, configType: { case: 'typedConfig', value: config }, ...extra });
const router = () => typed('envoy.filters.http.router', pack(RouterSchema, {}));

test('lists the supported filters by name and type URL, sorted', () => {
  assert.deepEqual(SUPPORTED_HTTP_FILTERS, [
    { name: 'envoy.filters.http.cors', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' },
    { name: 'envoy.filters.http.fault', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' },
    { name: 'envoy.filters.http.local_ratelimit', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit' },
    { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
  ]);
});

test('lookup by type URL first, then by name; unknown → undefined', () => {
  assert.equal(lookupHttpFilter('anything', pack(HTTPFaultSchema, {})), faultFilterFactory);
  assert.equal(lookupHttpFilter('local', pack(LocalRateLimitSchema, {})), localRateLimitFilterFactory);
  assert.equal(lookupHttpFilter('envoy.filters.http.cors'), corsFilterFactory);
  assert.equal(lookupHttpFilter('envoy.filters.http.router', { $typeName: 'google.protobuf.Any', typeUrl: '', value: new Uint8Array() }), routerFilterFactory);
  assert.equal(lookupHttpFilter('envoy.filters.http.rbac', pack(RBACSchema, {})), undefined);
  assert.equal(lookupHttpFilter('istio.stats'), undefined);
});

test('compiles the chain Rigging generates (fault, cors, router)', () => {
  const r = compileHttpFilters(
    [typed('envoy.filters.http.fault', pack(HTTPFaultSchema, {})), typed('envoy.filters.http.cors', pack(CorsSchema, {})), router()],
    ctx,
  );
  assert.ok(r.ok, r.ok ? '' : r.errors.join('; '));
  assert.deepEqual(
    r.value.map((f) => [f.name, f.factory.name]),
    [
      ['envoy.filters.http.fault', 'envoy.filters.http.fault'],
      ['envoy.filters.http.cors', 'envoy.filters.http.cors'],
      ['envoy.filters.http.router', 'envoy.filters.http.router'],
    ],
  );
});

test('an unknown filter NACKs unless is_optional, which skips it', () => {
  const unknown = typed('envoy.filters.http.rbac', pack(RBACSchema, {}));
  const nack = compileHttpFilters([unknown, router()], ctx);
  assert.ok(!nack.ok);
  assert.match(nack.errors[0]!, /^http_filters\[0\]: unsupported HTTP filter "envoy.filters.http.rbac" of type envoy.extensions.filters.http.rbac.v3.RBAC/);
  const skipped = compileHttpFilters([typed('envoy.filters.http.rbac', pack(RBACSchema, {}), { isOptional: true }), router()], ctx);
  assert.ok(skipped.ok);
  assert.deepEqual(skipped.value.map((f) => f.name), ['envoy.filters.http.router']);
  const ecds = compileHttpFilters([filter({ name: 'x', configType: { case: 'configDiscovery', value: {} } }), router()], ctx);
  assert.ok(!ecds.ok && ecds.errors[0]!.startsWith('http_filters[0].config_discovery'));
});

test('invalid filter configs NACK with the filter and field named', () => {
  const r = compileHttpFilters(
    [typed('envoy.filters.http.fault', pack(HTTPFaultSchema, { abort: { errorType: { case: 'httpStatus', value: 42 } } })), typed('envoy.filters.http.local_ratelimit', pack(LocalRateLimitSchema, {})), router()],
    ctx,
  );
  assert.ok(!r.ok);
  assert.deepEqual(r.errors, ['http_filters[0].typed_config: abort.http_status: must be in [200, 600), got 42', 'http_filters[1].typed_config: stat_prefix: must not be empty']);
});

test('the router must be present and last; its config is validated', () => {
  const notLast = compileHttpFilters([router(), typed('envoy.filters.http.fault', pack(HTTPFaultSchema, {}))], ctx);
  assert.ok(!notLast.ok);
  assert.equal(notLast.errors.length, 2);
  assert.ok(!compileHttpFilters([], ctx).ok);
  const bad = compileHttpFilters([typed('envoy.filters.http.router', pack(RouterSchema, { strictCheckHeaders: ['x-envoy-foo'] }))], ctx);
  assert.ok(!bad.ok && bad.errors[0]!.startsWith('http_filters[0].typed_config: strict_check_headers[0]'));
  const ok = compileHttpFilters([typed('envoy.filters.http.router', pack(RouterSchema, { strictCheckHeaders: ['x-envoy-max-retries'], suppressEnvoyHeaders: true }))], ctx);
  assert.ok(ok.ok);
  assert.deepEqual(ok.value[0]!.factory.create(ok.value[0]!.config), {});
});

test('a filter disabled by default is rejected unless optional', () => {
  const r = compileHttpFilters([typed('envoy.filters.http.fault', pack(HTTPFaultSchema, {}), { disabled: true }), router()], ctx);
  assert.ok(!r.ok && r.errors[0]!.startsWith('http_filters[0].disabled'));
});
