import { expect } from 'chai';
import { hashSlot } from './hash-slot.js';

describe('hashSlot', () => {
  it('gives the slots Redis Cluster gives (CLUSTER KEYSLOT)', () => {
    expect(hashSlot('foo')).to.equal(12182);
    expect(hashSlot('bar')).to.equal(5061);
    expect(hashSlot('somekey')).to.equal(11058);
    expect(hashSlot('123456789')).to.equal(0x31c3 % 16384);
  });

  it('hashes only a non-empty hash tag', () => {
    expect(hashSlot('orders:g1:order:{o-1}')).to.equal(hashSlot('o-1'));
    expect(hashSlot('orders:g2:order:{o-1}')).to.equal(hashSlot('orders:g7:order:{o-1}'));
    expect(hashSlot('a{}b')).to.equal(hashSlot('a{}b'));
    expect(hashSlot('a{}b')).to.not.equal(hashSlot(''));
    expect(hashSlot('{user1000}.following')).to.equal(hashSlot('{user1000}.followers'));
  });
});
