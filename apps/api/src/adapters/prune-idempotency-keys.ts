import type { Knex } from 'knex';

/** Most idempotency keys one prune statement deletes, so it never holds many locks or runs long. */
export const IDEMPOTENCY_PRUNE_BATCH = 5_000;

/**
 * Deletes up to `limit` idempotency keys created more than `retentionHours` ago
 * and returns how many went. A key whose claim is still held (`locked_until` in
 * the future) stays, and rows another replica is pruning are skipped, so
 * replicas can prune at the same time without waiting on each other.
 */
export async function pruneIdempotencyKeys(db: Knex, retentionHours: number, limit = IDEMPOTENCY_PRUNE_BATCH): Promise<number> {
  const result = (await db.raw(
    `delete from idempotency_keys
      where ctid in (
        select ctid from idempotency_keys
         where created_at < now() - ?::float8 * interval '1 hour'
           and (locked_until is null or locked_until < now())
         limit ?
         for update skip locked)`,
    [retentionHours, limit],
  )) as { rowCount: number | null };
  return result.rowCount ?? 0;
}
