export { createDatabase, ensureDatabase } from './database.js';
export type { DatabaseOptions } from './database.js';
export { migrateDownAll, migrateLatest, pendingMigrations } from './migrate.js';
export { OUTBOX_SLOTS } from './migrations/index.js';
export { fillPlaceholders, namedStatement, runNamed } from './named-statement.js';
export type { NamedStatement } from './named-statement.js';
