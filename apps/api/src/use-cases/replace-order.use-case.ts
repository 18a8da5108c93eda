import { assertOrderRules, type OrderDraft, type VersionedOrder } from '@order-service/domain';
import { canonicalOrder } from './canonical-order.js';
import { OrderUidMismatch } from './errors.js';
import { ensureMayWriteExisting, ensureMayWriteFor, pinnedExpectation } from './order-access.js';
import type { ExpectedVersion, OrderRepository, WriteContext } from './order-repository.js';
import { scopes, type Principal } from './principal.js';

export interface ReplaceOrderCommand {
  principal: Principal;
  orderUid: string;
  draft: OrderDraft;
  expected: ExpectedVersion | undefined;
  context: WriteContext;
}

/**
 * Replaces a whole order (or creates it under the given uid); a replacement
 * keeps `date_created` unless the body sets it. A customer replaces only its own
 * orders and cannot hand one to another customer; another customer's order is
 * reported absent.
 */
export class ReplaceOrder {
  constructor(
    private readonly orders: OrderRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute({ principal, orderUid, draft, expected, context }: ReplaceOrderCommand): Promise<{ created: boolean; stored: VersionedOrder }> {
    if (draft.order_uid !== undefined && draft.order_uid !== orderUid) throw new OrderUidMismatch(orderUid, draft.order_uid);
    ensureMayWriteFor(principal, draft.customer_id);
    const everyOrder = principal.scopes.has(scopes.writeAll);
    const existing = everyOrder && draft.date_created !== undefined ? undefined : await this.orders.get(orderUid);
    if (!everyOrder) ensureMayWriteExisting(principal, orderUid, existing?.order.customer_id);
    const order = canonicalOrder({
      ...draft,
      order_uid: orderUid,
      date_created: draft.date_created ?? existing?.order.date_created ?? this.now().toISOString(),
      internal_signature: draft.internal_signature ?? '',
    });
    assertOrderRules(order);
    if (everyOrder) return this.orders.replace(order, expected, context);
    // A customer's write must find the order as it was checked: absent (a create, which refuses a uid taken meanwhile) or the same version.
    if (existing) return this.orders.replace(order, pinnedExpectation(orderUid, expected, existing.version), context);
    if (expected !== undefined) return this.orders.replace(order, expected, context);
    return { created: true, stored: await this.orders.create(order, context) };
  }
}
