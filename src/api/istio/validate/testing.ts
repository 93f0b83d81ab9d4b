// Test helpers for the validators: validate YAML text the way the store does, and assert
// that documented examples are accepted and broken ones give exactly the expected errors.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { Resource } from '../meta.js';
import { parseManifests } from '../parse.js';
import { validateResource } from '../validation.js';

/** Errors for one YAML document ([] when valid). */
export function errorsOf(yaml: string): string[] {
  const r = validateResource(parse(yaml));
  return r.ok ? [] : r.errors;
}

/** Asserts every document of a (multi-document) YAML text is valid; returns the resources. */
export function assertValid(yaml: string): Resource[] {
  const r = parseManifests(yaml, 'example.yaml');
  assert.deepEqual(r.ok ? [] : r.errors, []);
  return r.ok ? r.value.resources : [];
}

export interface InvalidCase {
  name: string;
  yaml: string;
  errors: string[];
}

/** Asserts one invalid document gives exactly the expected errors, in order. */
export function assertInvalid(c: InvalidCase): void {
  assert.deepEqual(errorsOf(c.yaml), c.errors, c.name);
}
