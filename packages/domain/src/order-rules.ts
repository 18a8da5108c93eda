import { OrderRuleViolation } from './errors.js';
import type { Order, OrderDraft } from './order.js';
import type { Violation } from './violation.js';

/** A named invariant of the order; `check` returns one violation per offending field. */
export interface OrderRule {
  readonly name: string;
  readonly description: string;
  readonly check: (order: OrderDraft | Order) => Violation[];
}

/** An order has at least one item. */
export function ensureOrderHasItems(order: OrderDraft | Order): Violation[] {
  return order.items.length > 0 ? [] : [{ rule: 'ensureOrderHasItems', path: '/items', message: 'must contain at least one item' }];
}

/** Every item carries the track number of its order. */
export function ensureItemsCarryTrackNumber(order: OrderDraft | Order): Violation[] {
  return order.items.flatMap((item, i) =>
    item.track_number === order.track_number
      ? []
      : [
          {
            rule: 'ensureItemsCarryTrackNumber',
            path: `/items/${i}/track_number`,
            message: `must equal the order's track_number ${JSON.stringify(order.track_number)}`,
          },
        ],
  );
}

/**
 * The payment amount is goods_total + delivery_cost + custom_fee, compared in
 * minor units so that binary fractions (0.1 + 0.2) do not count as a mismatch.
 * A non-finite term is left to ensureQuantitiesAreNonNegative, so one bad
 * field is reported once.
 */
export function ensurePaymentAmountAddsUp(order: OrderDraft | Order): Violation[] {
  const { amount, goods_total, delivery_cost, custom_fee } = order.payment;
  const terms = [amount, goods_total, delivery_cost, custom_fee];
  if (!terms.every(Number.isFinite)) return [];
  const expected = toMinorUnits(goods_total) + toMinorUnits(delivery_cost) + toMinorUnits(custom_fee);
  if (toMinorUnits(amount) === expected) return [];
  return [
    {
      rule: 'ensurePaymentAmountAddsUp',
      path: '/payment/amount',
      message: `must equal goods_total + delivery_cost + custom_fee (${goods_total} + ${delivery_cost} + ${custom_fee} = ${expected / 100}), got ${amount}`,
    },
  ];
}

/** Every money, size and count field is a finite number not below zero. */
export function ensureQuantitiesAreNonNegative(order: OrderDraft | Order): Violation[] {
  const { payment } = order;
  const fields: [path: string, value: number][] = [
    ['/sm_id', order.sm_id],
    ['/oof_shard', order.oof_shard],
    ['/payment/amount', payment.amount],
    ['/payment/delivery_cost', payment.delivery_cost],
    ['/payment/goods_total', payment.goods_total],
    ['/payment/custom_fee', payment.custom_fee],
    ...order.items.flatMap((item, i): [string, number][] => [
      [`/items/${i}/price`, item.price],
      [`/items/${i}/sale`, item.sale],
      [`/items/${i}/item_size`, item.item_size],
      [`/items/${i}/total_price`, item.total_price],
      [`/items/${i}/status`, item.status],
    ]),
  ];
  return fields
    .filter(([, value]) => !(Number.isFinite(value) && value >= 0))
    .map(([path, value]) => ({
      rule: 'ensureQuantitiesAreNonNegative',
      path,
      message: `must be a finite number not below 0, got ${String(value)}`,
    }));
}

/** Every invariant of the order, in the order they are checked. */
export const orderRules: readonly OrderRule[] = [
  { name: 'ensureOrderHasItems', description: 'An order has at least one item.', check: ensureOrderHasItems },
  {
    name: 'ensureItemsCarryTrackNumber',
    description: 'Every item carries the track number of its order.',
    check: ensureItemsCarryTrackNumber,
  },
  {
    name: 'ensurePaymentAmountAddsUp',
    description: 'The payment amount is goods_total + delivery_cost + custom_fee.',
    check: ensurePaymentAmountAddsUp,
  },
  {
    name: 'ensureQuantitiesAreNonNegative',
    description: 'Every money, size and count field is a finite number not below zero.',
    check: ensureQuantitiesAreNonNegative,
  },
];

/** All violations of all rules; empty when the order is sound. */
export function checkOrderRules(order: OrderDraft | Order): Violation[] {
  return orderRules.flatMap((rule) => rule.check(order));
}

/** Throws OrderRuleViolation, listing every violation, unless the order is sound. */
export function assertOrderRules(order: OrderDraft | Order): void {
  const violations = checkOrderRules(order);
  if (violations.length > 0) throw new OrderRuleViolation(violations);
}

function toMinorUnits(value: number): number {
  return Math.round(value * 100);
}
