import { expect } from 'chai';
import { OrderAlreadyExists, OrderNotFound, OrderRuleViolation, OrderVersionConflict } from '@order-service/domain';
import { anOrder } from '@order-service/domain/testing';
import { MemoryIdempotencyStore } from '../testing/memory-idempotency-store.js';
import { MemoryOrderRepository } from '../testing/memory-order-repository.js';
import { CreateOrder } from './create-order.use-case.js';
import { DeleteOrder } from './delete-order.use-case.js';
import { IdempotencyKeyInFlight, IdempotencyKeyReused, OrderUidMismatch } from './errors.js';
import { scopedIdempotencyKey } from './order-access.js';
import { orderEvents } from './order-events.js';
import { scopes, type Principal } from './principal.js';
import { ReplaceOrder } from './replace-order.use-case.js';
import { SearchOrders } from './search-orders.use-case.js';

const NOW = new Date('2024-03-01T10:00:00.000Z');
const context = { requestId: 'req-1' };
/** Staff: every scope, so these specs exercise the use cases' own rules rather than access control. */
const staff: Principal = { subject: 'staff-1', customerId: null, scopes: new Set(Object.values(scopes)) };
const key = (name: string): string => scopedIdempotencyKey(staff, name);
const render = () => ({ status: 201, headers: { etag: '"v1"' }, body: '{}' });

