import type { Order } from '@order-service/domain';
import Joi from 'joi';
import { EventDecodeError, EventEncodeError } from './errors.js';
import { fieldErrorsOf, STRICT_PREFERENCES } from './field-errors.js';
import type { ValidationResult } from './field-errors.js';
import { dateTimeSchema, isDateTime, isOrderUid, isText, orderUidSchema, text } from './field-schemas.js';
import { isPlainValidOrder, objectCheck } from './order-document-fast-check.js';
import type { FieldChecks } from './order-document-fast-check.js';
import { orderSchema } from './order-document.js';

/** The envelope version this build writes and reads. A change readers cannot ignore gets a new version. */
export const SCHEMA_VERSION = 1;

/** The order was created or replaced; carries the whole document at `version`. */
export interface OrderUpserted {
  schema_version: typeof SCHEMA_VERSION;
  type: 'order.upserted';
  event_id: string;
  order_uid: string;
  /** The order's version after this write; the first write is 1. */
  version: number;
  /** ISO 8601 date-time of the write. */
  occurred_at: string;
  /** The request that caused the write, when there was one. */
  request_id: string | null;
  order: Order;
}

/** The order was deleted; `version` is the version the delete produced. */
export interface OrderDeleted {
  schema_version: typeof SCHEMA_VERSION;
  type: 'order.deleted';
  event_id: string;
  order_uid: string;
  version: number;
  occurred_at: string;
  request_id: string | null;
}

/** Every event published on ORDERS_TOPIC. */
export type OrderEvent = OrderUpserted | OrderDeleted;

const EVENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

const envelopeFields = {
  schema_version: Joi.number()
    .valid(SCHEMA_VERSION)
    .required()
    .messages({ 'any.only': `must be ${SCHEMA_VERSION}` }),
  event_id: Joi.string().pattern(EVENT_ID).required().messages({ 'string.pattern.base': 'must be 1 to 128 characters from A-Z, a-z, 0-9, _ and -' }),
  order_uid: orderUidSchema.required(),
  version: Joi.number().integer().min(1).required(),
  occurred_at: dateTimeSchema.required(),
  request_id: text(128).allow(null).required(),
};

/** Schema of OrderUpserted; the carried order must be the order the envelope names. */
export const orderUpsertedSchema = Joi.object<OrderUpserted, true>({
  ...envelopeFields,
  type: Joi.string().valid('order.upserted').required(),
  order: orderSchema
    .keys({
      order_uid: orderUidSchema.required().valid(Joi.ref('...order_uid')).messages({ 'any.only': 'must equal the order_uid of the event' }),
    })
    .required(),
})
  .required()
  .prefs(STRICT_PREFERENCES);

/** Schema of OrderDeleted. */
export const orderDeletedSchema = Joi.object<OrderDeleted, true>({
  ...envelopeFields,
  type: Joi.string().valid('order.deleted').required(),
})
  .required()
  .prefs(STRICT_PREFERENCES);

/** Only reached when `type` is missing or unknown, so it always fails, in the same words as the event schemas. */
const eventTypeSchema = Joi.object({
  type: Joi.string().valid('order.upserted', 'order.deleted').required(),
})
  .unknown(true)
  .required()
  .prefs(STRICT_PREFERENCES);

// The decode fast path: twins of the schemas above that say true only when
// joi certainly accepts the event as is (see order-document-fast-check.ts).

