import type { Knex } from 'knex';
import { namedStatement, runNamed } from '@order-service/postgres';
import type { OutboxBacklog, OutboxRow, OutboxStore } from './outbox-ports.js';

/**
 * A batch in one named statement, planned once per connection: it locks the
 * slots that have rows, skipping slots other relays hold (so replicas share
 * the slots and a slot is published by one relay at a time), and deletes
 * their oldest rows, returning them. All claimable slots at once: one Kafka
 * send then carries every slot's rows, which keeps the relay's rate (and the
 * projection lag) independent of how the rows spread over slots; random order
 * keeps a busy slot from starving others when another relay holds some.
 *
 * The delete is not final: it runs in the transaction that holds the slots'
 * locks, which commits only after Kafka acknowledged the rows, and rolls back
 * (the rows come back) when the send fails or the process dies. So rows leave
 * the outbox only once published, in one round trip instead of three. The
 * claimed slots are an array (an init plan) rather than a join: a join's
 * generic plan scans the whole table, dead rows of a busy outbox included.
 */
const TAKE_OLDEST_ROWS = namedStatement(
  'order-service/outbox-take-oldest-rows',
  `with claimed as (
     select s.slot from outbox_slots s
      where exists (select 1 from outbox o where o.slot = s.slot)
      order by random()
      for update of s skip locked
   ),
   oldest as (
     select id from outbox where slot = any(array(select slot from claimed)) order by id limit ?
   )
   delete from outbox o using oldest
    where o.id = oldest.id
   returning o.id, o.slot, o.order_uid, o.version, o.event_type, o.payload, o.request_id, o.traceparent, o.created_at`,
);

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

/** The outbox table as the relay reads it: claim, read and delete in one statement of a transaction that commits after the send, and the backlog. */
export class KnexOutboxStore implements OutboxStore {
  constructor(private readonly db: Knex) {}

  async hasRows(): Promise<boolean> {
    const result = (await this.db.raw('select exists (select 1 from outbox) as pending')) as { rows: Array<{ pending: boolean }> };
    return result.rows[0]?.pending === true;
  }

  publishOldest(limit: number, publish: (rows: readonly OutboxRow[]) => Promise<void>): Promise<number | undefined> {
    return this.db.transaction(async (trx) => {
      const records = await runNamed<OutboxRecord>(trx, TAKE_OLDEST_ROWS, [limit]);
      // No slot could be claimed, or another relay emptied the claimed ones after this statement's snapshot saw rows.
      if (records.length === 0) return undefined;
      // RETURNING promises no order; `id` order is each order's version order.
      const rows = records.map(rowOf).sort((a, b) => a.id - b.id);
      await publish(rows);
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
