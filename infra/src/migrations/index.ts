import type { Knex } from 'knex';
import * as orders from './001-orders.js';
import * as outbox from './002-outbox.js';
import * as tombstoneGuard from './003-tombstone-guard.js';
import * as idempotencyByOrder from './004-idempotency-by-order.js';
import * as outboxTraceparent from './005-outbox-traceparent.js';
import * as outboxVacuum from './006-outbox-vacuum.js';

const migrations: Record<string, Knex.Migration> = {
  '001-orders': orders,
  '002-outbox': outbox,
  '003-tombstone-guard': tombstoneGuard,
  '004-idempotency-by-order': idempotencyByOrder,
  '005-outbox-traceparent': outboxTraceparent,
  '006-outbox-vacuum': outboxVacuum,
};

/**
 * Migrations are listed in code rather than discovered on disk, so they run the
 * same from TypeScript sources and from compiled JavaScript.
 */
export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = migrations[name];
    if (!migration) throw new Error(`unknown migration ${name}`);
    return migration;
  },
};
