/**
 * Base of every error the projection raises. `code` is stable and safe to
 * branch on; `retriable` says whether the same call may succeed if repeated
 * later (applying events is idempotent, so a retried batch is safe).
 */
export class ProjectionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * `PROJECTION.GENERATION_CONFLICT`: a generation operation found the pointers
 * not as it expected: another rebuild began or switched meanwhile, or the
 * generation is live and may not be dropped. Not retriable as is.
 */
export class GenerationConflict extends ProjectionError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROJECTION.GENERATION_CONFLICT', message, false, options);
  }
}

/** `PROJECTION.STORE_UNAVAILABLE`: the store could not be reached or is temporarily refusing work. Retriable. */
export class ProjectionStoreUnavailable extends ProjectionError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROJECTION.STORE_UNAVAILABLE', message, true, options);
  }
}

/**
 * `PROJECTION.STORE_REJECTED`: the store refused a command or answered in a
 * shape the projection never writes (corrupt data, or another writer under
 * the same keys). Not retriable: repeating the call will fail the same way.
 */
export class ProjectionStoreRejected extends ProjectionError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROJECTION.STORE_REJECTED', message, false, options);
  }
}
