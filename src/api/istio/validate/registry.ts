// The per-kind spec validators. Kept apart from validation.ts so that the validator
// modules can register themselves without an import cycle through validation.ts.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';

/** Validates a resource's spec, adding errors at paths under `errors` (prefixed "spec."). */
export type SpecValidator = (spec: unknown, errors: ErrorCollector, resource: Resource) => void;

const specValidators = new Map<string, SpecValidator>();

export function registerSpecValidator(kind: string, v: SpecValidator): void {
  specValidators.set(kind, v);
}

export function specValidatorFor(kind: string): SpecValidator | undefined {
  return specValidators.get(kind);
}
