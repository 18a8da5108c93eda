import type { Knex } from 'knex';
import { OUTBOX_SLOTS } from '@order-service/postgres';

/**
 * The transactional outbox. An event row is written in the same transaction as
 * the order change and deleted once Kafka acknowledged it.
 *
 * Rows are spread over a fixed number of slots by a hash of `order_uid`. A relay
 * owns a slot while it publishes (a row lock on `outbox_slots`, taken with SKIP
 * LOCKED so replicas share the work), and publishes a slot's rows in `id`
 * order, which for one order is its version order: a later version can only be
 * written after the earlier one's transaction released the order's row lock.
 */

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table outbox (
      id          bigint generated always as identity primary key,
      slot        smallint not null check (slot >= 0 and slot < ${OUTBOX_SLOTS}),
      order_uid   text not null,
      version     integer not null,
      event_type  text not null,
      payload     text not null,
      request_id  text,
      created_at  timestamptz not null default now()
    );
    create index outbox_by_slot on outbox (slot, id);

    create table outbox_slots (slot smallint primary key);
    insert into outbox_slots (slot) select generate_series(0, ${OUTBOX_SLOTS - 1});

    create table idempotency_keys (
      key              text primary key,
      request_hash     text not null,
      state            text not null check (state in ('in_flight', 'done')),
      response_status  integer,
      response_headers jsonb,
      response_body    text,
      created_at       timestamptz not null default now(),
      locked_until     timestamptz
    );
    create index idempotency_keys_by_created on idempotency_keys (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table idempotency_keys; drop table outbox_slots; drop table outbox;');
}
