import { expect } from 'chai';
import { describe, it } from 'mocha';
import { OrderRuleViolation } from './errors.js';
import type { Order } from './order.js';
import {
  assertOrderRules,
  checkOrderRules,
  ensureItemsCarryTrackNumber,
  ensureOrderHasItems,
  ensurePaymentAmountAddsUp,
  ensureQuantitiesAreNonNegative,
  orderRules,
} from './order-rules.js';
import { anOrder } from './testing/order-mother.js';

describe('order rules', () => {
  it('the example order breaks no rule', () => {
    expect(checkOrderRules(anOrder().build())).to.deep.equal([]);
    expect(checkOrderRules(anOrder().withoutServerFields().buildDraft())).to.deep.equal([]);
    expect(checkOrderRules(anOrder().withItems(3).build())).to.deep.equal([]);
  });

  describe('ensureOrderHasItems', () => {
    it('rejects an order without items at /items', () => {
      expect(ensureOrderHasItems(anOrder().withItems(0).build())).to.deep.equal([
        { rule: 'ensureOrderHasItems', path: '/items', message: 'must contain at least one item' },
      ]);
    });

    it('accepts a single item', () => {
      expect(ensureOrderHasItems(anOrder().withItems(1).build())).to.deep.equal([]);
    });
  });

  describe('ensureItemsCarryTrackNumber', () => {
    it('names every item whose track_number differs from the order', () => {
      const order = anOrder().withItems(3).withItem(0, { track_number: 'OTHER' }).withItem(2, { track_number: '' }).build();
      const violations = ensureItemsCarryTrackNumber(order);
      expect(violations.map((v) => [v.rule, v.path])).to.deep.equal([
        ['ensureItemsCarryTrackNumber', '/items/0/track_number'],
        ['ensureItemsCarryTrackNumber', '/items/2/track_number'],
      ]);
      expect(violations[0]?.message).to.include('"WBILMTEST-POST-001"');
    });

    it('is case sensitive', () => {
      const order = anOrder().withItem(0, { track_number: 'wbilmtest-post-001' }).build();
      expect(ensureItemsCarryTrackNumber(order).map((v) => v.path)).to.deep.equal(['/items/0/track_number']);
    });
  });

  describe('ensurePaymentAmountAddsUp', () => {
    it('rejects an amount that differs from goods_total + delivery_cost + custom_fee', () => {
      const order = anOrder().withPayment({ amount: 351 }).build();
      expect(ensurePaymentAmountAddsUp(order)).to.deep.equal([
        {
          rule: 'ensurePaymentAmountAddsUp',
          path: '/payment/amount',
          message: 'must equal goods_total + delivery_cost + custom_fee (300 + 50 + 0 = 350), got 351',
        },
      ]);
    });

    it('counts custom_fee', () => {
      expect(ensurePaymentAmountAddsUp(anOrder().withPayment({ custom_fee: 5, amount: 350 }).build())).to.have.length(1);
      expect(ensurePaymentAmountAddsUp(anOrder().withPayment({ custom_fee: 5, amount: 355 }).build())).to.deep.equal([]);
    });

    it('compares in minor units, so binary fractions add up', () => {
      const order = anOrder().withPayment({ goods_total: 0.1, delivery_cost: 0.2, custom_fee: 0, amount: 0.3 }).build();
      expect(0.1 + 0.2).to.not.equal(0.3);
      expect(ensurePaymentAmountAddsUp(order)).to.deep.equal([]);
    });

    it('still sees a one-cent difference', () => {
      const order = anOrder().withPayment({ goods_total: 0.1, delivery_cost: 0.2, custom_fee: 0, amount: 0.31 }).build();
      expect(ensurePaymentAmountAddsUp(order).map((v) => v.path)).to.deep.equal(['/payment/amount']);
    });

    it('leaves non-finite terms to ensureQuantitiesAreNonNegative', () => {
      const order = anOrder().withPayment({ goods_total: Number.NaN, amount: 350 }).build();
      expect(ensurePaymentAmountAddsUp(order)).to.deep.equal([]);
      expect(checkOrderRules(order).map((v) => [v.rule, v.path])).to.deep.equal([['ensureQuantitiesAreNonNegative', '/payment/goods_total']]);
    });
  });

  describe('ensureQuantitiesAreNonNegative', () => {
    const fields: { path: string; orderWith: (value: number) => Order }[] = [
      { path: '/sm_id', orderWith: (v) => anOrder().with({ sm_id: v }).build() },
      { path: '/oof_shard', orderWith: (v) => anOrder().with({ oof_shard: v }).build() },
      { path: '/payment/amount', orderWith: (v) => anOrder().withPayment({ amount: v }).build() },
      { path: '/payment/delivery_cost', orderWith: (v) => anOrder().withPayment({ delivery_cost: v, amount: 350 }).build() },
      { path: '/payment/goods_total', orderWith: (v) => anOrder().withPayment({ goods_total: v, amount: 350 }).build() },
      { path: '/payment/custom_fee', orderWith: (v) => anOrder().withPayment({ custom_fee: v, amount: 350 }).build() },
      { path: '/items/1/price', orderWith: (v) => anOrder().withItems(2).withItem(1, { price: v }).build() },
      { path: '/items/1/sale', orderWith: (v) => anOrder().withItems(2).withItem(1, { sale: v }).build() },
      { path: '/items/1/item_size', orderWith: (v) => anOrder().withItems(2).withItem(1, { item_size: v }).build() },
      { path: '/items/1/total_price', orderWith: (v) => anOrder().withItems(2).withItem(1, { total_price: v }).build() },
      { path: '/items/1/status', orderWith: (v) => anOrder().withItems(2).withItem(1, { status: v }).build() },
    ];

    for (const { path, orderWith } of fields) {
      for (const value of [-1, -0.01, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        it(`rejects ${path} = ${value}`, () => {
          expect(ensureQuantitiesAreNonNegative(orderWith(value))).to.deep.equal([
            { rule: 'ensureQuantitiesAreNonNegative', path, message: `must be a finite number not below 0, got ${value}` },
          ]);
        });
      }

      it(`accepts ${path} = 0`, () => {
        expect(ensureQuantitiesAreNonNegative(orderWith(0))).to.deep.equal([]);
      });
    }
  });

  describe('orderRules', () => {
    it('lists each rule once, named after its function and described', () => {
      expect(orderRules.map((r) => [r.name, r.check.name])).to.deep.equal([
        ['ensureOrderHasItems', 'ensureOrderHasItems'],
        ['ensureItemsCarryTrackNumber', 'ensureItemsCarryTrackNumber'],
        ['ensurePaymentAmountAddsUp', 'ensurePaymentAmountAddsUp'],
        ['ensureQuantitiesAreNonNegative', 'ensureQuantitiesAreNonNegative'],
      ]);
      for (const rule of orderRules) expect(rule.description).to.match(/^[A-Z].+\.$/);
    });
  });

  describe('checkOrderRules', () => {
    it('reports the violations of every rule together', () => {
      const order = anOrder().withItem(0, { track_number: 'OTHER', price: -1 }).withPayment({ amount: 1 }).build();
      expect(checkOrderRules(order).map((v) => [v.rule, v.path])).to.deep.equal([
        ['ensureItemsCarryTrackNumber', '/items/0/track_number'],
        ['ensurePaymentAmountAddsUp', '/payment/amount'],
        ['ensureQuantitiesAreNonNegative', '/items/0/price'],
      ]);
    });
  });

  describe('assertOrderRules', () => {
    it('passes a sound order', () => {
      expect(() => assertOrderRules(anOrder().build())).to.not.throw();
    });

    it('throws OrderRuleViolation carrying every violation', () => {
      const order = anOrder().withItems(0).withPayment({ amount: 1 }).build();
      let caught: unknown;
      try {
        assertOrderRules(order);
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(OrderRuleViolation);
      expect((caught as OrderRuleViolation).violations).to.deep.equal(checkOrderRules(order));
      expect((caught as OrderRuleViolation).violations).to.have.length(2);
    });
  });
});
