import { expect } from 'chai';
import type { Knex } from 'knex';
import pg from 'pg';
import { OUTBOX_SLOTS } from '@order-service/postgres';
import { appendToOutbox, OUTBOX_CHANNEL, outboxSlotOf } from '../../src/outbox/knex-outbox.js';
import { KnexOutboxStore } from '../../src/outbox/knex-outbox-store.js';
import { IdempotencyKeyPruning } from '../../src/adapters/idempotency-key-pruning.js';
import { pruneIdempotencyKeys } from '../../src/adapters/prune-idempotency-keys.js';
import { uniqueName } from '../../../../test/support/environment.js';
import { appendEvents, createPrivateDatabase, RecordingLog, type PrivateDatabase } from '../support/outbox-fixtures.js';
import { waitFor } from '../../../../test/support/wait-for.js';
import { aDelete, anUpsert } from '../../../../packages/projection/test/support/order-events.js';

/** How the waits here poll: often, as the relay's work takes milliseconds. */
const POLL = { timeoutMs: 10_000, intervalMs: 10 };

describe('outbox housekeeping (real PostgreSQL)', () => {
  let database: PrivateDatabase;
  let db: Knex;
  const prunings: IdempotencyKeyPruning[] = [];

  function pruning(options: { retentionHours: number }): IdempotencyKeyPruning {
    const created = new IdempotencyKeyPruning(db, options, new RecordingLog());
    prunings.push(created);
    return created;
  }

  before(async () => {
    database = await createPrivateDatabase('it_outbox_housekeeping');
    db = database.db;
  });

  beforeEach(async () => {
    await db.raw('delete from outbox; delete from idempotency_keys');
  });

  afterEach(async () => {
    await Promise.all(prunings.splice(0).map((p) => p.stop()));
  });

  after(async () => {
    await database?.drop();
  });

  it('appends a row per event with its slot, version, type and request id, and the encoded envelope as payload', async () => {
    const uid = uniqueName('append');
    const events = [anUpsert(uid, 1, 'req-1'), aDelete(uid, 2)];
    await appendEvents(db, events);
    const rows = (await db('outbox').orderBy('id')) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.order_uid, r.version, r.event_type, r.request_id])).to.deep.equal([
      [uid, 1, 'order.upserted', 'req-1'],
      [uid, 2, 'order.deleted', null],
    ]);
    expect(rows[0]?.slot)
      .to.equal(rows[1]?.slot)
      .and.to.be.within(0, OUTBOX_SLOTS - 1);
    expect(rows.map((r) => JSON.parse(String(r.payload)) as unknown)).to.deep.equal(events);
  });

  it('writes nothing when the transaction rolls back, and notifies no relay when it commits (writers wake their own relay)', async () => {
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    try {
      const notifications: string[] = [];
      listener.on('notification', (n) => notifications.push(`${n.channel}:${n.payload ?? ''}`));
      await listener.query(`listen ${OUTBOX_CHANNEL}`);

      const rolledBack = uniqueName('rollback');
      const failed = db.transaction(async (trx) => {
        await appendToOutbox(trx, anUpsert(rolledBack, 1));
        throw new Error('the order write failed');
      });
      await expect(failed).to.be.rejectedWith('the order write failed');
      const committed = uniqueName('commit');
      await appendEvents(db, [anUpsert(committed, 1)]);
      // A NOTIFY sent after the append arrives after any the append sent: the listener has heard everything the append said.
      await db.raw(`select pg_notify(?, 'marker')`, [OUTBOX_CHANNEL]);

      await waitFor('the marker arrived', () => notifications.length > 0, POLL);
      expect(notifications).to.deep.equal([`${OUTBOX_CHANNEL}:marker`]);
      expect(await db('outbox').pluck('order_uid')).to.deep.equal([committed]);
      expect(await db('outbox').pluck('slot')).to.deep.equal([outboxSlotOf(committed)]);
    } finally {
      await listener.end();
    }
  });

  it('refuses an event that does not match its schema, failing the write', async () => {
    const invalid = { ...anUpsert(uniqueName('invalid'), 1), version: 0 };
    await expect(appendEvents(db, [invalid])).to.be.rejectedWith(/cannot encode order event/);
  });

  it('reports the backlog: rows waiting and the age of the oldest', async () => {
    const meter = new KnexOutboxStore(db);
    expect(await meter.backlog()).to.deep.equal({ rows: 0, oldestAgeSeconds: 0 });
    const uid = uniqueName('backlog');
    await appendEvents(db, [anUpsert(uid, 1)]);
    await appendEvents(db, [anUpsert(uid, 2)]);
    await appendEvents(db, [anUpsert(uid, 3)]);
    await db('outbox')
      .where({ order_uid: uid, version: 1 })
      .update({ created_at: db.raw(`now() - interval '90 seconds'`) });

    const backlog = await meter.backlog();
    expect(backlog.rows).to.equal(3);
    expect(backlog.oldestAgeSeconds).to.be.within(90, 95);
  });

  describe('idempotency keys', () => {
    async function insertKey(key: string, createdHoursAgo: number, state: 'in_flight' | 'done', lockedForMinutes: number | null): Promise<void> {
      await db.raw(
        `insert into idempotency_keys (key, request_hash, state, created_at, locked_until)
         values (?, 'hash', ?, now() - ?::float8 * interval '1 hour',
                 case when ?::float8 is null then null else now() + ?::float8 * interval '1 minute' end)`,
        [key, state, createdHoursAgo, lockedForMinutes, lockedForMinutes],
      );
    }

    const keys = async (): Promise<string[]> => (await db('idempotency_keys').orderBy('key').pluck('key')) as string[];

    it('prunes keys past the retention but keeps fresh keys and claims still held', async () => {
      await insertKey('old-done', 25, 'done', null);
      await insertKey('old-abandoned-claim', 25, 'in_flight', -60);
      await insertKey('old-held-claim', 25, 'in_flight', 60);
      await insertKey('fresh-done', 1, 'done', null);

      expect(await pruneIdempotencyKeys(db, 24)).to.equal(2);
      expect(await keys()).to.deep.equal(['fresh-done', 'old-held-claim']);
      expect(await pruneIdempotencyKeys(db, 24)).to.equal(0);
    });

    it('deletes at most `limit` keys per call', async () => {
      for (const key of ['a', 'b', 'c']) await insertKey(key, 48, 'done', null);
      expect(await pruneIdempotencyKeys(db, 24, 2)).to.equal(2);
      expect(await keys()).to.have.length(1);
    });

    it('is pruned by the scheduled pruning when it starts, with the configured retention', async () => {
      await insertKey('older-than-two-hours', 3, 'done', null);
      await insertKey('younger-than-two-hours', 1, 'done', null);
      pruning({ retentionHours: 2 }).start();
      await waitFor('the relay pruned', async () => (await keys()).length === 1, POLL);
      expect(await keys()).to.deep.equal(['younger-than-two-hours']);
    });
  });
});
