import type { Knex } from 'knex';

/**
 * The order, normalised like the seed's schema: one row per order with the
 * columns search uses, its delivery and payment, and its items in order. The
 * invariants the domain checks are repeated as constraints so that no writer,
 * however it reaches the database, can store an order the domain would refuse.
 * Money is unconstrained `numeric`: any JavaScript number round-trips exactly.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table orders (
      order_uid          text primary key check (length(order_uid) between 1 and 64),
      track_number       text not null,
      entry              text not null,
      locale             text not null,
      internal_signature text not null,
      customer_id        text not null,
      delivery_service   text not null,
      shard_key          text not null,
      sm_id              bigint not null check (sm_id >= 0),
      date_created       timestamptz not null,
      oof_shard          bigint not null check (oof_shard >= 0),
      version            integer not null check (version >= 1),
      updated_at         timestamptz not null default now()
    );

    -- Search is newest first with keyset pagination on (date_created, order_uid).
    create index orders_by_created on orders (date_created desc, order_uid desc);
    create index orders_by_customer on orders (customer_id, date_created desc, order_uid desc);
    create index orders_by_track_number on orders (track_number, date_created desc, order_uid desc);
    create index orders_by_delivery_service on orders (delivery_service, date_created desc, order_uid desc);

    create table deliveries (
      order_uid text primary key references orders (order_uid) on delete cascade,
      name      text not null,
      phone     text not null,
      zip       text not null,
      city      text not null,
      address   text not null,
      region    text not null,
      email     text not null
    );

    create table payments (
      order_uid     text primary key references orders (order_uid) on delete cascade,
      transaction   text not null,
      request_id    text not null,
      currency      text not null,
      provider      text not null,
      amount        numeric not null check (amount >= 0),
      payment_dt    timestamptz not null,
      bank          text not null,
      delivery_cost numeric not null check (delivery_cost >= 0),
      goods_total   numeric not null check (goods_total >= 0),
      custom_fee    numeric not null check (custom_fee >= 0),
      constraint payment_amount_adds_up
        check (round(amount, 2) = round(goods_total + delivery_cost + custom_fee, 2))
    );

    create table items (
      order_uid    text not null references orders (order_uid) on delete cascade,
      position     integer not null check (position >= 0),
      chrt_id      text not null,
      track_number text not null,
      price        numeric not null check (price >= 0),
      rid          text not null,
      item_name    text not null,
      sale         numeric not null check (sale >= 0),
      item_size    numeric not null check (item_size >= 0),
      total_price  numeric not null check (total_price >= 0),
      nm_id        text not null,
      brand        text not null,
      status       bigint not null check (status >= 0),
      primary key (order_uid, position)
    );

    -- The last version of each deleted order. An order created again under the
    -- same uid continues from it, so its events always supersede the deletion
    -- that consumers (the cache) remember.
    create table order_tombstones (
      order_uid  text primary key,
      version    integer not null check (version >= 1),
      deleted_at timestamptz not null default now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table order_tombstones; drop table items; drop table payments; drop table deliveries; drop table orders;');
}
