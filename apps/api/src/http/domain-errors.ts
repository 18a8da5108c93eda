import {
  OrderAlreadyExists,
  OrderNotFound,
  OrderRuleViolation,
  OrderVersionConflict,
  type DomainError,
} from '@order-service/domain';
import { HttpProblem, problemTypes } from './problem.js';

/** How each domain error reads over HTTP. */
export function mapDomainError(error: DomainError): HttpProblem {
  if (error instanceof OrderNotFound) {
    return new HttpProblem({ type: problemTypes.notFound, title: 'Order not found', status: 404, detail: error.message });
  }
  if (error instanceof OrderAlreadyExists) {
    return new HttpProblem({ type: problemTypes.alreadyExists, title: 'Order already exists', status: 409, detail: error.message });
  }
  if (error instanceof OrderVersionConflict) {
    return new HttpProblem({ type: problemTypes.preconditionFailed, title: 'Precondition failed', status: 412, detail: error.message });
  }
  if (error instanceof OrderRuleViolation) {
    return new HttpProblem({
      type: problemTypes.validation,
      title: 'Validation failed',
      status: 422,
      detail: 'The order breaks the rules of an order.',
      errors: error.violations.map(({ path, message }) => ({ path, message })),
    });
  }
  return new HttpProblem({ type: problemTypes.validation, title: 'Request refused', status: 422, detail: error.message });
}
