import type { Delivery, Item, Order, OrderDraft, Payment } from '@order-service/domain';
import { isDateTime, isOrderUid, isText, MAX_ITEMS } from './field-schemas.js';

// The fast path of decoding: plain predicates that say true only when
// orderSchema certainly accepts a value as is, at a fraction of joi's cost.
// False is no verdict; the caller then asks joi, which stays the only source
// of verdicts and messages. So every check here mirrors a rule of
// order-document.ts and may be stricter than it, never looser.

/** Whether one value passes one field's schema. */
export type FieldCheck = (value: unknown) => boolean;

/** A check for every key of `T`; the type checker refuses a key missing from, or extra to, `T`. */
export type FieldChecks<T> = { readonly [K in keyof T]-?: FieldCheck };

/**
 * A guard for an object schema with these keys, all required but the
 * `optional` ones, and no others (joi's default). It reads each key once,
 * through for...in, so a key is checked the way joi reads it: joi copies the
 * own enumerable keys and reads through the prototype, which for...in sees
 * too. Only objects whose prototype is Object.prototype or null pass, as
 * JSON.parse makes them: a class's accessors could make joi's copy differ from
 * what this reads. Accessors and proxies on the value itself are outside what
 * this is for. An optional key that is present is checked like any other
 * (joi refuses an explicit undefined only under `presence: required`, so the
 * checks, which all refuse undefined, stay on the strict side).
 */
export function objectCheck<T extends object>(checks: FieldChecks<T>, optional: readonly (keyof T & string)[] = []): (value: unknown) => value is T {
  const checkOf = new Map<string, FieldCheck>(Object.entries<FieldCheck>(checks));
  const optionalKeys = new Set<string>(optional);
  const required = checkOf.size - optionalKeys.size;
  return (value: unknown): value is T => {
    if (typeof value !== 'object' || value === null) return false;
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    let seenRequired = 0;
    for (const key in value) {
      const check = checkOf.get(key);
      if (check === undefined || !check((value as Record<string, unknown>)[key])) return false;
      if (!optionalKeys.has(key)) seenRequired += 1;
    }
    return seenRequired === required;
  };
}

/**
 * Twin of `Joi.number()` without conversion: a number, not NaN, finite, and
 * within ±Number.MAX_SAFE_INTEGER (joi refuses unsafe numbers by default).
 * Refuses -0 too, which joi accepts but returns as 0, so that the fast path
 * returns exactly what joi would.
 */
function isDecimal(value: unknown): value is number {
  return typeof value === 'number' && Math.abs(value) <= Number.MAX_SAFE_INTEGER && (value !== 0 || 1 / value > 0);
}

/** Twin of `Joi.number().integer()`. */
function isInteger(value: unknown): value is number {
  return isDecimal(value) && Number.isInteger(value);
}

function text(maxLength: number): FieldCheck {
  return (value) => isText(value, maxLength);
}

function textOrEmpty(maxLength: number): FieldCheck {
  return (value) => value === '' || isText(value, maxLength);
}

/**
 * The subset of `email({ tlds: false })` (@hapi/address) that needs no
 * Unicode or punycode: a dot-atom local part of RFC 5321 atext characters
 * (a subset of them), then at least two domain labels of letters, digits and
 * inner hyphens, each at most 63 long, the last starting with a letter.
 * Everything else goes to joi.
 */
const SIMPLE_EMAIL = /^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Twin of `text(254).email({ tlds: false })`: @hapi/address also wants a local part of at most 64 octets. */
function isSimpleEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && SIMPLE_EMAIL.test(value) && value.indexOf('@') <= 64;
}

const isDelivery = objectCheck<Delivery>({
  name: text(256),
  phone: text(64),
  zip: text(32),
  city: text(256),
  address: text(512),
  region: text(256),
  email: isSimpleEmail,
});

const isPayment = objectCheck<Payment>({
  transaction: text(128),
  request_id: textOrEmpty(128),
  currency: text(16),
  provider: text(64),
  amount: isDecimal,
  payment_dt: isDateTime,
  bank: text(128),
  delivery_cost: isDecimal,
  goods_total: isDecimal,
  custom_fee: isDecimal,
});

const isItem = objectCheck<Item>({
  chrt_id: text(128),
  track_number: text(128),
  price: isDecimal,
  rid: text(128),
  item_name: text(512),
  sale: isDecimal,
  item_size: isDecimal,
  total_price: isDecimal,
  nm_id: text(128),
  brand: text(256),
  status: isInteger,
});

function isItems(value: unknown): value is Item[] {
  if (!Array.isArray(value) || value.length > MAX_ITEMS) return false;
  // An index loop, not an iterator: a hole reads as undefined and fails, as joi refuses sparse arrays.
  for (let index = 0; index < value.length; index += 1) {
    if (!isItem(value[index])) return false;
  }
  return true;
}

const orderChecks = {
  order_uid: isOrderUid,
  track_number: text(128),
  entry: text(64),
  locale: text(35),
  customer_id: text(128),
  delivery_service: text(128),
  shard_key: text(64),
  sm_id: isInteger,
  oof_shard: isInteger,
  delivery: isDelivery,
  payment: isPayment,
  items: isItems,
  date_created: isDateTime,
  internal_signature: textOrEmpty(512),
} satisfies FieldChecks<Order>;

/** True only when `orderSchema` certainly accepts the value as is; false means "ask joi". */
export const isPlainValidOrder = objectCheck<Order>(orderChecks);

/** True only when `orderDraftSchema` certainly accepts the value as is: the order, where the server fields may be absent. */
export const isPlainValidOrderDraft = objectCheck<OrderDraft>(orderChecks, ['order_uid', 'date_created', 'internal_signature']);
