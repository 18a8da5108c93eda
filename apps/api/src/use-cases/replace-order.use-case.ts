import { assertOrderRules, type OrderDraft, type VersionedOrder } from '@order-service/domain';
import { canonicalOrder } from './canonical-order.js';
import { OrderUidMismatch } from './errors.js';
import type { ExpectedVersion, OrderRepository, WriteContext } from './order-repository.js';

export interface ReplaceOrderCommand {
  orderUid: string;
  draft: OrderDraft;
  expected: ExpectedVersion | undefined;
  context: WriteContext;
}

/** Replaces a whole order (or creates it under the given uid); a replacement keeps `date_created` unless the body sets it. */
export class ReplaceOrder {
  constructor(
    private readonly orders: OrderRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute({ orderUid, draft, expected, context }: ReplaceOrderCommand): Promise<{ created: boolean; stored: VersionedOrder }> {
    if (draft.order_uid !== undefined && draft.order_uid !== orderUid) throw new OrderUidMismatch(orderUid, draft.order_uid);
    const dateCreated = draft.date_created ?? (await this.orders.get(orderUid))?.order.date_created ?? this.now().toISOString();
    const order = canonicalOrder({
      ...draft,
      order_uid: orderUid,
      date_created: dateCreated,
      internal_signature: draft.internal_signature ?? '',
    });
    assertOrderRules(order);
    return this.orders.replace(order, expected, context);
  }
}
