import { ServiceError } from './service-error.js';
import type { Violation } from './violation.js';

/** What the domain refuses: none of these is retriable, the same write fails the same way. */
export class DomainError extends ServiceError {}

/** `ORDER.NOT_FOUND`: no order has this uid. */
export class OrderNotFound extends DomainError {
  constructor(
    readonly orderUid: string,
    options?: ErrorOptions,
  ) {
    super('ORDER.NOT_FOUND', `order ${orderUid} not found`, options);
  }
}

/** `ORDER.ALREADY_EXISTS`: an order with this uid is already stored. */
export class OrderAlreadyExists extends DomainError {
  constructor(
    readonly orderUid: string,
    options?: ErrorOptions,
  ) {
    super('ORDER.ALREADY_EXISTS', `order ${orderUid} already exists`, options);
  }
}

/**
 * `ORDER.VERSION_CONFLICT`: a conditional write expected another version than
 * the stored one. `expected` is null when any version would do (If-Match: *);
 * `actual` is null when the order is absent.
 */
export class OrderVersionConflict extends DomainError {
  constructor(
    readonly orderUid: string,
    /** The version the write required, or one of several; null for any existing version. */
    readonly expected: number | readonly number[] | null,
    readonly actual: number | null,
    options?: ErrorOptions,
  ) {
    super(
      'ORDER.VERSION_CONFLICT',
      `order ${orderUid}: expected ${expected === null ? 'any version' : `version ${[expected].flat().join(' or ')}`}, found ${actual === null ? 'no order' : `version ${actual}`}`,
      options,
    );
  }
}

/** `ORDER.RULE_VIOLATION`: the order breaks one or more invariants, all listed in `violations`. */
export class OrderRuleViolation extends DomainError {
  constructor(
    readonly violations: readonly Violation[],
    options?: ErrorOptions,
  ) {
    super('ORDER.RULE_VIOLATION', `order breaks its rules: ${violations.map((v) => `${v.path} ${v.message}`).join('; ')}`, options);
  }
}
