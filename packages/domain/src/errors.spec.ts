import { expect } from 'chai';
import { describe, it } from 'mocha';
import { DomainError, OrderAlreadyExists, OrderNotFound, OrderRuleViolation, OrderVersionConflict } from './errors.js';

describe('domain errors', () => {
  const cause = new Error('driver said no');

  const cases: { error: DomainError; name: string; code: string }[] = [
    { error: new OrderNotFound('o-1', { cause }), name: 'OrderNotFound', code: 'ORDER.NOT_FOUND' },
    { error: new OrderAlreadyExists('o-1', { cause }), name: 'OrderAlreadyExists', code: 'ORDER.ALREADY_EXISTS' },
    { error: new OrderVersionConflict('o-1', 2, 3, { cause }), name: 'OrderVersionConflict', code: 'ORDER.VERSION_CONFLICT' },
    { error: new OrderRuleViolation([], { cause }), name: 'OrderRuleViolation', code: 'ORDER.RULE_VIOLATION' },
  ];

  for (const { error, name, code } of cases) {
    it(`${name} has code ${code}, its class name and the cause`, () => {
      expect(error).to.be.instanceOf(DomainError);
      expect(error).to.be.instanceOf(Error);
      expect(error.code).to.equal(code);
      expect(error.name).to.equal(name);
      expect(error.cause).to.equal(cause);
      expect(String(error)).to.match(new RegExp(`^${name}: `));
    });
  }

  it('DomainError keeps its own code, name and optional cause', () => {
    const error = new DomainError('ORDER.SOMETHING', 'something happened');
    expect(error.code).to.equal('ORDER.SOMETHING');
    expect(error.name).to.equal('DomainError');
    expect(error.message).to.equal('something happened');
    expect(error.cause).to.equal(undefined);
  });

  it('OrderNotFound and OrderAlreadyExists carry the uid', () => {
    expect(new OrderNotFound('o-1').orderUid).to.equal('o-1');
    expect(new OrderNotFound('o-1').message).to.equal('order o-1 not found');
    expect(new OrderAlreadyExists('o-2').orderUid).to.equal('o-2');
  });

  it('OrderVersionConflict carries both versions, the actual one null when the order is absent', () => {
    const conflict = new OrderVersionConflict('o-1', 2, 3);
    expect([conflict.orderUid, conflict.expected, conflict.actual]).to.deep.equal(['o-1', 2, 3]);
    const absent = new OrderVersionConflict('o-1', 2, null);
    expect(absent.actual).to.equal(null);
    expect(absent.message).to.equal('order o-1: expected version 2, found no order');
    expect(conflict.message).to.equal('order o-1: expected version 2, found version 3');
  });

  it('OrderVersionConflict names every version an If-Match list accepted', () => {
    expect(new OrderVersionConflict('o-1', [2, 4], 3).message).to.equal('order o-1: expected version 2 or 4, found version 3');
  });

  it('OrderVersionConflict expects no particular version when any would do', () => {
    const conflict = new OrderVersionConflict('o-1', null, null);
    expect(conflict.expected).to.equal(null);
    expect(conflict.message).to.equal('order o-1: expected any version, found no order');
  });

  it('OrderRuleViolation carries the violations and names them in its message', () => {
    const violations = [{ rule: 'ensureOrderHasItems', path: '/items', message: 'must contain at least one item' }];
    const error = new OrderRuleViolation(violations);
    expect(error.violations).to.deep.equal(violations);
    expect(error.message).to.include('/items must contain at least one item');
  });
});
