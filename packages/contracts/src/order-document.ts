import { checkOrderRules } from '@order-service/domain';
import type { Delivery, Item, Order, OrderDraft, Payment } from '@order-service/domain';
import Joi from 'joi';
import { fieldErrorsOf, STRICT_PREFERENCES } from './field-errors.js';
import type { ValidationResult } from './field-errors.js';
import { dateTimeSchema, MAX_ITEMS, orderUidSchema, text } from './field-schemas.js';
import { isPlainValidOrder, isPlainValidOrderDraft } from './order-document-fast-check.js';

export { MAX_ITEMS } from './field-schemas.js';

const decimal = Joi.number().required();
const integer = Joi.number().integer().required();

const deliverySchema = Joi.object<Delivery, true>({
  name: text(256).required(),
  phone: text(64).required(),
  zip: text(32).required(),
  city: text(256).required(),
  address: text(512).required(),
  region: text(256).required(),
  email: text(254).email({ tlds: false }).required(),
});

const paymentSchema = Joi.object<Payment, true>({
  transaction: text(128).required(),
  request_id: text(128).allow('').required(),
  currency: text(16).required(),
  provider: text(64).required(),
  amount: decimal,
  payment_dt: dateTimeSchema.required(),
  bank: text(128).required(),
  delivery_cost: decimal,
  goods_total: decimal,
  custom_fee: decimal,
});

const itemSchema = Joi.object<Item, true>({
  chrt_id: text(128).required(),
  track_number: text(128).required(),
  price: decimal,
  rid: text(128).required(),
  item_name: text(512).required(),
  sale: decimal,
  item_size: decimal,
  total_price: decimal,
  nm_id: text(128).required(),
  brand: text(256).required(),
  status: integer,
});

const clientFields = {
  track_number: text(128).required(),
  entry: text(64).required(),
  locale: text(35).required(),
  customer_id: text(128).required(),
  delivery_service: text(128).required(),
  shard_key: text(64).required(),
  sm_id: integer,
  oof_shard: integer,
  delivery: deliverySchema.required(),
  payment: paymentSchema.required(),
  items: Joi.array().items(itemSchema).max(MAX_ITEMS).required(),
};

const internalSignature = text(512).allow('');

/**
 * The order document a client writes: the server fields (order_uid,
 * date_created, internal_signature) may be omitted. Checks shape, types,
 * lengths and formats; value invariants such as non-negative amounts live in
 * the domain rules, which validateOrderDraft applies on top.
 */
export const orderDraftSchema = Joi.object<OrderDraft, true>({
  order_uid: orderUidSchema,
  ...clientFields,
  date_created: dateTimeSchema,
  internal_signature: internalSignature,
})
  .required()
  .prefs(STRICT_PREFERENCES);

/** The order document as stored, published and served: every field present. */
export const orderSchema = Joi.object<Order, true>({
  order_uid: orderUidSchema.required(),
  ...clientFields,
  date_created: dateTimeSchema.required(),
  internal_signature: internalSignature.required(),
})
  .required()
  .prefs(STRICT_PREFERENCES);

/** The full verdict on an order a client writes: schema problems, or else broken domain rules. */
export function validateOrderDraft(input: unknown): ValidationResult<OrderDraft> {
  return validateOrderDocument(orderDraftSchema, isPlainValidOrderDraft, input);
}

/** The full verdict on a stored order: schema problems, or else broken domain rules. */
export function validateOrder(input: unknown): ValidationResult<Order> {
  return validateOrderDocument(orderSchema, isPlainValidOrder, input);
}

/**
 * The schema's verdict, asking joi only when the fast check cannot vouch for
 * the input as is (it then equals what joi would return), then the domain rules.
 */
function validateOrderDocument<T extends OrderDraft>(
  schema: Joi.ObjectSchema<T>,
  isPlainValid: (input: unknown) => input is T,
  input: unknown,
): ValidationResult<T> {
  let value: T;
  if (isPlainValid(input)) {
    value = input;
  } else {
    const result = schema.validate(input);
    if (result.error !== undefined) return { ok: false, errors: fieldErrorsOf(result.error) };
    value = result.value;
  }
  const violations = checkOrderRules(value);
  if (violations.length > 0) return { ok: false, errors: violations.map(({ path, message }) => ({ path, message })) };
  return { ok: true, value };
}
