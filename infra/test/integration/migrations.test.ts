import { expect } from 'chai';
import type { Knex } from 'knex';
import { migrateDownAll, migrateLatest, pendingMigrations } from '@order-service/infra';
import { createDatabase, ensureDatabase } from '@order-service/postgres';
import { testEnvironment } from '../../../test/support/environment.js';

describe('knex migrations (real PostgreSQL)', () => {
  const url = new URL(testEnvironment.databaseUrl);
  url.pathname = `/orders_migrations_${process.pid}`;
  let db: Knex;

  before(async () => {
    await ensureDatabase(url.toString());
    db = createDatabase({ url: url.toString(), poolMax: 2 });
  });

  after(async () => {
    await db.destroy();
    const adminUrl = new URL(url);
    adminUrl.pathname = '/postgres';
    const admin = createDatabase({ url: adminUrl.toString(), poolMax: 1 });
    await admin.raw(`drop database if exists "${url.pathname.slice(1)}" with (force)`);
    await admin.destroy();
  });

  const tables = async (): Promise<string[]> => {
    const rows = await db('pg_tables').where({ schemaname: 'public' }).whereNot('tablename', 'like', 'knex_%').pluck('tablename');
    return (rows as string[]).sort();
  };

  it('creates every table going up and removes them going down', async () => {
    const applied = await migrateLatest(db);
    expect(applied).to.deep.equal([
      '001-orders',
      '002-outbox',
      '003-tombstone-guard',
      '004-idempotency-by-order',
      '005-outbox-traceparent',
      '006-outbox-vacuum',
    ]);
    expect(await pendingMigrations(db)).to.deep.equal([]);
    expect(await tables()).to.deep.equal(['deliveries', 'idempotency_keys', 'items', 'order_tombstones', 'orders', 'outbox', 'outbox_slots', 'payments']);

    const reverted = await migrateDownAll(db);
    expect(reverted).to.have.members([
      '001-orders',
      '002-outbox',
      '003-tombstone-guard',
      '004-idempotency-by-order',
      '005-outbox-traceparent',
      '006-outbox-vacuum',
    ]);
    expect(await tables()).to.deep.equal([]);
    expect(await pendingMigrations(db)).to.have.length(applied.length);
  });

  it('vacuums the outbox, a queue, after every 1,000 dead rows', async () => {
    await migrateLatest(db);
    const result = (await db.raw(`select reloptions from pg_class where relname = 'outbox'`)) as { rows: Array<{ reloptions: string[] }> };
    expect(result.rows[0]?.reloptions).to.include.members(['autovacuum_vacuum_scale_factor=0', 'autovacuum_vacuum_threshold=1000']);
  });

  it('is idempotent going up twice', async () => {
    await migrateLatest(db);
    expect(await migrateLatest(db)).to.deep.equal([]);
  });

  it('refuses a payment whose amount does not add up, whoever writes it', async () => {
    await migrateLatest(db);
    await db.raw(`insert into orders values ('m1','T','E','en','','c','d','9',1,now(),1,1,now())`);
    const insertPayment = db.raw(`insert into payments values ('m1','tx','r','USD','visa', 351, now(), 'b', 50, 300, 0)`);
    await expect(insertPayment).to.be.rejectedWith(/payment_amount_adds_up/);
  });
});
