/** Base of the errors use cases raise that are not the domain's: a stable `code` and a `cause`. */
export class ApplicationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** `IDEMPOTENCY.KEY_REUSED`: the Idempotency-Key was first used with another request body. */
export class IdempotencyKeyReused extends ApplicationError {
  constructor(readonly key: string) {
    super('IDEMPOTENCY.KEY_REUSED', `Idempotency-Key ${key} was used with another request body`);
  }
}

/** `IDEMPOTENCY.KEY_IN_FLIGHT`: a request with this Idempotency-Key is still being processed. */
export class IdempotencyKeyInFlight extends ApplicationError {
  constructor(readonly key: string) {
    super('IDEMPOTENCY.KEY_IN_FLIGHT', `a request with Idempotency-Key ${key} is still in flight`);
  }
}

/** `ORDER.UID_MISMATCH`: the body names another order than the URL. */
export class OrderUidMismatch extends ApplicationError {
  constructor(
    readonly pathUid: string,
    readonly bodyUid: string,
  ) {
    super('ORDER.UID_MISMATCH', `the body's order_uid ${bodyUid} is not the order ${pathUid} of the URL`);
  }
}

/** `ACCESS.INSUFFICIENT_SCOPE`: the token lacks the scope this request needs. */
export class InsufficientScope extends ApplicationError {
  constructor(readonly scope: string) {
    super('ACCESS.INSUFFICIENT_SCOPE', `the request needs the scope ${scope}`);
  }
}

/** `ACCESS.CUSTOMER_MISMATCH`: a customer's token wrote an order of another customer. */
export class CustomerMismatch extends ApplicationError {
  constructor(readonly customerId: string) {
    super('ACCESS.CUSTOMER_MISMATCH', `the order must belong to the token's customer ${customerId}`);
  }
}
