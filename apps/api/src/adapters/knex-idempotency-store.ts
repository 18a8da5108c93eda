import type { Knex } from 'knex';
import type { IdempotencyClaim, IdempotencyStore } from '../use-cases/idempotency-store.js';
import type { RecordedResponse } from '../use-cases/order-repository.js';
import { translateDatabaseError } from './database-errors.js';

/** Idempotency-Keys in PostgreSQL (table idempotency_keys); IdempotencyKeyPruning deletes expired ones. */
export class KnexIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Knex) {}

  async claim(key: string, fingerprint: string, leaseMs: number): Promise<IdempotencyClaim> {
    try {
      // Insert a claim, or take over one whose holder vanished (lease expired); otherwise read what is there.
      const claimed = await this.db.raw(
        `insert into idempotency_keys (key, request_hash, state, locked_until)
         values (?, ?, 'in_flight', now() + make_interval(secs => ?))
         on conflict (key) do update
           set request_hash = excluded.request_hash, locked_until = excluded.locked_until, created_at = now()
           where idempotency_keys.state = 'in_flight' and idempotency_keys.locked_until < now()
             and idempotency_keys.request_hash = excluded.request_hash
         returning key`,
        [key, fingerprint, leaseMs / 1000],
      );
      if ((claimed as { rows: unknown[] }).rows.length) return { state: 'claimed' };
      const row = (await this.db('idempotency_keys').where({ key }).first()) as
        { request_hash: string; state: string; response_status: number; response_headers: Record<string, string>; response_body: string } | undefined;
      if (!row) return this.claim(key, fingerprint, leaseMs);
      if (row.request_hash !== fingerprint) return { state: 'mismatch' };
      if (row.state !== 'done') return { state: 'in-flight' };
      const response: RecordedResponse = { status: row.response_status, headers: row.response_headers, body: row.response_body };
      return { state: 'replay', response };
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  async release(key: string): Promise<void> {
    await this.db('idempotency_keys').where({ key, state: 'in_flight' }).delete();
  }
}
