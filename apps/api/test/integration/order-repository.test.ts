import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { Order } from '@order-service/domain';
import { anOrder } from '@order-service/domain/testing';
import { KnexOrderRepository } from '../../src/adapters/knex-order-repository.js';
import { orderDocumentText } from '@order-service/contracts';
import { canonicalOrder } from '../../src/use-cases/canonical-order.js';
import { orderEvents } from '../../src/use-cases/order-events.js';
import { createPrivateDatabase, type PrivateDatabase } from '../support/outbox-fixtures.js';

describe('orders repository under concurrent writers (real PostgreSQL)', () => {
  let database: PrivateDatabase;
  let repository: KnexOrderRepository;
  const context = { requestId: null };

  before(async () => {
    database = await createPrivateDatabase('it-order-repository');
    repository = new KnexOrderRepository(database.db, orderEvents);
  });
  after(async () => {
    await database?.drop();
  });

  /** Resolves once `count` statements of this database wait for a lock another transaction holds. */
  async function waitersOnLocks(count: number): Promise<void> {
    for (let polls = 0; polls < 500; polls += 1) {
      const result = (await database.db.raw(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      )) as { rows: Array<{ n: number }> };
      if ((result.rows[0]?.n ?? 0) >= count) return;
      await sleep(10);
    }
    throw new Error(`no statement came to wait for a lock`);
  }

  it('reads the document as PostgreSQL builds it: the very text every other tier serves for the order', async () => {
    const orders = [
      anOrder().withItems(1).build(),
      anOrder()
        .withItems(4)
        .with({ date_created: '2024-02-29T23:59:59.007Z', internal_signature: 'sig "quoted" \\ back\nslash \u0001 ✓ 😀' })
        .withDelivery({ name: 'Алексей "Tab"\tПопов', email: 'a/b@example.com' })
        .withPayment({ payment_dt: '2021-11-26T10:22:19+03:00', delivery_cost: 12.5, custom_fee: 0.01, goods_total: 300 })
        .withItem(2, { price: 1999.99, sale: 33, item_size: 0.5, item_name: '<b>&amp;</b>' })
        .build(),
    ].map((order) => canonicalOrder({ ...order, order_uid: randomUUID() }));
    for (const order of orders) {
      const stored = await repository.create(order, context);
      const document = await repository.getDocument(order.order_uid);
      expect(document?.json).to.equal(orderDocumentText(order));
      expect(document?.version).to.equal(stored.version);
      expect(document?.updatedAt.getTime()).to.equal(stored.updatedAt.getTime());
    }
    expect(await repository.getDocument(randomUUID())).to.equal(null);
  });

  it('answers reads made together (one statement for the batch) each with its own order, and null for one that is absent', async () => {
    const orders = Array.from({ length: 5 }, (_, i) =>
      canonicalOrder({
        ...anOrder()
          .withItems(i + 1)
          .build(),
        order_uid: randomUUID(),
      }),
    );
    for (const order of orders) await repository.create(order, context);
    const absent = randomUUID();
    const uids = [...orders.map((order) => order.order_uid), absent, orders[0]!.order_uid];
    const documents = await Promise.all(uids.map((orderUid) => repository.getDocument(orderUid)));
    expect(documents.map((document) => document?.json ?? null)).to.deep.equal([...orders.map(orderDocumentText), null, orderDocumentText(orders[0]!)]);
  });

  it("tells this process's relay after every committed write, and not after one that failed", async () => {
    let told = 0;
    const signalled = new KnexOrderRepository(database.db, orderEvents, { appended: () => void (told += 1) });
    const order = canonicalOrder({ ...anOrder().withItems(2).build(), order_uid: randomUUID() });
    await signalled.create(order, context);
    expect(told, 'after the create').to.equal(1);
    await expect(signalled.create(order, context)).to.be.rejected;
    expect(told, 'not after a create that found the uid taken').to.equal(1);
    await signalled.replace(order, 'any', context);
    expect(told, 'after the replace').to.equal(2);
    await signalled.delete(order.order_uid, undefined, context);
    expect(told, 'after the delete').to.equal(3);
    await expect(signalled.delete(order.order_uid, undefined, context)).to.be.rejected;
    expect(told, 'not after a delete of an absent order').to.equal(3);
    expect(await database.db('outbox').where({ order_uid: order.order_uid }).pluck('version')).to.have.members([1, 2, 3]);
  });

  const writesOfAnAbsentOrder: Array<[string, (order: Order) => Promise<{ version: number }>]> = [
    ['create (POST)', (order) => repository.create(order, context)],
    ['replace (PUT)', async (order) => (await repository.replace(order, undefined, context)).stored],
  ];

  for (const [name, write] of writesOfAnAbsentOrder) {
    it(`a ${name} that waits on a deletion in flight continues the deletion's version`, async () => {
      const order = anOrder().with({ order_uid: randomUUID() }).build();
      await repository.create(order, context);
      await repository.replace(order, undefined, context);

      // The deletion (the repository's own, version 2 → tombstone 3) holds its transaction open
      // until the write has come to wait on the order's row, then commits.
      let written: Promise<{ version: number }> | undefined;
      await database.db.transaction(async (trx: Knex.Transaction) => {
        const deleted = await new KnexOrderRepository(trx, orderEvents).delete(order.order_uid, undefined, context);
        expect(deleted.version).to.equal(3);
        written = write(order);
        await waitersOnLocks(1);
      });

      expect((await written)?.version).to.equal(4);
      const tombstones = await database.db('order_tombstones').where({ order_uid: order.order_uid }).count<Array<{ count: string }>>('* as count');
      expect(Number(tombstones[0]?.count)).to.equal(0);
      const events = await database.db('outbox').where({ order_uid: order.order_uid }).orderBy('id').pluck('version');
      expect(events).to.deep.equal([1, 2, 3, 4]);
    });
  }
});
