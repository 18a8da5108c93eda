import { OrderAlreadyExists, OrderNotFound, OrderRuleViolation, OrderVersionConflict } from '@order-service/domain';
import { DatabaseRejectedValue } from '../adapters/database-errors.js';
import { CustomerMismatch, IdempotencyKeyInFlight, IdempotencyKeyReused, InsufficientScope, OrderUidMismatch } from '../use-cases/errors.js';
import { insufficientScope } from './auth/authenticate.js';
import { HttpProblem, problemTypes, validationProblem } from './problem.js';

/** How each error the domain and the use cases raise reads over HTTP; undefined for anything else. */
export function mapKnownError(error: unknown): HttpProblem | undefined {
  if (error instanceof OrderNotFound) {
    return new HttpProblem({ type: problemTypes.notFound, title: 'Order not found', status: 404, detail: `No order ${error.orderUid}.` });
  }
  if (error instanceof OrderAlreadyExists) {
    return new HttpProblem({
      type: problemTypes.alreadyExists,
      title: 'Order already exists',
      status: 409,
      detail: `An order ${error.orderUid} already exists; replace it with PUT.`,
    });
  }
  if (error instanceof OrderVersionConflict) {
    const detail = error.actual === null ? `Order ${error.orderUid} does not exist.` : `Order ${error.orderUid} is at version ${error.actual}; fetch it again.`;
    return new HttpProblem({ type: problemTypes.preconditionFailed, title: 'Precondition failed', status: 412, detail });
  }
  if (error instanceof OrderRuleViolation) {
    return validationProblem(
      error.violations.map(({ path, message }) => ({ path, message })),
      'The order breaks the rules of an order.',
    );
  }
  if (error instanceof OrderUidMismatch) {
    return validationProblem([{ path: '/order_uid', message: `must be ${error.pathUid}, the order the URL names` }]);
  }
  if (error instanceof CustomerMismatch) {
    return validationProblem([{ path: '/customer_id', message: `must be ${error.customerId}, the customer of the access token` }]);
  }
  if (error instanceof InsufficientScope) return insufficientScope(error.scope);
  if (error instanceof IdempotencyKeyReused) {
    return new HttpProblem({
      type: problemTypes.idempotencyConflict,
      title: 'Idempotency-Key reused',
      status: 422,
      detail: 'This Idempotency-Key was first used with another request body.',
    });
  }
  if (error instanceof IdempotencyKeyInFlight) {
    return new HttpProblem(
      {
        type: problemTypes.idempotencyInFlight,
        title: 'Request in flight',
        status: 409,
        detail: 'A request with this Idempotency-Key is still being processed; retry shortly.',
      },
      { 'Retry-After': '1' },
    );
  }
  if (error instanceof DatabaseRejectedValue) {
    return validationProblem([{ path: '', message: `a value is outside what can be stored${error.constraint ? ` (${error.constraint})` : ''}` }]);
  }
  return undefined;
}
