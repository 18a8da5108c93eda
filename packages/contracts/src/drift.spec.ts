import { anOrder } from '@order-service/domain/testing';
import type { Delivery, Item, Order, OrderDraft, Payment, ServerAssignedField } from '@order-service/domain';
import { expect } from 'chai';
import type Joi from 'joi';
import { describe, it } from 'mocha';
import { orderDraftSchema, orderSchema, validateOrder, validateOrderDraft } from './order-document.js';
import { orderDeletedSchema, orderUpsertedSchema } from './order-events.js';
import type { OrderDeleted, OrderUpserted } from './order-events.js';

// Exhaustive key lists: the type checker rejects a key missing from, or extra to, the TypeScript type.
const orderKeys: Record<keyof Order, true> = {
  order_uid: true,
  track_number: true,
  entry: true,
  locale: true,
  internal_signature: true,
  customer_id: true,
  delivery_service: true,
  shard_key: true,
  sm_id: true,
  date_created: true,
  oof_shard: true,
  delivery: true,
  payment: true,
  items: true,
};
const deliveryKeys: Record<keyof Delivery, true> = {
  name: true,
  phone: true,
  zip: true,
  city: true,
  address: true,
  region: true,
  email: true,
};
const paymentKeys: Record<keyof Payment, true> = {
  transaction: true,
  request_id: true,
  currency: true,
  provider: true,
  amount: true,
  payment_dt: true,
  bank: true,
  delivery_cost: true,
  goods_total: true,
  custom_fee: true,
};
const itemKeys: Record<keyof Item, true> = {
  chrt_id: true,
  track_number: true,
  price: true,
  rid: true,
  item_name: true,
  sale: true,
  item_size: true,
  total_price: true,
  nm_id: true,
  brand: true,
  status: true,
};
const serverFields: Record<ServerAssignedField, true> = { order_uid: true, date_created: true, internal_signature: true };
const upsertedKeys: Record<keyof OrderUpserted, true> = {
  schema_version: true,
  type: true,
  event_id: true,
  order_uid: true,
  version: true,
  occurred_at: true,
  request_id: true,
  order: true,
};
const deletedKeys: Record<keyof OrderDeleted, true> = {
  schema_version: true,
  type: true,
  event_id: true,
  order_uid: true,
  version: true,
  occurred_at: true,
  request_id: true,
};

function child(description: Joi.Description, key: string): Joi.Description {
  const found: unknown = description['keys']?.[key];
  if (found === undefined) expect.fail(`the schema has no key ${key}`);
  return found as Joi.Description;
}

function keysOf(description: Joi.Description): string[] {
  expect(description.type).to.equal('object');
  return Object.keys(description['keys'] ?? {});
}

function requiredKeysOf(description: Joi.Description): string[] {
  return keysOf(description).filter((key) => (child(description, key).flags as { presence?: string } | undefined)?.presence === 'required');
}

function itemDescription(order: Joi.Description): Joi.Description {
  const items = child(order, 'items');
  expect(items.type).to.equal('array');
  const [item, ...others] = (items['items'] ?? []) as Joi.Description[];
  expect(others).to.deep.equal([]);
  if (item === undefined) expect.fail('the items schema has no item schema');
  return item;
}

describe('TypeScript types and joi schemas', () => {
  const schemas = { orderSchema, orderDraftSchema, 'orderUpsertedSchema.order': orderUpsertedSchema.extract('order') };

  for (const [name, schema] of Object.entries(schemas)) {
    describe(name, () => {
      const order = schema.describe();

      it('has exactly the keys of Order', () => {
        expect(keysOf(order)).to.have.members(Object.keys(orderKeys));
      });

      it('has exactly the keys of Delivery, Payment and Item', () => {
        expect(keysOf(child(order, 'delivery'))).to.have.members(Object.keys(deliveryKeys));
        expect(keysOf(child(order, 'payment'))).to.have.members(Object.keys(paymentKeys));
        expect(keysOf(itemDescription(order))).to.have.members(Object.keys(itemKeys));
      });

      it('requires every nested key, none being optional in the types', () => {
        expect(requiredKeysOf(child(order, 'delivery'))).to.have.members(Object.keys(deliveryKeys));
        expect(requiredKeysOf(child(order, 'payment'))).to.have.members(Object.keys(paymentKeys));
        expect(requiredKeysOf(itemDescription(order))).to.have.members(Object.keys(itemKeys));
      });
    });
  }

  it('orderSchema requires every key; orderDraftSchema all but the server-assigned ones', () => {
    expect(requiredKeysOf(orderSchema.describe())).to.have.members(Object.keys(orderKeys));
    const clientKeys = Object.keys(orderKeys).filter((key) => !(key in serverFields));
    expect(requiredKeysOf(orderDraftSchema.describe())).to.have.members(clientKeys);
  });

  it('the event schemas have exactly the keys of their types, all required', () => {
    expect(keysOf(orderUpsertedSchema.describe())).to.have.members(Object.keys(upsertedKeys));
    expect(requiredKeysOf(orderUpsertedSchema.describe())).to.have.members(Object.keys(upsertedKeys));
    expect(keysOf(orderDeletedSchema.describe())).to.have.members(Object.keys(deletedKeys));
    expect(requiredKeysOf(orderDeletedSchema.describe())).to.have.members(Object.keys(deletedKeys));
  });

  it('a validated value is the domain type', () => {
    const result = validateOrder(anOrder().build());
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    const order: Order = result.value;
    const draftResult = validateOrderDraft(anOrder().withoutServerFields().buildDraft());
    if (!draftResult.ok) expect.fail(JSON.stringify(draftResult.errors));
    const draft: OrderDraft = draftResult.value;
    const fromSchema: Order = orderSchema.validate(order).value;
    expect([order, draft, fromSchema].map((o) => o.track_number)).to.deep.equal(Array(3).fill('WBILMTEST-POST-001'));
  });
});
