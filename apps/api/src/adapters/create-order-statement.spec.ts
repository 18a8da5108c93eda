import { expect } from 'chai';
import { namedStatement } from '@order-service/postgres';
import { CREATE_ORDER_SQL, createOrderBindings } from './create-order-statement.js';

describe('CREATE_ORDER_SQL', () => {
  it('has a placeholder for every binding, and no ? that is not one', () => {
    const { text } = namedStatement('create', CREATE_ORDER_SQL);
    expect(text).not.to.include('?');
    const bindings = createOrderBindings({ document: 0, orderUid: 0, slot: 0, payloadHead: 0, payloadTail: 0, requestId: 0, traceparent: 0 });
    expect(text.match(/\$\d+/g)).to.deep.equal(bindings.map((_, i) => `$${i + 1}`));
  });
});
