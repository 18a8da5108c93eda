import { handleWhen, retry } from 'cockatiel';
import type { Knex } from 'knex';
import { OrderAlreadyExists, OrderNotFound, OrderVersionConflict, type Order, type VersionedOrder } from '@order-service/domain';
import { namedStatement, runNamed } from '@order-service/postgres';
import { appendToOutbox } from '../outbox/knex-outbox.js';
import type { OutboxAppendSignal } from '../outbox/outbox-ports.js';
import type {
  ExpectedVersion,
  IdempotentWrite,
  OrderRepository,
  OrderSearch,
  StoredDocument,
  WriteContext,
  WriteEvents,
} from '../use-cases/order-repository.js';
import { BatchedReads } from './batched-reads.js';
import { CREATE_ORDER_SQL, createOrderBindings, createOrderValues } from './create-order-statement.js';
import { isSerializationFailure, translateDatabaseError } from './database-errors.js';
import {
  deliveryColumns,
  itemRows,
  ORDER_COLUMNS,
  ORDER_DOCUMENT_SELECT,
  orderColumns,
  orderFromRow,
  paymentColumns,
  type OrderDocumentRow,
  type OrderRow,
} from './order-rows.js';

/**
 * Orders in PostgreSQL, normalised into orders, deliveries, payments and
 * items, with their events in the outbox; `outbox` (this process's relay) is
 * told after every committed write. Without one (a reader, a test), rows wait
 * for a relay's poll.
 */
export class KnexOrderRepository implements OrderRepository {
  private readonly documents = new BatchedReads<StoredDocument>((orderUids) => this.readDocuments(orderUids));

  constructor(
    private readonly db: Knex,
    private readonly events: WriteEvents,
    private readonly outbox: OutboxAppendSignal = { appended: () => undefined },
  ) {}

  async create(order: Order, context: WriteContext, idempotency?: IdempotentWrite): Promise<VersionedOrder> {
    const bindings = createOrderBindings(createOrderValues(this.events.upserted({ order, version: 1, updatedAt: new Date(0) }, context)));
    const insert = async (db: Knex | Knex.Transaction): Promise<VersionedOrder> => {
      const row = (await runNamed<{ version: number; updated_at: Date }>(db, CREATE_ORDER, bindings))[0];
      if (!row) throw new OrderAlreadyExists(order.order_uid);
      return { order, version: row.version, updatedAt: row.updated_at };
    };
    if (!idempotency) return this.appended(await this.attempt(() => insert(this.db)));
    return this.write(async (trx) => {
      const stored = await insert(trx);
      const response = idempotency.render(stored);
      await trx('idempotency_keys')
        .where({ key: idempotency.key })
        .update({
          state: 'done',
          response_status: response.status,
          response_headers: JSON.stringify(response.headers),
          response_body: response.body,
          locked_until: null,
        });
      return stored;
    });
  }

  async replace(order: Order, expected: ExpectedVersion | undefined, context: WriteContext): Promise<{ created: boolean; stored: VersionedOrder }> {
    return this.write(async (trx) => {
      // The version check and the increment are one statement: concurrent
      // writers queue on the row lock and each sees the version its predecessor left.
      const update = trx('orders')
        .where({ order_uid: order.order_uid })
        .update({ ...orderColumns(order), version: trx.raw('version + 1'), updated_at: trx.fn.now() })
        .returning(['version', 'updated_at']);
      if (Array.isArray(expected)) update.whereIn('version', expected);
      let row = (await update)[0] as { version: number; updated_at: Date } | undefined;
      let created = false;

      if (!row) {
        if (expected !== undefined) {
          const current = await trx('orders').where({ order_uid: order.order_uid }).first('version');
          throw new OrderVersionConflict(order.order_uid, expected === 'any' ? null : expected, (current?.version as number | undefined) ?? null);
        }
        row = await this.insertNew(trx, order);
        // Another writer created it between our UPDATE and INSERT: the caller retries as a replace.
        if (!row) throw new ConcurrentCreate();
        created = true;
      } else {
        await trx('deliveries').where({ order_uid: order.order_uid }).update(deliveryColumns(order));
        await trx('payments').where({ order_uid: order.order_uid }).update(paymentColumns(order));
        await trx('items').where({ order_uid: order.order_uid }).delete();
        await trx('items').insert(itemRows(order));
      }
      const stored: VersionedOrder = { order, version: row.version, updatedAt: row.updated_at };
      await appendToOutbox(trx, this.events.upserted(stored, context));
      return { created, stored };
    }).catch(async (error: unknown) => {
      if (error instanceof ConcurrentCreate) return this.replace(order, expected, context);
      throw error;
    });
  }

