export { createDatabase, ensureDatabase } from './database.js';
export type { DatabaseOptions } from './database.js';
export { fillPlaceholders, namedStatement, runNamed } from './named-statement.js';
export type { NamedStatement } from './named-statement.js';
export { OUTBOX_SLOTS } from './outbox-slots.js';
