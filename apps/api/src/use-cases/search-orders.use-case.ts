import type { VersionedOrder } from '@order-service/domain';
import { searchConfinement } from './order-access.js';
import type { OrderRepository, OrderSearch } from './order-repository.js';
import type { Principal } from './principal.js';

export interface SearchPage {
  items: VersionedOrder[];
  /** Where the next page starts, or null on the last page. */
  next: { dateCreated: Date; orderUid: string } | null;
}

/**
 * Searches newest first with keyset pagination: a page costs the same however
 * deep it is. A customer's search is confined to its own orders whatever it
 * asks for; a search of every customer needs orders:read:all.
 */
export class SearchOrders {
  constructor(private readonly orders: OrderRepository) {}

  async execute(principal: Principal, query: OrderSearch): Promise<SearchPage> {
    const confinement = searchConfinement(principal, query.customerId);
    if (confinement === 'nothing') return { items: [], next: null };
    const { customerId: _requested, ...rest } = query;
    const rows = await this.orders.search({ ...rest, ...confinement, limit: query.limit + 1 });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    const next = rows.length > query.limit && last ? { dateCreated: new Date(last.order.date_created), orderUid: last.order.order_uid } : null;
    return { items, next };
  }
}
