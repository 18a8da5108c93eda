export type { Delivery, Item, Order, OrderDraft, Payment, ServerAssignedField, VersionedOrder } from './order.js';
export type { Violation } from './violation.js';
export { ServiceError, type ServiceErrorOptions } from './service-error.js';
export { DomainError, OrderAlreadyExists, OrderNotFound, OrderRuleViolation, OrderVersionConflict } from './errors.js';
export type { OrderRule } from './order-rules.js';
export {
  assertOrderRules,
  checkOrderRules,
  ensureItemsCarryTrackNumber,
  ensureOrderHasItems,
  ensurePaymentAmountAddsUp,
  ensureQuantitiesAreNonNegative,
  orderRules,
} from './order-rules.js';
