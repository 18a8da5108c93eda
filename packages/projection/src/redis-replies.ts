import { ErrorReply } from 'redis';
import { ServiceError } from '@order-service/domain';
import { ProjectionStoreRejected, ProjectionStoreUnavailable } from './projection-errors.js';
import type { ApplyOutcome } from './projection-store.js';
import { APPLY_WRITES } from './redis-projection-scripts.js';

// How RedisProjectionStore reads Redis: raw replies parsed into values, and errors into the projection's own.

/** Error replies after which the same command may succeed later. */
const TRANSIENT_REPLIES = ['LOADING', 'BUSY', 'TRYAGAIN', 'MASTERDOWN', 'READONLY', 'OOM', 'CLUSTERDOWN'];

/** A driver or script error as the projection's error: transient replies and lost connections are retriable. */
export function translateError(error: unknown, what: string): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof ErrorReply) {
    if (TRANSIENT_REPLIES.some((prefix) => error.message.startsWith(prefix))) {
      return new ProjectionStoreUnavailable(`Redis refused ${what} for now: ${error.message}`, { cause: error });
    }
    return new ProjectionStoreRejected(`Redis rejected ${what}: ${error.message}`, { cause: error });
  }
  // Anything else comes from the connection: closed, lost, timed out.
  const message = error instanceof Error ? error.message : String(error);
  return new ProjectionStoreUnavailable(`Redis unavailable for ${what}: ${message}`, { cause: error });
}

export function unexpectedReply(what: string, reply: unknown): ProjectionStoreRejected {
  return new ProjectionStoreRejected(`unexpected Redis reply to ${what}: ${JSON.stringify(reply)}`);
}

/** The outcomes the apply script returns, one per write: 1 applied, 0 stale. */
export function parseOutcomes(reply: unknown, expected: number): ApplyOutcome[] {
  return parseList(reply, expected, APPLY_WRITES.name).map((outcome) => {
    if (outcome === 1) return 'applied';
    if (outcome === 0) return 'stale';
    throw unexpectedReply(APPLY_WRITES.name, reply);
  });
}

/** An array reply, of `length` items unless null. */
export function parseList(reply: unknown, length: number | null, what: string): unknown[] {
  if (!Array.isArray(reply) || (length !== null && reply.length !== length)) throw unexpectedReply(what, reply);
  return reply as unknown[];
}

/** A bulk string, which a client with a Buffer type mapping returns as a Buffer. */
export function parseText(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw unexpectedReply(what, value);
}

/** An integer reply, or an integer held in a string (versions, generation pointers). */
export function parseInteger(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  const text = typeof value === 'number' ? '' : parseText(value, what);
  const number = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(number)) throw unexpectedReply(what, value);
  return number;
}
