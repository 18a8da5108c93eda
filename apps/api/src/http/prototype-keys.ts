import type { FieldError } from './problem.js';

/** Keys that reach an object's prototype when a body is merged or assigned somewhere, so no body may carry them. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Every place in a parsed JSON body where a key could reach a prototype, as a
 * JSON Pointer. JSON.parse makes `__proto__` an own property, so it is found
 * here rather than silently swallowed later by an assignment.
 */
export function prototypeKeyErrors(value: unknown, path = ''): FieldError[] {
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => prototypeKeyErrors(item, `${path}/${index}`));
  const errors: FieldError[] = [];
  for (const key of Object.keys(value)) {
    const at = `${path}/${escapePointer(key)}`;
    if (FORBIDDEN.has(key)) errors.push({ path: at, message: 'is not allowed' });
    else errors.push(...prototypeKeyErrors((value as Record<string, unknown>)[key], at));
  }
  return errors;
}
