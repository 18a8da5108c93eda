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
