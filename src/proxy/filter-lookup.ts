// Which HTTP filters this proxy runs: name or typed_config type URL → factory (the filter
// registry in src/proxy/filters/registry.ts: router, fault, cors, local_ratelimit).
import { create } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import type { FilterLookup } from './listener/filter-chain.js';
import { lookupHttpFilter } from './filters/registry.js';

export const builtinFilters: FilterLookup = (name, typeUrl) => lookupHttpFilter(name, typeUrl ? create(AnySchema, { typeUrl }) : undefined);
