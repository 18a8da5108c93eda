import type { Knex } from 'knex';

/**
 * The outbox is a queue: every row is deleted seconds after it was written,
 * so it is nearly all dead rows unless vacuumed often. The relay's claim and
 * its oldest-rows scan walk the dead index entries at the low end of every
 * slot, so their cost grows with what vacuum has not yet removed (measured:
 * the write path's PostgreSQL CPU per order doubled over 40,000 unvacuumed
 * orders). The default trigger (20% of a table that holds a few hundred live
 * rows) waits far too long on a busy cluster; this one vacuums after every
 * 1,000 deleted rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table outbox set (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 1000
  )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table outbox reset (
    autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_insert_scale_factor,
    autovacuum_vacuum_insert_threshold, autovacuum_analyze_scale_factor, autovacuum_analyze_threshold
  )`);
}
