// VirtualService `headers` (request/response set/add/remove) → Envoy header mutations, as
// Istio does it: `set` overwrites, `add` appends, each list sorted by header name; pseudo
// headers and `host` cannot be mutated, but setting `:authority`/`host` becomes a host rewrite.
import { create } from '@bufbuild/protobuf';
import type { HeaderOperations, Headers } from '../../../api/istio/networking.js';
import {
  HeaderValueOptionSchema,
  HeaderValueOption_HeaderAppendAction,
  type HeaderValueOption,
} from '../../../api/gen/envoy/config/core/v3/base_pb.js';

export interface HeaderMutations {
  requestHeadersToAdd: HeaderValueOption[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: HeaderValueOption[];
  responseHeadersToRemove: string[];
  /** A value set or added for `:authority`/`host`: the caller turns it into host_rewrite_literal. */
  authority: string;
}

function isInternal(key: string): boolean {
  return key.startsWith(':') || key.toLowerCase() === 'host';
}

function isAuthority(key: string): boolean {
  const k = key.toLowerCase();
  return k === ':authority' || k === 'host';
}

function valueOptions(headers: Record<string, string> | undefined, append: boolean): { options: HeaderValueOption[]; authority: string } {
  let authority = '';
  const options: HeaderValueOption[] = [];
  for (const [key, value] of Object.entries(headers ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (isAuthority(key)) authority = value;
    if (isInternal(key)) continue;
    options.push(
      create(HeaderValueOptionSchema, {
        header: { key, value },
        appendAction: append ? HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD : HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
      }),
    );
  }
  return { options, authority };
}

function removals(ops: HeaderOperations | undefined): string[] {
  return (ops?.remove ?? []).filter((k) => !isInternal(k));
}

export function translateHeaders(headers: Headers | undefined): HeaderMutations {
  const reqSet = valueOptions(headers?.request?.set, false);
  const reqAdd = valueOptions(headers?.request?.add, true);
  const respSet = valueOptions(headers?.response?.set, false);
  const respAdd = valueOptions(headers?.response?.add, true);
  return {
    requestHeadersToAdd: [...reqSet.options, ...reqAdd.options],
    requestHeadersToRemove: removals(headers?.request),
    responseHeadersToAdd: [...respSet.options, ...respAdd.options],
    responseHeadersToRemove: removals(headers?.response),
    // `set` wins over `add` when both name the authority.
    authority: reqSet.authority || reqAdd.authority,
  };
}
