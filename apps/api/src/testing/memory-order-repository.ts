import { OrderAlreadyExists, OrderNotFound, OrderVersionConflict, type Order, type VersionedOrder } from '@order-service/domain';
import { orderDocumentText, type OrderEvent } from '@order-service/contracts';
import type {
  ExpectedVersion,
  IdempotentWrite,
  OrderRepository,
  OrderSearch,
  StoredDocument,
  WriteContext,
  WriteEvents,
} from '../use-cases/order-repository.js';

/**
 * The OrderRepository port in memory, for unit specs of the use cases: the
 * same version rules as PostgreSQL (a deletion is a version, a create after it
 * continues from there, If-Match lists), and every write's event recorded in
 * `events` as the outbox would hold it.
 */
export class MemoryOrderRepository implements OrderRepository {
  readonly events: OrderEvent[] = [];
  readonly recorded = new Map<string, ReturnType<IdempotentWrite['render']>>();
  private readonly orders = new Map<string, VersionedOrder>();
  private readonly tombstones = new Map<string, number>();

  constructor(
    private readonly writeEvents: WriteEvents,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(order: Order, context: WriteContext, idempotency?: IdempotentWrite): Promise<VersionedOrder> {
    if (this.orders.has(order.order_uid)) throw new OrderAlreadyExists(order.order_uid);
    const stored = this.store(order, (this.tombstones.get(order.order_uid) ?? 0) + 1, context);
    if (idempotency) this.recorded.set(idempotency.key, idempotency.render(stored));
    return stored;
  }

  async replace(order: Order, expected: ExpectedVersion | undefined, context: WriteContext): Promise<{ created: boolean; stored: VersionedOrder }> {
    const current = this.orders.get(order.order_uid);
    this.check(order.order_uid, current, expected);
    const version = current ? current.version + 1 : (this.tombstones.get(order.order_uid) ?? 0) + 1;
    return { created: current === undefined, stored: this.store(order, version, context) };
  }

  async delete(orderUid: string, expected: ExpectedVersion | undefined, context: WriteContext): Promise<{ version: number }> {
    const current = this.orders.get(orderUid);
    if (!current) throw new OrderNotFound(orderUid);
    this.check(orderUid, current, expected);
    const version = current.version + 1;
    this.orders.delete(orderUid);
    this.tombstones.set(orderUid, version);
    this.events.push(this.writeEvents.deleted(orderUid, version, this.now(), context));
    return { version };
  }

  async get(orderUid: string): Promise<VersionedOrder | null> {
    return this.orders.get(orderUid) ?? null;
  }

  async getDocument(orderUid: string): Promise<StoredDocument | null> {
    const stored = this.orders.get(orderUid);
    return stored ? { json: orderDocumentText(stored.order), version: stored.version, updatedAt: stored.updatedAt } : null;
  }

  async search(query: OrderSearch): Promise<VersionedOrder[]> {
    const key = (stored: VersionedOrder): [number, string] => [Date.parse(stored.order.date_created), stored.order.order_uid];
    const before = (a: [number, string], b: [number, string]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
    return [...this.orders.values()]
      .filter(({ order }) => query.customerId === undefined || order.customer_id === query.customerId)
      .filter(({ order }) => query.trackNumber === undefined || order.track_number === query.trackNumber)
      .filter((stored) => !query.after || before(key(stored), [query.after.dateCreated.getTime(), query.after.orderUid]))
      .sort((a, b) => (before(key(a), key(b)) ? 1 : -1))
      .slice(0, query.limit);
  }

  private check(orderUid: string, current: VersionedOrder | undefined, expected: ExpectedVersion | undefined): void {
    if (expected === undefined) return;
    if (!current || (expected !== 'any' && !expected.includes(current.version))) {
      throw new OrderVersionConflict(orderUid, expected === 'any' ? null : expected, current?.version ?? null);
    }
  }

  private store(order: Order, version: number, context: WriteContext): VersionedOrder {
    const stored: VersionedOrder = { order, version, updatedAt: this.now() };
    this.orders.set(order.order_uid, stored);
    this.tombstones.delete(order.order_uid);
    this.events.push(this.writeEvents.upserted(stored, context));
    return stored;
  }
}
