// Which HTTP filters this proxy runs: name or typed_config type URL → factory.
import type { HttpFilterFactory } from './http/filter.js';
import type { FilterLookup } from './listener/filter-chain.js';
import { ok } from '../shared/result.js';

const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

export const routerFactory: HttpFilterFactory = {
  name: 'envoy.filters.http.router',
  typeUrl: ROUTER_TYPE,
  compile: () => ok(undefined),
  create: () => ({}),
};

const builtin: HttpFilterFactory[] = [routerFactory];

export const builtinFilters: FilterLookup = (name, typeUrl) => builtin.find((f) => f.name === name || (typeUrl !== undefined && f.typeUrl === typeUrl));
