import Joi from 'joi';
import type { FieldError } from './problem.js';

export interface SearchQuery {
  customer_id?: string;
  track_number?: string;
  delivery_service?: string;
  created_from?: string;
  created_to?: string;
  limit: number;
  cursor?: string;
}

const filterText = Joi.string().min(1).max(256);

/** Query parameters of GET /orders; unknown ones are refused so that a typo does not silently widen a search. */
export const searchQuerySchema = Joi.object<SearchQuery, true>({
  customer_id: filterText,
  track_number: filterText,
  delivery_service: filterText,
  created_from: Joi.string().isoDate(),
  created_to: Joi.string().isoDate(),
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: Joi.string().max(1024),
}).prefs({ abortEarly: false, convert: true, errors: { label: false } });

export function parseSearchQuery(query: unknown): { ok: true; value: SearchQuery } | { ok: false; errors: FieldError[] } {
  const flat = Object.fromEntries(Object.entries((query ?? {}) as Record<string, unknown>));
  const { value, error } = searchQuerySchema.validate(flat);
  if (error) {
    return { ok: false, errors: error.details.map((d) => ({ path: `/${d.path.join('/')}`, message: d.message.replace(/^"[^"]*" /, '') })) };
  }
  return { ok: true, value };
}
