/** Doubles for tests: an in-memory ProjectionStore with a tombstone TTL, the reference model of the Redis store. Never imported by production code. */
export { MemoryProjectionStore, type MemoryProjectionStoreOptions } from './memory-projection-store.js';
