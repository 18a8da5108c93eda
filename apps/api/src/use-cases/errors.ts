import { ServiceError } from '@order-service/domain';

// What the use cases refuse that is not the domain's to say; none is retriable as is.

/** `IDEMPOTENCY.KEY_REUSED`: the Idempotency-Key was first used with another request body. */
export class IdempotencyKeyReused extends ServiceError {
  constructor(readonly key: string) {
    super('IDEMPOTENCY.KEY_REUSED', `Idempotency-Key ${key} was used with another request body`);
  }
}

/** `IDEMPOTENCY.KEY_IN_FLIGHT`: a request with this Idempotency-Key is still being processed. */
export class IdempotencyKeyInFlight extends ServiceError {
  constructor(readonly key: string) {
    super('IDEMPOTENCY.KEY_IN_FLIGHT', `a request with Idempotency-Key ${key} is still in flight`);
  }
}

/** `ORDER.UID_MISMATCH`: the body names another order than the URL. */
export class OrderUidMismatch extends ServiceError {
  constructor(
    readonly pathUid: string,
    readonly bodyUid: string,
  ) {
    super('ORDER.UID_MISMATCH', `the body's order_uid ${bodyUid} is not the order ${pathUid} of the URL`);
  }
}

/** `ACCESS.INSUFFICIENT_SCOPE`: the token lacks the scope this request needs. */
export class InsufficientScope extends ServiceError {
  constructor(readonly scope: string) {
    super('ACCESS.INSUFFICIENT_SCOPE', `the request needs the scope ${scope}`);
  }
}

/** `ACCESS.CUSTOMER_MISMATCH`: a customer's token wrote an order of another customer. */
export class CustomerMismatch extends ServiceError {
  constructor(readonly customerId: string) {
    super('ACCESS.CUSTOMER_MISMATCH', `the order must belong to the token's customer ${customerId}`);
  }
}
