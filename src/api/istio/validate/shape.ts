// Shapes: the structure of a spec as Istio's CRD schema declares it — field names, value
// types, enums, required fields and proto oneofs. parseShape() checks a decoded YAML value
// against a shape the way the API server and Istio's protobuf decoding do: unknown fields
// and wrong types are errors (the closest known name is suggested), null fields are dropped.
// Semantic checks run only on a value whose shape is clean, so they may trust its types.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import { closest, parseDuration } from './values.js';

export type Shape =
  | { readonly t: 'string' }
  | { readonly t: 'bool' }
  | { readonly t: 'int'; readonly min: number; readonly max: number }
  | { readonly t: 'number' }
  | { readonly t: 'duration' }
  | { readonly t: 'intOrString' }
  | { readonly t: 'enum'; readonly values: readonly string[] }
  | { readonly t: 'list'; readonly of: Shape }
  | { readonly t: 'map'; readonly of: Shape }
  | { readonly t: 'object'; readonly fields: Readonly<Record<string, Shape>>; readonly required: readonly string[]; readonly oneofs: readonly (readonly string[])[] };

export const string: Shape = { t: 'string' };
export const bool: Shape = { t: 'bool' };
export const int32: Shape = { t: 'int', min: -2147483648, max: 2147483647 };
export const uint32: Shape = { t: 'int', min: 0, max: 4294967295 };
export const uint64: Shape = { t: 'int', min: 0, max: Number.MAX_SAFE_INTEGER };
export const double: Shape = { t: 'number' };
export const duration: Shape = { t: 'duration' };
export const intOrString: Shape = { t: 'intOrString' };
export const enumOf = (...values: string[]): Shape => ({ t: 'enum', values });
export const list = (of: Shape): Shape => ({ t: 'list', of });
export const map = (of: Shape): Shape => ({ t: 'map', of });
export const stringList = list(string);
export const stringMap = map(string);

export function object(
  fields: Record<string, Shape>,
  opts: { required?: readonly string[]; oneofs?: readonly (readonly string[])[] } = {},
): Shape {
  return { t: 'object', fields, required: opts.required ?? [], oneofs: opts.oneofs ?? [] };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function expected(e: ErrorCollector, field: string, what: string, v: unknown): undefined {
  const hint = what === 'a string' && (typeof v === 'number' || typeof v === 'boolean') ? ' (quote it in YAML)' : '';
  e.add(field, `must be ${what}, got ${describe(v)}${hint}`);
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Checks `value` (the content of `field` under `e`) against `shape`; returns a copy with
 * null fields removed, or undefined when the value has the wrong type.
 */
export function parseShape(value: unknown, shape: Shape, e: ErrorCollector, field: string): unknown {
  switch (shape.t) {
    case 'string':
      return typeof value === 'string' ? value : expected(e, field, 'a string', value);
    case 'bool':
      return typeof value === 'boolean' ? value : expected(e, field, 'a boolean (true or false)', value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : expected(e, field, 'a number', value);
    case 'int': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return expected(e, field, 'an integer', value);
      if (value < shape.min || value > shape.max) {
        e.add(field, shape.min === 0 ? `must be a non-negative integer, got ${value}` : `must be an integer between ${shape.min} and ${shape.max}, got ${value}`);
        return undefined;
      }
      return value;
    }
    case 'intOrString':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)) ? value : expected(e, field, 'an integer or a string', value);
    case 'duration': {
      const what = 'a duration such as "10s", "1.5s", "500ms" or "1h"';
      if (typeof value !== 'string' || parseDuration(value) === undefined) return expected(e, field, what, value);
      return value;
    }
    case 'enum': {
      if (typeof value === 'string' && shape.values.includes(value)) return value;
      const near = typeof value === 'string' ? closest(value, shape.values) : undefined;
      e.add(field, `must be one of ${shape.values.join(', ')}, got ${describe(value)}${near ? ` (did you mean "${near}"?)` : ''}`);
      return undefined;
    }
    case 'list': {
      if (!Array.isArray(value)) return expected(e, field, 'a list', value);
      return value.map((item, i) => {
        const at = `${field}[${i}]`;
        if (item === null || item === undefined) {
          e.add(at, 'must not be null');
          return undefined;
        }
        return parseShape(item, shape.of, e, at);
      });
    }
    case 'map': {
      if (!isPlainObject(value)) return expected(e, field, 'a map', value);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const at = `${field}[${k}]`;
        if (k === '__proto__') e.add(at, 'invalid key');
        else if (v === null || v === undefined) e.add(at, 'must not be null');
        else out[k] = parseShape(v, shape.of, e, at);
      }
      return out;
    }
    case 'object': {
      if (!isPlainObject(value)) return expected(e, field, 'an object', value);
      const oe = e.at(field);
      const out: Record<string, unknown> = {};
      const known = Object.keys(shape.fields);
      for (const [k, v] of Object.entries(value)) {
        const fieldShape = Object.hasOwn(shape.fields, k) ? shape.fields[k] : undefined;
        if (!fieldShape) {
          const near = closest(k, known);
          oe.add(k, `unknown field "${k}"${near ? `; did you mean "${near}"?` : ''}`);
        } else if (v !== null && v !== undefined) {
          out[k] = parseShape(v, fieldShape, oe, k);
        }
      }
      for (const r of shape.required) if (value[r] === undefined || value[r] === null) oe.add(r, 'required');
      for (const group of shape.oneofs) {
        const set = group.filter((k) => out[k] !== undefined);
        if (set.length > 1) oe.add('', `only one of ${group.join(', ')} may be set, got ${set.join(' and ')}`);
      }
      return out;
    }
  }
}

/**
 * Checks a whole spec against its shape. On a clean shape, replaces resource.spec with the
 * normalized copy (null fields removed) and returns it typed; otherwise returns undefined
 * so that semantic checks do not run on values of the wrong type.
 */
export function parseSpec<T>(spec: unknown, shape: Shape, e: ErrorCollector, resource: Resource): T | undefined {
  const before = e.errors.length;
  const out = parseShape(spec, shape, e, '');
  if (e.errors.length > before) return undefined;
  resource.spec = out;
  return out as T;
}
