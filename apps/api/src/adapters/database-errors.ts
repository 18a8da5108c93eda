import { DomainError, ServiceError } from '@order-service/domain';

/** `DATABASE.UNAVAILABLE`: PostgreSQL could not be reached or gave up on the statement; trying again later may succeed. */
export class DatabaseUnavailable extends ServiceError {
  readonly retryAfterSeconds = 2;
  constructor(cause: unknown) {
    super('DATABASE.UNAVAILABLE', 'PostgreSQL is unavailable', { cause, retriable: true });
  }
}

/**
 * `DATABASE.REJECTED_VALUE`: PostgreSQL refused a value the document schema let through (out of range, a
 * failed check constraint). Validation should catch these first; this keeps a
 * gap there a client error instead of a server fault.
 */
export class DatabaseRejectedValue extends ServiceError {
  constructor(
    readonly constraint: string | undefined,
    cause: unknown,
  ) {
    super('DATABASE.REJECTED_VALUE', `PostgreSQL refused a value${constraint ? ` (${constraint})` : ''}`, { cause });
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08006',
  '57014',
  // Contention a write kept losing (serialization failure, deadlock): the same request later succeeds.
  '40001',
  '40P01',
]);

/** Whether PostgreSQL refused a write because a concurrent transaction changed what it read; running it again may succeed. */
export function isSerializationFailure(error: unknown): boolean {
  return codeOf(error) === '40001';
}

/** The SQLSTATE or system error code a driver error carries. */
function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/** Translates driver errors at the edge: an outage becomes DatabaseUnavailable; domain errors pass through. */
export function translateDatabaseError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : '';
  if (
    (code && UNAVAILABLE_CODES.has(code)) ||
    /Knex: Timeout acquiring a connection|Connection terminated|timeout exceeded when trying to connect/i.test(message)
  ) {
    return new DatabaseUnavailable(error);
  }
  if (code && (code.startsWith('22') || code === '23514' || code === '23502')) {
    return new DatabaseRejectedValue((error as { constraint?: string }).constraint, error);
  }
  return error;
}