  async delete(orderUid: string, expected: ExpectedVersion | undefined, context: WriteContext): Promise<{ version: number }> {
    return this.write(async (trx) => {
      const query = trx('orders').where({ order_uid: orderUid }).delete().returning(['version']);
      if (Array.isArray(expected)) query.whereIn('version', expected);
      const row = (await query)[0] as { version: number } | undefined;
      if (!row) {
        const current = await trx('orders').where({ order_uid: orderUid }).first('version');
        if (!current) throw new OrderNotFound(orderUid);
        throw new OrderVersionConflict(orderUid, expected === 'any' || expected === undefined ? null : expected, current.version as number);
      }
      const version = row.version + 1;
      const deletedAt = new Date();
      await trx('order_tombstones').insert({ order_uid: orderUid, version, deleted_at: deletedAt }).onConflict('order_uid').merge();
      // The recorded answers of the order's creation hold its personal data: they go with it (a retry of that key then creates anew).
      await trx('idempotency_keys')
        .whereRaw(`response_headers ->> 'Location' = ?`, [`/orders/${encodeURIComponent(orderUid)}`])
        .delete();
      await appendToOutbox(trx, this.events.deleted(orderUid, version, deletedAt, context));
      return { version };
    });
  }

  async get(orderUid: string): Promise<VersionedOrder | null> {
    try {
      const row = (await runNamed<OrderRow>(this.db, READ_ORDER, [orderUid]))[0];
      return row ? orderFromRow(row) : null;
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** Concurrent reads (the cache misses of one turn of the event loop) share one statement. */
  async getDocument(orderUid: string): Promise<StoredDocument | null> {
    return this.documents.read(orderUid);
  }

  private async readDocuments(orderUids: readonly string[]): Promise<Map<string, StoredDocument>> {
    try {
      const rows = await runNamed<OrderDocumentRow>(this.db, READ_ORDER_DOCUMENTS, [orderUids]);
      return new Map(rows.map((row) => [row.order_uid, { json: row.document, version: row.version, updatedAt: row.updated_at }]));
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  async search(query: OrderSearch): Promise<VersionedOrder[]> {
    const where: string[] = [];
    const bindings: Knex.RawBinding[] = [];
    const add = (sql: string, ...values: Knex.RawBinding[]): void => {
      where.push(sql);
      bindings.push(...values);
    };
    if (query.customerId !== undefined) add('o.customer_id = ?', query.customerId);
    if (query.trackNumber !== undefined) add('o.track_number = ?', query.trackNumber);
    if (query.deliveryService !== undefined) add('o.delivery_service = ?', query.deliveryService);
    if (query.createdFrom) add('o.date_created >= ?', query.createdFrom);
    if (query.createdTo) add('o.date_created < ?', query.createdTo);
    if (query.after) add('(o.date_created, o.order_uid) < (?, ?)', query.after.dateCreated, query.after.orderUid);
    const sql = `select ${ORDER_COLUMNS} from orders o
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by o.date_created desc, o.order_uid desc
      limit ?`;
    try {
      const result = await this.db.raw(sql, [...bindings, query.limit]);
      return (result as { rows: OrderRow[] }).rows.map(orderFromRow);
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** Runs `work` in a transaction that appends to the outbox; the relay is told once it committed. */
  private async write<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.appended(await this.attempt(() => this.db.transaction(work)));
  }

  private appended<T>(committed: T): T {
    this.outbox.appended();
    return committed;
  }

  /**
   * Runs a write, again from the start when PostgreSQL reports a serialization
   * failure (a create racing a deletion of the same uid: see the
   * tombstone-guard migration); driver errors are translated at the edge.
   */
  private async attempt<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await WRITE_RETRY.execute(run);
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** The version an order deleted earlier reached, removing the tombstone; 0 when there is none. */
  private async takeTombstone(trx: Knex.Transaction, orderUid: string): Promise<number> {
    const rows = (await trx('order_tombstones').where({ order_uid: orderUid }).delete().returning(['version'])) as Array<{ version: number }>;
    return rows[0]?.version ?? 0;
  }

  /**
   * Inserts an order that does not exist, continuing the version of an earlier
   * deletion; undefined when the uid is taken (the transaction then rolls back,
   * tombstone included).
   */
  private async insertNew(trx: Knex.Transaction, order: Order): Promise<{ version: number; updated_at: Date } | undefined> {
    const version = (await this.takeTombstone(trx, order.order_uid)) + 1;
    const inserted = await trx('orders')
      .insert({ ...orderColumns(order), version })
      .onConflict('order_uid')
      .ignore()
      .returning(['version', 'updated_at']);
    const row = inserted[0] as { version: number; updated_at: Date } | undefined;
    if (row) await this.insertParts(trx, order);
    return row;
  }

  private async insertParts(trx: Knex.Transaction, order: Order): Promise<void> {
    await trx('deliveries').insert(deliveryColumns(order));
    await trx('payments').insert(paymentColumns(order));
    await trx('items').insert(itemRows(order));
  }
}

class ConcurrentCreate extends Error {}

/** The reads (the document behind every cache miss, the order a write checks) and the create: the statements worth planning once per connection. */
const READ_ORDER = namedStatement('order-service/read-order', `select ${ORDER_COLUMNS} from orders o where o.order_uid = ?`);
const READ_ORDER_DOCUMENTS = namedStatement('order-service/read-order-documents', `${ORDER_DOCUMENT_SELECT} where o.order_uid = any(?::text[])`);
const CREATE_ORDER = namedStatement('order-service/create-order', CREATE_ORDER_SQL);

/** A write that lost a serialization race runs again at once, three times in all, before the failure reaches the caller. */
const WRITE_RETRY = retry(handleWhen(isSerializationFailure), { maxAttempts: 2 });
