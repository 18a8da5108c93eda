import type { ExpectedVersion, OrderRepository, WriteContext } from './order-repository.js';

/** Deletes an order; the deletion is itself a version, published so that caches forget the order. */
export class DeleteOrder {
  constructor(private readonly orders: OrderRepository) {}

  execute(orderUid: string, expected: ExpectedVersion | undefined, context: WriteContext): Promise<{ version: number }> {
    return this.orders.delete(orderUid, expected, context);
  }
}
