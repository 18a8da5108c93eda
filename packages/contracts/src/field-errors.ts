import type Joi from 'joi';

/** One problem with a document: where (a JSON Pointer, '' for the document itself) and what. */
export interface FieldError {
  path: string;
  message: string;
}

/** The full verdict on a document: the typed value, or every problem found. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/**
 * Validation preferences of every contract schema, baked into the schemas so
 * that any caller gets the same verdict: report all problems, convert nothing,
 * reject unknown keys (joi's default for objects), and leave the field name out
 * of messages because the path already says where.
 */
export const STRICT_PREFERENCES: Joi.ValidationOptions = { abortEarly: false, convert: false, errors: { label: false } };

/** Joi's details as FieldErrors, once each (two rules of one field may say the same thing). */
export function fieldErrorsOf(error: Joi.ValidationError): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const detail of error.details) {
    const fieldError = { path: toJsonPointer(detail.path), message: detail.message };
    const key = `${fieldError.path}\u0000${fieldError.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(fieldError);
  }
  return errors;
}

/** RFC 6901: '' for the root, each segment prefixed by '/', with '~' and '/' escaped. */
export function toJsonPointer(path: readonly (string | number)[]): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
