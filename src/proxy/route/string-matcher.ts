// Compiled Envoy StringMatcher / HeaderMatcher / QueryParameterMatcher: built once when a
// route configuration arrives; a request only calls the returned predicate.
import type { StringMatcher } from '../../api/gen/envoy/type/matcher/v3/string_pb.js';
import type { HeaderMatcher, QueryParameterMatcher } from '../../api/gen/envoy/config/route/v3/route_components_pb.js';

export type Predicate = (value: string) => boolean;

/** Envoy regexes are RE2 and match the whole input. */
export function compileRegex(regex: string, flags = ''): RegExp {
  return new RegExp(`^(?:${regex})$`, flags);
}

export function compileStringMatcher(m: StringMatcher): Predicate {
  const ci = m.ignoreCase;
  const norm = (s: string) => (ci ? s.toLowerCase() : s);
  const p = m.matchPattern;
  switch (p.case) {
    case 'exact': {
      const v = norm(p.value);
      return (s) => norm(s) === v;
    }
    case 'prefix': {
      const v = norm(p.value);
      return (s) => norm(s).startsWith(v);
    }
    case 'suffix': {
      const v = norm(p.value);
      return (s) => norm(s).endsWith(v);
    }
    case 'contains': {
      const v = norm(p.value);
      return (s) => norm(s).includes(v);
    }
    case 'safeRegex': {
      const re = compileRegex(p.value.regex);
      return (s) => re.test(s);
    }
    default:
      return () => false;
  }
}

/** A header matcher over a header lookup (lower-case names; pseudo-headers like :method). */
export function compileHeaderMatcher(h: HeaderMatcher): (get: (name: string) => string | undefined) => boolean {
  const name = h.name.toLowerCase();
  const spec = h.headerMatchSpecifier;
  let test: (v: string | undefined) => boolean;
  switch (spec.case) {
    case 'exactMatch':
      test = (v) => v === spec.value;
      break;
    case 'prefixMatch':
      test = (v) => v !== undefined && v.startsWith(spec.value);
      break;
    case 'suffixMatch':
      test = (v) => v !== undefined && v.endsWith(spec.value);
      break;
    case 'containsMatch':
      test = (v) => v !== undefined && v.includes(spec.value);
      break;
    case 'safeRegexMatch': {
      const re = compileRegex(spec.value.regex);
      test = (v) => v !== undefined && re.test(v);
      break;
    }
    case 'rangeMatch': {
      const { start, end } = spec.value;
      test = (v) => {
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        const n = BigInt(v);
        return n >= start && n < end;
      };
      break;
    }
    case 'presentMatch':
      test = (v) => (v !== undefined) === spec.value;
      break;
    case 'stringMatch': {
      const p = compileStringMatcher(spec.value);
      test = (v) => v !== undefined && p(v);
      break;
    }
    default:
      test = (v) => v !== undefined; // no specifier: presence
  }
  const invert = h.invertMatch;
  const treatMissingAsEmpty = h.treatMissingHeaderAsEmpty;
  return (get) => {
    let v = get(name);
    if (v === undefined && treatMissingAsEmpty) v = '';
    const r = test(v);
    return invert ? !r : r;
  };
}

export function compileQueryMatcher(q: QueryParameterMatcher): (params: URLSearchParams) => boolean {
  const spec = q.queryParameterMatchSpecifier;
  if (spec.case === 'stringMatch') {
    const p = compileStringMatcher(spec.value);
    return (params) => {
      const v = params.get(q.name);
      return v !== null && p(v);
    };
  }
  if (spec.case === 'presentMatch') return (params) => params.has(q.name) === spec.value;
  return (params) => params.has(q.name);
}
