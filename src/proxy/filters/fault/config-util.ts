// Small pieces of HTTP filter config handling shared by the fault, CORS and local rate
// limit filters: unpacking a filter's typed config, Envoy's FractionalPercent and
// RuntimeFractionalPercent sampled with the injected Random, and the HTTP → gRPC status
// mapping Envoy uses when it answers a gRPC request locally.
//
// It lives with the fault filter (the first of them) until a filters/common/ exists.
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { typeNameOf } from '../../../api/envoy/types.js';
import type { RuntimeFractionalPercent } from '../../../api/gen/envoy/config/core/v3/base_pb.js';
import { FractionalPercent_DenominatorType, type FractionalPercent } from '../../../api/gen/envoy/type/v3/percent_pb.js';
import type { ErrorCollector } from '../../../shared/result.js';
import type { Random } from '../../../shared/clock.js';

/**
 * Unpacks a filter config of `schema`'s type. A wrong type or undecodable bytes is reported
 * (without a field: the caller knows where the Any sits) and yields undefined.
 */
export function unpackFilterConfig<Desc extends DescMessage>(any: Any, schema: Desc, errors: ErrorCollector): MessageShape<Desc> | undefined {
  const typeName = typeNameOf(any);
  if (typeName !== schema.typeName) {
    errors.add('', `expected ${schema.typeName}, got ${typeName || '(empty type_url)'}`);
    return undefined;
  }
  try {
    return anyUnpack(any, schema);
  } catch (err) {
    errors.add('', `cannot decode ${schema.typeName}: ${(err as Error).message}`);
    return undefined;
  }
}

/** A FractionalPercent validated once: numerator over 100, 10 000 or 1 000 000. */
export interface Fraction {
  readonly numerator: number;
  readonly denominator: 100 | 10_000 | 1_000_000;
}

export const NEVER: Fraction = { numerator: 0, denominator: 100 };
export const ALWAYS: Fraction = { numerator: 100, denominator: 100 };

const DENOMINATORS: Record<number, Fraction['denominator']> = {
  [FractionalPercent_DenominatorType.HUNDRED]: 100,
  [FractionalPercent_DenominatorType.TEN_THOUSAND]: 10_000,
  [FractionalPercent_DenominatorType.MILLION]: 1_000_000,
};

/** An unset FractionalPercent is 0% (proto default numerator 0), as in Envoy. */
export function compileFraction(p: FractionalPercent | undefined, errors: ErrorCollector, field: string): Fraction {
  if (!p) return NEVER;
  const denominator = DENOMINATORS[p.denominator];
  if (denominator === undefined) {
    errors.add(`${field}.denominator`, `unknown denominator ${p.denominator} (HUNDRED, TEN_THOUSAND or MILLION)`);
    return NEVER;
  }
  return { numerator: p.numerator, denominator };
}

/**
 * RuntimeFractionalPercent: Rigging has no runtime layer, so the runtime_key is not
 * consulted and default_value (required) is the fraction. `unset` is what Envoy uses when
 * the whole field is absent (it differs per filter).
 */
export function compileRuntimeFraction(p: RuntimeFractionalPercent | undefined, errors: ErrorCollector, field: string, unset: Fraction): Fraction {
  if (!p) return unset;
  if (!p.defaultValue) {
    errors.add(`${field}.default_value`, 'required');
    return unset;
  }
  return compileFraction(p.defaultValue, errors, `${field}.default_value`);
}

/** Envoy's featureEnabled(): true for numerator/denominator of the calls; a numerator above the denominator is 100%. */
export function sampleFraction(f: Fraction, random: Random): boolean {
  if (f.numerator <= 0) return false;
  if (f.numerator >= f.denominator) return true;
  return random.next() * f.denominator < f.numerator;
}

/** Parses an untrusted header value as an unsigned integer like absl::SimpleAtoi (first value only). */
export function parseUnsigned(value: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*\+?(\d+)\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= max ? n : undefined;
}

// gRPC status codes and the HTTP → gRPC mapping live with the connection manager's gRPC
// support; re-exported for the filters.
export { GrpcStatus, httpToGrpcStatus } from '../../http/grpc.js';
