import { expect } from 'chai';
import { OUTBOX_SLOTS } from '@order-service/postgres';
import { outboxSlotOf } from './knex-outbox.js';

describe('outboxSlotOf', () => {
  it('is 32-bit FNV-1a of the UTF-8 order_uid modulo the slot count, fixed forever', () => {
    // FNV-1a reference values: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect(outboxSlotOf('')).to.equal(0x811c9dc5 % OUTBOX_SLOTS);
    expect(outboxSlotOf('a')).to.equal(0xe40c292c % OUTBOX_SLOTS);
    expect(outboxSlotOf('foobar')).to.equal(0xbf9cf968 % OUTBOX_SLOTS);
  });

  it('spreads order uids over every slot', () => {
    const counts = new Array<number>(OUTBOX_SLOTS).fill(0);
    for (let i = 0; i < 16_000; i += 1) {
      const slot = outboxSlotOf(`0193a5b4-7c1e-7a2b-9c3d-${i.toString(16).padStart(12, '0')}`);
      counts[slot] = (counts[slot] ?? 0) + 1;
    }
    expect(Math.min(...counts)).to.be.above(800);
    expect(Math.max(...counts)).to.be.below(1_200);
  });
});
