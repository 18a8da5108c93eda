import { expect } from 'chai';
import { CREATE_ORDER_SQL, createOrderBindings } from './create-order-statement.js';
import { namedStatement } from './named-statement.js';

describe('namedStatement', () => {
  it("numbers knex's ? placeholders in order and keeps the name", () => {
    expect(namedStatement('s', 'select ?::int, ? where x = ?')).to.deep.equal({ name: 's', text: 'select $1::int, $2 where x = $3' });
  });

  it('gives the create statement as many parameters as it has bindings', () => {
    const { text } = namedStatement('create', CREATE_ORDER_SQL);
    expect(text).not.to.include('?');
    const bindings = createOrderBindings({ document: 0, orderUid: 0, slot: 0, payloadHead: 0, payloadTail: 0, requestId: 0, channel: 0 });
    expect(text.match(/\$\d+/g)).to.deep.equal(bindings.map((_, i) => `$${i + 1}`));
  });
});
