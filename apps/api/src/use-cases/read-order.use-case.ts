import { mayRead } from './order-access.js';
import type { OrderReader, OrderView } from './order-reader.js';
import { scopes, type Principal } from './principal.js';

/**
 * Reads one order for a principal: a staff token reads any order as the tiers
 * serve it; a customer's token only its own customer's, and another customer's
 * order is absent (null), exactly like a missing one. `minVersion` is the
 * floor the client asked for (0 for none), handed to the reader as it is.
 */
export class ReadOrder {
  /** The owner of each view, read from its document once: a tier hands out one view per cached version. */
  private readonly owners = new WeakMap<OrderView, string>();

  constructor(private readonly reader: OrderReader) {}

  /** The order from this process's own tier without waiting: a view, null when it is not the principal's, undefined when only a slower tier can answer. */
  cached(principal: Principal, orderUid: string, minVersion = 0): OrderView | null | undefined {
    const view = this.reader.cached(orderUid, minVersion);
    return view === undefined ? undefined : this.visible(principal, view);
  }

  async read(principal: Principal, orderUid: string, minVersion = 0): Promise<OrderView | null> {
    const view = await this.reader.read(orderUid, minVersion);
    return view === null ? null : this.visible(principal, view);
  }

  private visible(principal: Principal, view: OrderView): OrderView | null {
    if (principal.scopes.has(scopes.readAll)) return view;
    return mayRead(principal, this.ownerOf(view)) ? view : null;
  }

  private ownerOf(view: OrderView): string {
    let owner = this.owners.get(view);
    if (owner === undefined) {
      owner = String((JSON.parse(view.body.toString('utf8')) as { customer_id?: unknown }).customer_id);
      this.owners.set(view, owner);
    }
    return owner;
  }
}
