import { OrderNotFound } from '@order-service/domain';
import { ensureMayWriteExisting, pinnedExpectation } from './order-access.js';
import type { ExpectedVersion, OrderRepository, WriteContext } from './order-repository.js';
import { InsufficientScope } from './errors.js';
import { scopes, type Principal } from './principal.js';

/**
 * Deletes an order; the deletion is itself a version, published so that
 * caches forget the order. A customer deletes only its own orders.
 */
export class DeleteOrder {
  constructor(private readonly orders: OrderRepository) {}

  async execute(principal: Principal, orderUid: string, expected: ExpectedVersion | undefined, context: WriteContext): Promise<{ version: number }> {
    if (principal.scopes.has(scopes.writeAll)) return this.orders.delete(orderUid, expected, context);
    if (principal.customerId === null) throw new InsufficientScope(scopes.writeAll);
    const existing = await this.orders.get(orderUid);
    if (!existing) throw new OrderNotFound(orderUid);
    ensureMayWriteExisting(principal, orderUid, existing.order.customer_id);
    return this.orders.delete(orderUid, pinnedExpectation(orderUid, expected, existing.version), context);
  }
}
