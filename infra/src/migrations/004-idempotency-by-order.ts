import type { Knex } from 'knex';

/**
 * Finds the recorded answers that carry an order (a create's 201, whose
 * Location names it), so that deleting the order erases its copies in the
 * idempotency store too instead of keeping them for the retention period.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index idempotency_keys_by_location on idempotency_keys ((response_headers ->> 'Location'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index idempotency_keys_by_location');
}
