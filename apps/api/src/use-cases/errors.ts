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
