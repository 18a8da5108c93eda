import type { Knex } from 'knex';

/** Where the pool's connection outcomes go: a DependencyStateLog fits. */
export interface ConnectionStateSink {
  up(): void;
  down(error: unknown): void;
}

interface PoolEvents {
  on(event: 'createSuccess', listener: () => void): unknown;
  on(event: 'createFail', listener: (eventId: number, error: unknown) => void): unknown;
}

/**
 * Reports whether `db`'s pool can open connections: every new connection is a
 * success, every failed attempt a failure (PostgreSQL down, refusing, or not
 * answering within the connect timeout). Requests retry connecting as they
 * come, so while PostgreSQL is down these arrive many times a second; the sink
 * makes them one line per change.
 */
export function reportPoolConnections(db: Knex, sink: ConnectionStateSink): void {
  const pool = (db.client as { pool?: PoolEvents }).pool;
  pool?.on('createSuccess', () => sink.up());
  pool?.on('createFail', (_eventId, error) => sink.down(error));
}
