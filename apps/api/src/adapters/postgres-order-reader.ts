import type { OrderRepository } from '../use-cases/order-repository.js';
import type { OrderReader, OrderView } from '../use-cases/order-reader.js';

/** The last tier: the system of record itself. */
export class PostgresOrderReader implements OrderReader {
  constructor(private readonly orders: OrderRepository) {}

  async read(orderUid: string): Promise<OrderView | null> {
    const stored = await this.orders.get(orderUid);
    if (!stored) return null;
    return { json: JSON.stringify(stored.order), version: stored.version, modifiedAt: stored.updatedAt, tier: 'postgres' };
  }

  forget(): void {}
}
