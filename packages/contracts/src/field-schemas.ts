import Joi from 'joi';

// Each joi field schema below has a twin predicate (isText, isOrderUid,
// isDateTime) for the decode fast path. A twin shares the schema's regexes and
// functions, and may only be stricter: true means the schema certainly accepts
// the value as is, false means "ask joi".

const LONE_SURROGATE = /\p{Surrogate}/u;

/** PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate has no UTF-8 encoding. */
export function isStorable(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

function storable(value: string, helpers: Joi.CustomHelpers<string>): string | Joi.ErrorReport {
  return isStorable(value) ? value : helpers.message({ custom: 'must not contain NUL characters or unpaired UTF-16 surrogates' });
}

/** A non-empty string of at most `maxLength` UTF-16 units that PostgreSQL can store. */
export function text(maxLength: number): Joi.StringSchema<string> {
  return Joi.string().max(maxLength).custom(storable, 'storable text');
}

/** Twin of `text(maxLength)`: joi's string() refuses '' unless a schema allows it. */
export function isText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && isStorable(value);
}

const ORDER_UID = /^[A-Za-z0-9_-]{1,64}$/;

/** Clients may bring their own uids; the server generates UUIDv7, which also fits. */
export const orderUidSchema = Joi.string().pattern(ORDER_UID).messages({ 'string.pattern.base': 'must be 1 to 64 characters from A-Z, a-z, 0-9, _ and -' });

/** Twin of `orderUidSchema`. */
export function isOrderUid(value: unknown): value is string {
  return typeof value === 'string' && ORDER_UID.test(value);
}

const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME_MESSAGE = 'must be an ISO 8601 date-time with a time zone, e.g. 2021-11-26T06:22:19Z';

/**
 * Whether the calendar fields name a real day (no 30 February rolling over
 * into March) in years 1000 to 9999, which every store of ours can hold.
 */
function isRealDay(year: number, month: number, day: number): boolean {
  return year >= 1000 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function realInstant(value: string, helpers: Joi.CustomHelpers<string>): string | Joi.ErrorReport {
  const [, year, month, day] = /^(\d{4})-(\d{2})-(\d{2})T/.exec(value) ?? [];
  // Not shaped like a date-time at all: the isoDate and pattern rules report it, once.
  if (year === undefined || Number.isNaN(Date.parse(value))) return value;
  return isRealDay(Number(year), Number(month), Number(day)) ? value : helpers.message({ custom: 'must be a real date between the years 1000 and 9999' });
}

/** A date alone or a local time is ambiguous as a point in time, so the time and zone are required. */
export const dateTimeSchema = Joi.string()
  .isoDate()
  .pattern(DATE_TIME_WITH_ZONE)
  .custom(realInstant, 'real instant')
  .messages({ 'string.isoDate': DATE_TIME_MESSAGE, 'string.pattern.base': DATE_TIME_MESSAGE });

const COLON = 0x3a;
const LETTER_Z = 0x5a;
const DIGIT_ZERO = 0x30;

/**
 * Twin of `dateTimeSchema`. Beyond the pattern and the real day, joi's isoDate
 * rule wants hours 00-23 (or 24:00, which this refuses), minutes and seconds
 * 00-59, zone hours 00-23 and zone minutes 00-59, and a string that `new Date`
 * can read.
 */
export function isDateTime(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_TIME_WITH_ZONE.test(value)) return false;
  // The pattern fixes where every field is: YYYY-MM-DDTHH:MM[:SS[.f]](Z|±HH:MM).
  const end = value.length;
  const inRange =
    twoDigits(value, 11) <= 23 &&
    twoDigits(value, 14) <= 59 &&
    (value.charCodeAt(16) !== COLON || twoDigits(value, 17) <= 59) &&
    (value.charCodeAt(end - 1) === LETTER_Z || (twoDigits(value, end - 5) <= 23 && twoDigits(value, end - 2) <= 59));
  return inRange && isRealDay(twoDigits(value, 0) * 100 + twoDigits(value, 2), twoDigits(value, 5), twoDigits(value, 8)) && !Number.isNaN(Date.parse(value));
}

/** The number the two ASCII digits at `index` spell; only called where the pattern put digits. */
function twoDigits(value: string, index: number): number {
  return (value.charCodeAt(index) - DIGIT_ZERO) * 10 + value.charCodeAt(index + 1) - DIGIT_ZERO;
}

/** Upper bound on items per order, to keep one document (and one event) reasonably small. */
export const MAX_ITEMS = 1000;
