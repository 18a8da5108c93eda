export { createDatabase, ensureDatabase } from './database.js';
export type { DatabaseOptions } from './database.js';
export { migrateDownAll, migrateLatest, pendingMigrations } from './migrate.js';
export { OUTBOX_SLOTS } from './migrations/index.js';