const envelopeChecks = {
  schema_version: (value) => value === SCHEMA_VERSION,
  event_id: (value) => typeof value === 'string' && EVENT_ID.test(value),
  order_uid: isOrderUid,
  version: (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1,
  occurred_at: isDateTime,
  request_id: (value) => value === null || isText(value, 128),
} satisfies FieldChecks<Omit<OrderDeleted, 'type'>>;

const isPlainUpsert = objectCheck<OrderUpserted>({ ...envelopeChecks, type: (value) => value === 'order.upserted', order: isPlainValidOrder });
const isPlainDelete = objectCheck<OrderDeleted>({ ...envelopeChecks, type: (value) => value === 'order.deleted' });

/**
 * True only when validateOrderEvent certainly accepts the value and would
 * return an equal copy of it; false means "ask joi", which gives the verdict
 * and the messages. Meant for what JSON.parse makes: plain objects, arrays and
 * primitives.
 */
export function isPlainValidOrderEvent(value: unknown): value is OrderEvent {
  const type = isObject(value) ? value['type'] : undefined;
  if (type === 'order.upserted') return isPlainUpsert(value) && value.order.order_uid === value.order_uid;
  return type === 'order.deleted' && isPlainDelete(value);
}

/**
 * Checks an event against the schema its `type` selects. The order inside is
 * checked against the order schema but not the domain rules: an event records
 * a write that already happened, and a rule tightened later must not make old
 * events unreadable.
 */
export function validateOrderEvent(input: unknown): ValidationResult<OrderEvent> {
  const type = isObject(input) ? input['type'] : undefined;
  const schema = type === 'order.upserted' ? orderUpsertedSchema : type === 'order.deleted' ? orderDeletedSchema : eventTypeSchema;
  const { error, value } = schema.validate(input);
  if (error !== undefined) return { ok: false, errors: fieldErrorsOf(error) };
  return { ok: true, value: value as OrderEvent };
}

/** The event as JSON text; throws EventEncodeError rather than write down an invalid event. */
export function serializeOrderEvent(event: OrderEvent): string {
  if (!isPlainValidOrderEvent(event)) {
    const result = validateOrderEvent(event);
    if (!result.ok) throw new EventEncodeError(result.errors);
  }
  return JSON.stringify(event);
}

/**
 * The document text of an order, made once per order object: the stored
 * document, the event's payload and the answer of a write are the same text,
 * so a write serialises its order once. Orders are values: nothing changes one
 * after it was made, so the text of an object stays its text.
 */
export function orderDocumentText(order: Order): string {
  let text = documentTexts.get(order);
  if (text === undefined) {
    text = JSON.stringify(order);
    documentTexts.set(order, text);
  }
  return text;
}

const documentTexts = new WeakMap<Order, string>();

/**
 * serializeOrderEvent of an upsert, the same text, with the order's part
 * taken from orderDocumentText instead of serialised again (the order is the
 * envelope's last key, as orderUpserted builds it).
 */
export function serializeOrderUpsert(event: OrderUpserted): string {
  if (!isPlainValidOrderEvent(event)) return serializeOrderEvent(event);
  const { order, ...envelope } = event;
  const head = JSON.stringify(envelope);
  return `${head.slice(0, -1)},"order":${orderDocumentText(order)}}`;
}

/**
 * The `schema_version` of an event as serializeOrderEvent wrote it, read
 * without parsing the text; undefined when it holds none. The envelope's key
 * is the only `"schema_version":` in the text: the order's schema has no such
 * key, and JSON escapes the quotes of one inside a string value.
 */
export function schemaVersionOfSerialized(text: string): number | undefined {
  const match = SCHEMA_VERSION_FIELD.exec(text);
  return match === null ? undefined : Number(match[1]);
}

const SCHEMA_VERSION_FIELD = /"schema_version":(\d+)[,}]/;

/** An upsert's envelope, and its order document as the bytes it came in, unparsed. */
export interface OrderUpsertBytes {
  readonly envelope: Omit<OrderUpserted, 'order'>;
  /** The UTF-8 JSON of the order, a view of the message value (not a copy). */
  readonly document: Buffer;
}

const ORDER_KEY = Buffer.from(',"order":');
const OPENING_BRACE = 0x7b;
const CLOSING_BRACE = 0x7d;
const isPlainUpsertEnvelope = objectCheck<Omit<OrderUpserted, 'order'>>({ ...envelopeChecks, type: (value) => value === 'order.upserted' });

/**
 * Splits a message value that serializeOrderUpsert wrote (the envelope, then
 * the order as its last key) into the envelope, parsed and checked, and the
 * order's bytes, which are neither parsed nor copied; undefined for a value of
 * any other shape, which decodeOrderEvent then reads whole. For who needs the
 * document only as text (a rebuild writing it to the cache): it trusts the
 * document the writer validated before publishing (serializeOrderUpsert) and
 * checks only that it is delimited as an object.
 *
 * The first `,"order":` is the envelope's key: no envelope value is an object,
 * and JSON escapes a quote inside a string.
 */
export function splitOrderUpsert(value: Buffer): OrderUpsertBytes | undefined {
  const at = value.indexOf(ORDER_KEY);
  if (at < 0 || value[value.length - 1] !== CLOSING_BRACE) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(`${value.toString('utf8', 0, at)}}`);
  } catch {
    return undefined;
  }
  if (!isPlainUpsertEnvelope(envelope)) return undefined;
  const document = value.subarray(at + ORDER_KEY.length, value.length - 1);
  if (document[0] !== OPENING_BRACE || document[document.length - 1] !== CLOSING_BRACE) return undefined;
  return { envelope, document };
}

/** The event as the UTF-8 JSON message value; throws EventEncodeError rather than publish an invalid event. */
export function encodeOrderEvent(event: OrderEvent): Buffer {
  return Buffer.from(serializeOrderEvent(event), 'utf8');
}

/** Reads a message value; throws EventDecodeError, whose `reason` says why, for anything but a valid event of this schema version. */
export function decodeOrderEvent(value: Buffer | string | null): OrderEvent {
  if (value === null || value.length === 0) {
    throw new EventDecodeError('empty', [{ path: '', message: 'the message has no value' }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new EventDecodeError('not-json', [{ path: '', message: `is not JSON: ${detail}` }], { cause: error });
  }
  if (isPlainValidOrderEvent(parsed)) return parsed;
  const schemaVersion = isObject(parsed) ? parsed['schema_version'] : undefined;
  if (typeof schemaVersion === 'number' && schemaVersion !== SCHEMA_VERSION) {
    throw new EventDecodeError('unsupported-schema-version', [{ path: '/schema_version', message: `is ${schemaVersion}; this build reads ${SCHEMA_VERSION}` }]);
  }
  const result = validateOrderEvent(parsed);
  if (!result.ok) throw new EventDecodeError('invalid', result.errors);
  return result.value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
