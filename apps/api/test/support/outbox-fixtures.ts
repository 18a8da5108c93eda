import type { Knex } from 'knex';
import type { OrderEvent } from '@order-service/contracts';
import { createDatabase } from '@order-service/postgres';
import { appendToOutbox } from '../../src/outbox/knex-outbox.js';
import type { OutboxLog } from '../../src/outbox/outbox-ports.js';
import { createTestDatabase } from './api-harness.js';

/** A migrated database of one test file (createTestDatabase migrates it), so files running side by side never share an outbox. */
export interface PrivateDatabase {
  url: string;
  db: Knex;
  /** Destroys `db` and drops the database, closing whatever else is still connected to it. */
  drop(): Promise<void>;
}

export async function createPrivateDatabase(prefix: string): Promise<PrivateDatabase> {
  const database = await createTestDatabase(prefix.replaceAll('-', '_'));
  const db = createDatabase({ url: database.url, poolMax: 10, applicationName: 'it-outbox' });
  return {
    url: database.url,
    db,
    async drop() {
      await db.destroy();
      await database.drop();
    },
  };
}

export async function appendEvents(db: Knex, events: readonly OrderEvent[]): Promise<void> {
  await db.transaction(async (trx) => {
    for (const event of events) await appendToOutbox(trx, event);
  });
}

export async function outboxRowCount(db: Knex): Promise<number> {
  const result = (await db.raw('select count(*)::int as n from outbox')) as { rows: Array<{ n: number }> };
  return result.rows[0]?.n ?? 0;
}

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta?: object | undefined;
}

/** A logger that keeps what it is told, for tests that check what gets logged and how often. */
export class RecordingLog implements OutboxLog {
  readonly entries: LogEntry[] = [];

  error(message: string, meta?: object): void {
    this.entries.push({ level: 'error', message, meta });
  }

  warn(message: string, meta?: object): void {
    this.entries.push({ level: 'warn', message, meta });
  }

  info(message: string, meta?: object): void {
    this.entries.push({ level: 'info', message, meta });
  }

  debug(message: string, meta?: object): void {
    this.entries.push({ level: 'debug', message, meta });
  }

  at(level: LogEntry['level']): LogEntry[] {
    return this.entries.filter((entry) => entry.level === level);
  }
}
