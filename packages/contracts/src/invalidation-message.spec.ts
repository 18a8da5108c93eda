import { expect } from 'chai';
import { describe, it } from 'mocha';
import { decodeInvalidation, encodeInvalidations } from './invalidation-message.js';

describe('invalidation messages', () => {
  it('decode to the orders and versions they were encoded from', () => {
    const versions = new Map([
      ['o-1', 3],
      ['o-2', 1],
    ]);
    const decoded = encodeInvalidations(versions).flatMap((text) => decodeInvalidation(text) ?? []);
    expect(decoded).to.deep.equal([
      { orderUid: 'o-1', version: 3 },
      { orderUid: 'o-2', version: 1 },
    ]);
  });

  it('are read leniently: uids that are not strings are skipped, versions that are not numbers left out', () => {
    expect(decodeInvalidation('{"uids":["o-1",7,"o-2"],"versions":[3,4,"x"]}')).to.deep.equal([
      { orderUid: 'o-1', version: 3 },
      { orderUid: 'o-2', version: undefined },
    ]);
    expect(decodeInvalidation('{"uids":["o-1"]}')).to.deep.equal([{ orderUid: 'o-1', version: undefined }]);
  });

  it('say undefined for a message without a list of uids, and throw for text that is not JSON', () => {
    expect(decodeInvalidation('{"versions":[1]}')).to.equal(undefined);
    expect(() => decodeInvalidation('not json')).to.throw(SyntaxError);
  });
});
