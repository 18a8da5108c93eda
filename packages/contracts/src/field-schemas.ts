import Joi from 'joi';

const LONE_SURROGATE = /\p{Surrogate}/u;

/** PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate has no UTF-8 encoding. */
function storable(value: string, helpers: Joi.CustomHelpers<string>): string | Joi.ErrorReport {
  return value.includes('\u0000') || LONE_SURROGATE.test(value)
    ? helpers.message({ custom: 'must not contain NUL characters or unpaired UTF-16 surrogates' })
    : value;
}

/** A non-empty string of at most `maxLength` UTF-16 units that PostgreSQL can store. */
export function text(maxLength: number): Joi.StringSchema<string> {
  return Joi.string().max(maxLength).custom(storable, 'storable text');
}

/** Clients may bring their own uids; the server generates UUIDv7, which also fits. */
export const orderUidSchema = Joi.string()
  .pattern(/^[A-Za-z0-9_-]{1,64}$/)
  .messages({ 'string.pattern.base': 'must be 1 to 64 characters from A-Z, a-z, 0-9, _ and -' });

const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME_MESSAGE = 'must be an ISO 8601 date-time with a time zone, e.g. 2021-11-26T06:22:19Z';

/**
 * The calendar fields must name a real day (no 30 February rolling over into
 * March) in years 1000 to 9999, which every store of ours can hold.
 */
function realInstant(value: string, helpers: Joi.CustomHelpers<string>): string | Joi.ErrorReport {
  const [, year, month, day] = /^(\d{4})-(\d{2})-(\d{2})T/.exec(value) ?? [];
  // Not shaped like a date-time at all: the isoDate and pattern rules report it, once.
  if (year === undefined || Number.isNaN(Date.parse(value))) return value;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const calendar = new Date(Date.UTC(y, m - 1, d));
  const real = calendar.getUTCFullYear() === y && calendar.getUTCMonth() === m - 1 && calendar.getUTCDate() === d;
  return real && y >= 1000 ? value : helpers.message({ custom: 'must be a real date between the years 1000 and 9999' });
}

/** A date alone or a local time is ambiguous as a point in time, so the time and zone are required. */
export const dateTimeSchema = Joi.string()
  .isoDate()
  .pattern(DATE_TIME_WITH_ZONE)
  .custom(realInstant, 'real instant')
  .messages({ 'string.isoDate': DATE_TIME_MESSAGE, 'string.pattern.base': DATE_TIME_MESSAGE });
