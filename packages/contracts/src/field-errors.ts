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
 * and reject unknown keys (joi's default for objects).
 */
export const STRICT_PREFERENCES: Joi.ValidationOptions = { abortEarly: false, convert: false };

/**
 * Joi's details as FieldErrors, once each (two rules of one field may say the
 * same thing). The path already says where, so the message loses joi's quoted
 * label: '"amount" must be a number' becomes 'must be a number', in the words
 * of the domain rules' messages. (The `errors.label: false` preference would
 * do it too, but joi 18 then fails to describe() the schema.)
 */
export function fieldErrorsOf(error: Joi.ValidationError): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const detail of error.details) {
    const fieldError = { path: toJsonPointer(detail.path), message: withoutLabel(detail) };
    const key = `${fieldError.path}\u0000${fieldError.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(fieldError);
  }
  return errors;
}

function withoutLabel({ message, context }: Joi.ValidationErrorItem): string {
  const prefix = `"${context?.label ?? ''}" `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** RFC 6901: '' for the root, each segment prefixed by '/', with '~' and '/' escaped. */
export function toJsonPointer(path: readonly (string | number)[]): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
