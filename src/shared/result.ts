// Result: the outcome of decoding or validating something that may be invalid.
// Validation collects every error (not just the first) so a NACK or a CLI message can
// list them all; the caller keeps its last good value when `ok` is false.

export type Result<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(...errors: string[]): Result<T> {
  return { ok: false, errors };
}

/** Collects field errors under a path prefix, e.g. `spec.http[0].route[1].weight`. */
export class ErrorCollector {
  readonly errors: string[] = [];
  constructor(private readonly prefix = '') {}

  add(field: string, message: string): void {
    const path = this.prefix && field ? `${this.prefix}.${field}` : this.prefix || field;
    this.errors.push(path ? `${path}: ${message}` : message);
  }

  /** A collector for a nested field that appends into this one. */
  at(field: string): ErrorCollector {
    const child = new ErrorCollector(this.prefix && field ? `${this.prefix}.${field}` : this.prefix || field);
    // Share the same array so nested errors surface here.
    (child as { errors: string[] }).errors = this.errors;
    return child;
  }

  get empty(): boolean {
    return this.errors.length === 0;
  }

  result<T>(value: T): Result<T> {
    return this.errors.length === 0 ? ok(value) : { ok: false, errors: [...this.errors] };
  }
}