describe('order use cases (in-memory ports)', () => {
  let orders: MemoryOrderRepository;
  let keys: MemoryIdempotencyStore;

  beforeEach(() => {
    orders = new MemoryOrderRepository(orderEvents, () => NOW);
    keys = new MemoryIdempotencyStore();
  });

  describe('CreateOrder', () => {
    it('assigns order_uid, date_created and internal_signature when absent, and records one upsert event', async () => {
      const result = await new CreateOrder(orders, keys, () => NOW).execute({ principal: staff, draft: anOrder().withoutServerFields().buildDraft(), context });

      expect(result.kind).to.equal('created');
      const stored = result.kind === 'created' ? result.stored : undefined;
      expect(stored?.order.order_uid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      expect(stored?.order.date_created).to.equal('2024-03-01T10:00:00Z');
      expect(stored?.order.internal_signature).to.equal('');
      expect(orders.events.map((e) => [e.type, e.order_uid, e.version, e.request_id])).to.deep.equal([['order.upserted', stored?.order.order_uid, 1, 'req-1']]);
    });

    it('refuses an order that breaks its rules and stores nothing', async () => {
      const draft = anOrder().withPayment({ amount: 1 }).buildDraft();
      await expect(new CreateOrder(orders, keys).execute({ principal: staff, draft, context })).to.be.rejectedWith(OrderRuleViolation);
      expect(orders.events).to.deep.equal([]);
    });

    it('refuses a uid that exists', async () => {
      const draft = anOrder().buildDraft();
      const create = new CreateOrder(orders, keys);
      await create.execute({ principal: staff, draft, context });
      await expect(create.execute({ principal: staff, draft, context })).to.be.rejectedWith(OrderAlreadyExists);
    });

    it('replays a recorded answer for the same key and body, and refuses another body or a key still in flight', async () => {
      const create = new CreateOrder(orders, keys);
      const draft = anOrder().buildDraft();
      await create.execute({ principal: staff, draft, context, idempotency: { key: 'k-1', fingerprint: 'f-1', render } });
      keys.complete(key('k-1'), orders.recorded.get(key('k-1')) ?? render());

      const replayed = await create.execute({ principal: staff, draft, context, idempotency: { key: 'k-1', fingerprint: 'f-1', render } });
      expect(replayed).to.deep.equal({ kind: 'replayed', response: render() });
      await expect(create.execute({ principal: staff, draft, context, idempotency: { key: 'k-1', fingerprint: 'f-2', render } })).to.be.rejectedWith(
        IdempotencyKeyReused,
      );
      await keys.claim(key('k-2'), 'f-1');
      await expect(create.execute({ principal: staff, draft, context, idempotency: { key: 'k-2', fingerprint: 'f-1', render } })).to.be.rejectedWith(
        IdempotencyKeyInFlight,
      );
      expect(orders.events).to.have.length(1);
    });

    it('releases the key when the write fails, so a retry can run', async () => {
      const draft = anOrder().buildDraft();
      await new CreateOrder(orders, keys).execute({ principal: staff, draft, context });
      await expect(
        new CreateOrder(orders, keys).execute({ principal: staff, draft, context, idempotency: { key: 'k-1', fingerprint: 'f', render } }),
      ).to.be.rejectedWith(OrderAlreadyExists);
      expect(keys.has(key('k-1'))).to.equal(false);
    });
  });

  describe('ReplaceOrder', () => {
    it('keeps date_created of the stored order unless the body sets one, and bumps the version', async () => {
      const original = anOrder().with({ date_created: '2021-11-26T06:22:19Z' }).build();
      await orders.create(original, context);
      const { date_created: _omitted, ...draft } = anOrder().with({ order_uid: original.order_uid, customer_id: 'other' }).buildDraft();

      const { created, stored } = await new ReplaceOrder(orders, () => NOW).execute({
        principal: staff,
        orderUid: original.order_uid,
        draft,
        expected: [1],
        context,
      });

      expect([created, stored.version, stored.order.date_created, stored.order.customer_id]).to.deep.equal([false, 2, '2021-11-26T06:22:19Z', 'other']);
    });

    it('creates an absent order under the uid of the URL, dated now', async () => {
      const { order_uid: _omitted, date_created: _none, ...draft } = anOrder().buildDraft();
      const { created, stored } = await new ReplaceOrder(orders, () => NOW).execute({ principal: staff, orderUid: 'u-1', draft, expected: undefined, context });
      expect([created, stored.version, stored.order.order_uid, stored.order.date_created]).to.deep.equal([true, 1, 'u-1', '2024-03-01T10:00:00Z']);
    });

    it('refuses a body naming another order, and a stale If-Match', async () => {
      const order = anOrder().build();
      await orders.create(order, context);
      const replace = new ReplaceOrder(orders);
      await expect(replace.execute({ principal: staff, orderUid: 'other', draft: anOrder().buildDraft(), expected: undefined, context })).to.be.rejectedWith(
        OrderUidMismatch,
      );
      await expect(replace.execute({ principal: staff, orderUid: order.order_uid, draft: anOrder().buildDraft(), expected: [7], context })).to.be.rejectedWith(
        OrderVersionConflict,
      );
    });
  });

  describe('DeleteOrder', () => {
    it('records the deletion as the next version, and refuses an absent order', async () => {
      const order = anOrder().build();
      await orders.create(order, context);
      expect(await new DeleteOrder(orders).execute(staff, order.order_uid, undefined, context)).to.deep.equal({ version: 2 });
      expect(orders.events.map((e) => [e.type, e.version])).to.deep.equal([
        ['order.upserted', 1],
        ['order.deleted', 2],
      ]);
      await expect(new DeleteOrder(orders).execute(staff, order.order_uid, undefined, context)).to.be.rejectedWith(OrderNotFound);
    });
  });

  describe('SearchOrders', () => {
    it('pages newest first and says where the next page starts, null on the last', async () => {
      for (const [uid, day] of [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ] as const) {
        await orders.create(
          anOrder()
            .with({ order_uid: uid, date_created: `2024-01-0${day}T00:00:00Z` })
            .build(),
          context,
        );
      }
      const search = new SearchOrders(orders);

      const first = await search.execute(staff, { limit: 2 });
      expect(first.items.map((s) => s.order.order_uid)).to.deep.equal(['c', 'b']);
      expect(first.next).to.deep.equal({ dateCreated: new Date('2024-01-02T00:00:00Z'), orderUid: 'b' });
      const second = await search.execute(staff, { limit: 2, ...(first.next && { after: first.next }) });
      expect(second.items.map((s) => s.order.order_uid)).to.deep.equal(['a']);
      expect(second.next).to.equal(null);
    });
  });
});
