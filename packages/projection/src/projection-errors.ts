import { ServiceError } from '@order-service/domain';

// Applying events is idempotent, so a batch that failed with a retriable error is safe to apply again.

/**
 * `PROJECTION.GENERATION_CONFLICT`: a generation operation found the pointers
 * not as it expected: another rebuild began or switched meanwhile, or the
 * generation is live and may not be dropped. Not retriable as is.
 */
export class GenerationConflict extends ServiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROJECTION.GENERATION_CONFLICT', message, options);
  }
}

/** `PROJECTION.STORE_UNAVAILABLE`: the store could not be reached or is temporarily refusing work. Retriable. */
export class ProjectionStoreUnavailable extends ServiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROJECTION.STORE_UNAVAILABLE', message, { ...options, retriable: true });
  }
}

/**
 * `PROJECTION.STORE_REJECTED`: the store refused a command or answered in a
 * shape the projection never writes (corrupt data, or another writer under
 * the same keys). Not retriable: repeating the call will fail the same way.
 */
export class ProjectionStoreRejected extends ServiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROJECTION.STORE_REJECTED', message, options);
  }
}
