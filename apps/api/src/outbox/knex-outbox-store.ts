import type { Knex } from 'knex';
import { namedStatement, runNamed } from '@order-service/postgres';
import type { OutboxBacklog, OutboxRow, OutboxStore } from './outbox-ports.js';

// A batch's three statements are named, so PostgreSQL plans each once per connection.

/**
 * Locks the slots that have rows, skipping slots other relays hold, so
 * replicas share the slots and a slot is published by one relay at a time.
 * All of them at once: one Kafka send then carries every slot's rows, which is
 * what keeps the relay's rate (and the projection lag) independent of how the
 * rows spread over slots. Random order keeps a busy slot from starving others
 * when another relay holds some.
 */
const CLAIM_SLOTS = namedStatement(
  'order-service/outbox-claim-slots',
  `select s.slot from outbox_slots s
    where exists (select 1 from outbox o where o.slot = s.slot)
    order by random()
    for update of s skip locked`,
);
/** The oldest rows of the claimed slots, in `id` order across them: for each order that is its version order. */
const OLDEST_ROWS = namedStatement(
  'order-service/outbox-oldest-rows',
  `select id, slot, order_uid, version, event_type, payload, request_id, traceparent, created_at from outbox
    where slot = any(?::smallint[]) order by id limit ?`,
);
/** Rows Kafka acknowledged leave the outbox. */
const DELETE_ROWS = namedStatement('order-service/outbox-delete-rows', 'delete from outbox where id = any(?::bigint[])');

interface OutboxRecord {
  id: number | string;
  slot: number;
  order_uid: string;
  version: number;
  event_type: string;
  payload: string;
  request_id: string | null;
  traceparent: string | null;
  created_at: Date;
}

/** The outbox table as the relay reads it: claim, read and delete in one transaction, and the backlog. */
export class KnexOutboxStore implements OutboxStore {
  constructor(private readonly db: Knex) {}

  async hasRows(): Promise<boolean> {
    const result = (await this.db.raw('select exists (select 1 from outbox) as pending')) as { rows: Array<{ pending: boolean }> };
    return result.rows[0]?.pending === true;
  }

  publishOldest(limit: number, publish: (rows: readonly OutboxRow[]) => Promise<void>): Promise<number | undefined> {
    return this.db.transaction(async (trx) => {
      const slots = (await runNamed<{ slot: number }>(trx, CLAIM_SLOTS, [])).map((row) => row.slot);
      if (slots.length === 0) return undefined;
      const records = await runNamed<OutboxRecord>(trx, OLDEST_ROWS, [slots, limit]);
      // Another relay emptied the slot after this statement's snapshot saw rows in it.
      if (records.length === 0) return 0;
      const rows = records.map(rowOf);
      await publish(rows);
      await runNamed(trx, DELETE_ROWS, [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  async backlog(): Promise<OutboxBacklog> {
    const result = (await this.db.raw(
      `select count(*)::int as rows,
              coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest_age_seconds
         from outbox`,
    )) as { rows: Array<{ rows: number; oldest_age_seconds: number }> };
    const row = result.rows[0];
    return { rows: row?.rows ?? 0, oldestAgeSeconds: Math.max(0, row?.oldest_age_seconds ?? 0) };
  }
}

function rowOf(record: OutboxRecord): OutboxRow {
  return {
    id: Number(record.id),
    slot: record.slot,
    orderUid: record.order_uid,
    version: record.version,
    eventType: record.event_type,
    payload: record.payload,
    requestId: record.request_id,
    traceparent: record.traceparent,
    createdAt: record.created_at,
  };
}
