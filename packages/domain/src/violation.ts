/**
 * One broken invariant of an order. `path` is a JSON Pointer (RFC 6901) into the
 * order document, so a client can point at the offending field: `/payment/amount`,
 * `/items/0/track_number`, or `/items` for the list itself.
 */
export interface Violation {
  /** The name of the rule that failed, e.g. `ensurePaymentAmountAddsUp`. */
  rule: string;
  path: string;
  message: string;
}
