export type { ApplyOutcome, CachedOrder, ProjectionStore, ProjectionWrite } from './projection-store.js';
export { Projection, decide, toCachedOrder, toProjectionWrite } from './projection.js';
export { GenerationConflict, ProjectionStoreRejected, ProjectionStoreUnavailable } from './projection-errors.js';
export { RedisProjectionStore, type RedisCommandClient, type RedisProjectionStoreOptions } from './redis-projection-store.js';
