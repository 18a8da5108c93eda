export { createDatabase, ensureDatabase } from './database.js';
export type { DatabaseOptions } from './database.js';
export { fillPlaceholders, namedStatement, runNamed } from './named-statement.js';
export type { NamedStatement } from './named-statement.js';
export { OUTBOX_SLOTS } from './outbox-slots.js';
export { reportPoolConnections } from './connection-state.js';
export type { ConnectionStateSink } from './connection-state.js';
