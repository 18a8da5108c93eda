export { ORDERS_DLQ_TOPIC, ORDERS_TOPIC, EVENT_HEADERS } from './topics.js';
export type { FieldError, ValidationResult } from './field-errors.js';
export { EventDecodeError, EventEncodeError } from './errors.js';
export type { EventDecodeReason } from './errors.js';
export { MAX_ITEMS, orderDraftSchema, orderSchema, validateOrder, validateOrderDraft } from './order-document.js';
export type { OrderDeleted, OrderEvent, OrderUpsertBytes, OrderUpserted } from './order-events.js';
export {
  SCHEMA_VERSION,
  decodeOrderEvent,
  encodeOrderEvent,
  schemaVersionOfSerialized,
  serializeOrderEvent,
  serializeOrderUpsert,
  splitOrderUpsert,
  orderDocumentText,
  orderDeletedSchema,
  orderUpsertedSchema,
  validateOrderEvent,
} from './order-events.js';
export { decodeInvalidation, encodeInvalidations, highestVersions, MAX_UIDS_PER_MESSAGE } from './invalidation-message.js';
export type { Invalidation, InvalidationMessage } from './invalidation-message.js';
