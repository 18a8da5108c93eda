import { expect } from 'chai';
import { aDelete, anUpsert } from '../../../../packages/projection/test/support/order-events.js';
import { highestVersions } from '@order-service/contracts';

describe('highestVersions', () => {
  it('names each order once, with the highest version among the events', () => {
    const versions = highestVersions([anUpsert('o-1', 2), anUpsert('o-2', 1), aDelete('o-1', 3), anUpsert('o-1', 1)]);

    expect([...versions]).to.deep.equal([
      ['o-1', 3],
      ['o-2', 1],
    ]);
  });
});
