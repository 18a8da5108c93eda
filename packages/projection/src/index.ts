export type { ApplyOutcome, CachedOrder, EncodedProjectionWrite, ProjectionStore, ProjectionWrite } from './projection-store.js';
export { Projection, decide, toCachedOrder, toEncodedWrite, toProjectionWrite } from './projection.js';
export { GenerationConflict, ProjectionStoreRejected, ProjectionStoreUnavailable } from './projection-errors.js';
export type { RedisCommands } from './redis-commands.js';
export { NodeRedisClientCommands, NodeRedisClusterCommands, type NodeRedisClient } from './node-redis-commands.js';
export { hashSlot } from './hash-slot.js';
export { RedisProjectionStore, type RedisProjectionStoreOptions } from './redis-projection-store.js';
export type { NodeRedisClient as RedisCommandClient } from './node-redis-commands.js';
export { RedisConnection, type RedisConnectionOptions } from './redis-connection.js';
