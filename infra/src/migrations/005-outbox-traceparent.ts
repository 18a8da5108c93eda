import type { Knex } from 'knex';

/**
 * The W3C traceparent of the request that wrote each outbox row (55 bytes,
 * null when tracing is off), so the relay's publish and the projector's apply
 * join the trace of the write that made the event.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table outbox add column traceparent text');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table outbox drop column traceparent');
}
