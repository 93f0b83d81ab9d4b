// HeaderValueOption lists (response_headers_to_add, request_headers_to_add_when_not_enforced)
// validated once and applied to a HeaderMap with Envoy's append actions. Values are taken
// literally: Envoy's %COMMAND% substitutions are not supported.
import {
  HeaderValueOption_HeaderAppendAction as AppendAction,
  type HeaderValueOption,
} from '../../../api/gen/envoy/config/core/v3/base_pb.js';
import type { HeaderMap } from '../../http/headers.js';
import type { ErrorCollector } from '../../../shared/result.js';

export interface HeaderOption {
  readonly name: string;
  readonly value: string;
  readonly action: AppendAction;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[^\r\n\0]*$/;
const MAX_OPTIONS = 10;

export function compileHeaderOptions(options: readonly HeaderValueOption[], errors: ErrorCollector, field: string): HeaderOption[] {
  if (options.length > MAX_OPTIONS) errors.add(field, `at most ${MAX_OPTIONS} headers, got ${options.length}`);
  const out: HeaderOption[] = [];
  options.forEach((o, i) => {
    const at = `${field}[${i}]`;
    if (!o.header) {
      errors.add(`${at}.header`, 'required');
      return;
    }
    const name = o.header.key.toLowerCase();
    if (!TOKEN.test(name)) errors.add(`${at}.header.key`, `invalid header name "${o.header.key}"`);
    const value = o.header.rawValue.length > 0 ? Buffer.from(o.header.rawValue).toString('latin1') : o.header.value;
    if (!VALUE.test(value)) errors.add(`${at}.header.value`, 'must not contain CR, LF or NUL');
    if (o.append !== undefined && o.appendAction !== AppendAction.APPEND_IF_EXISTS_OR_ADD) {
      errors.add(`${at}.append`, 'append and append_action cannot both be set');
    }
    if (!(o.appendAction in AppendAction)) errors.add(`${at}.append_action`, `unknown action ${o.appendAction}`);
    const action = o.append === false ? AppendAction.OVERWRITE_IF_EXISTS_OR_ADD : o.appendAction;
    // Empty values are dropped unless keep_empty_value.
    if (value === '' && !o.keepEmptyValue) return;
    out.push({ name, value, action });
  });
  return out;
}

export function applyHeaderOptions(options: readonly HeaderOption[], headers: HeaderMap): void {
  for (const o of options) {
    switch (o.action) {
      case AppendAction.APPEND_IF_EXISTS_OR_ADD:
        headers.add(o.name, o.value);
        break;
      case AppendAction.ADD_IF_ABSENT:
        if (!headers.has(o.name)) headers.set(o.name, o.value);
        break;
      case AppendAction.OVERWRITE_IF_EXISTS_OR_ADD:
        headers.set(o.name, o.value);
        break;
      case AppendAction.OVERWRITE_IF_EXISTS:
        if (headers.has(o.name)) headers.set(o.name, o.value);
        break;
    }
  }
}
