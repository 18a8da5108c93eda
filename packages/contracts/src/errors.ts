import { ServiceError } from '@order-service/domain';
import type { FieldError } from './field-errors.js';

// None of these is retriable: the same bytes fail the same way.

/** `CONTRACT.EVENT_ENCODE`: an event about to be published does not match its schema, a producer bug. */
export class EventEncodeError extends ServiceError {
  constructor(
    readonly errors: readonly FieldError[],
    options?: ErrorOptions,
  ) {
    super('CONTRACT.EVENT_ENCODE', `cannot encode order event: ${describeErrors(errors)}`, options);
  }
}

/** Why a message could not be read as an order event. */
export type EventDecodeReason = 'empty' | 'not-json' | 'unsupported-schema-version' | 'invalid';

/** `CONTRACT.EVENT_DECODE`: a consumed message is not an order event this build can apply; it belongs in the DLQ. */
export class EventDecodeError extends ServiceError {
  constructor(
    readonly reason: EventDecodeReason,
    readonly errors: readonly FieldError[],
    options?: ErrorOptions,
  ) {
    super('CONTRACT.EVENT_DECODE', `cannot decode order event (${reason}): ${describeErrors(errors)}`, options);
  }
}

function describeErrors(errors: readonly FieldError[]): string {
  return errors.map(({ path, message }) => (path === '' ? message : `${path} ${message}`)).join('; ');
}
