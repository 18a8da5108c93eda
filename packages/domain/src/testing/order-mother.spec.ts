import { expect } from 'chai';
import { describe, it } from 'mocha';
import { checkOrderRules } from '../order-rules.js';
import { anOrder } from './order-mother.js';

describe('anOrder', () => {
  it('builds the example order with the server fields filled in', () => {
    const order = anOrder().build();
    expect(order.order_uid).to.equal('0193a5b4-7c1e-7a2b-9c3d-4e5f60718293');
    expect(order.date_created).to.equal('2021-11-26T06:22:19Z');
    expect(order.internal_signature).to.equal('');
    expect(order.track_number).to.equal('WBILMTEST-POST-001');
    expect(order.payment.amount).to.equal(350);
    expect(order.items).to.have.length(1);
  });

  it('never shares state between builders or built orders', () => {
    const base = anOrder();
    const changed = base.with({ entry: 'OTHER' }).withPayment({ bank: 'Other' }).withItems(2);
    const built = base.build();
    built.items.push(built.items[0]!);
    built.delivery.name = 'Mutated';
    expect(base.build()).to.deep.equal(anOrder().build());
    expect(changed.build().entry).to.equal('OTHER');
    expect(base.build().entry).to.equal('WBIL');
  });

  it('keeps items on the order track_number unless items are given', () => {
    const order = anOrder().withItems(3).with({ track_number: 'T-2' }).build();
    expect(order.items.map((i) => i.track_number)).to.deep.equal(['T-2', 'T-2', 'T-2']);
    const explicit = anOrder().with({ track_number: 'T-2', items: [] }).build();
    expect(explicit.items).to.deep.equal([]);
  });

  it('keeps payment.amount adding up unless amount is given', () => {
    expect(anOrder().withPayment({ goods_total: 1000 }).build().payment.amount).to.equal(1050);
    expect(anOrder().withPayment({ goods_total: 1000, amount: 7 }).build().payment.amount).to.equal(7);
  });

  it('withItems makes distinct items that keep the rules', () => {
    const order = anOrder().withItems(3).build();
    expect(order.items.map((i) => i.chrt_id)).to.deep.equal(['ch-1', 'ch-2', 'ch-3']);
    expect(checkOrderRules(order)).to.deep.equal([]);
    expect(anOrder().withItems(0).withItems(2).build().items).to.have.length(2);
  });

  it('withItem refuses an item that does not exist', () => {
    expect(() => anOrder().withItem(1, { price: 1 })).to.throw(RangeError);
  });

  it('withoutServerFields drops the server fields from the draft', () => {
    const draft = anOrder().withoutServerFields().buildDraft();
    expect(draft).to.not.have.any.keys('order_uid', 'date_created', 'internal_signature');
    expect(draft.track_number).to.equal('WBILMTEST-POST-001');
    // @ts-expect-error: a builder without server fields cannot build a stored Order.
    const _unbuildable = (): unknown => anOrder().withoutServerFields().build();
  });
});
