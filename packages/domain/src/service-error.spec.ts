import { expect } from 'chai';
import { describe, it } from 'mocha';
import { DomainError, OrderNotFound } from './errors.js';
import { ServiceError } from './service-error.js';

describe('ServiceError', () => {
  it('carries its code, its class name and the cause, and is not retriable unless it says so', () => {
    const cause = new Error('socket closed');
    const error = new ServiceError('STORE.UNAVAILABLE', 'the store is unavailable', { cause });
    expect([error.code, error.name, error.message, error.cause, error.retriable]).to.deep.equal([
      'STORE.UNAVAILABLE',
      'ServiceError',
      'the store is unavailable',
      cause,
      false,
    ]);
    expect(new ServiceError('STORE.UNAVAILABLE', 'again later', { retriable: true }).retriable).to.equal(true);
  });

  it('is the root of the domain errors, none of which is retriable', () => {
    const error = new OrderNotFound('o-1');
    expect(error).to.be.instanceOf(DomainError).and.instanceOf(ServiceError);
    expect(error.retriable).to.equal(false);
  });
});
