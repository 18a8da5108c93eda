import type { VersionedOrder } from '@order-service/domain';
import type { OrderRepository, OrderSearch } from './order-repository.js';

export interface SearchPage {
  items: VersionedOrder[];
  /** Where the next page starts, or null on the last page. */
  next: { dateCreated: Date; orderUid: string } | null;
}

/** Searches newest first with keyset pagination: a page costs the same however deep it is. */
export class SearchOrders {
  constructor(private readonly orders: OrderRepository) {}

  async execute(query: OrderSearch): Promise<SearchPage> {
    const rows = await this.orders.search({ ...query, limit: query.limit + 1 });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    const next = rows.length > query.limit && last ? { dateCreated: new Date(last.order.date_created), orderUid: last.order.order_uid } : null;
    return { items, next };
  }
}
