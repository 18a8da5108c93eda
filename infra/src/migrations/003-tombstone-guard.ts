import type { Knex } from 'knex';

/**
 * An order and a tombstone never share a uid once a transaction commits.
 *
 * A create takes the tombstone of an earlier deletion and continues its
 * version. A create that runs while that deletion is still in flight cannot
 * see its tombstone (it is not committed when the create's snapshot is taken),
 * yet its insert waits for the deleted row and then goes ahead: the order
 * would come back at version 1 below the deletion's version, and the cache,
 * which keeps the higher tombstone, would never show it. This trigger looks
 * again after the insert, with a fresh snapshot, and turns that case into a
 * serialization failure (SQLSTATE 40001), which the writer retries and which
 * then sees the tombstone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function orders_refuse_tombstoned_uid() returns trigger
    language plpgsql volatile as $$
    begin
      if exists (select 1 from order_tombstones where order_uid = new.order_uid) then
        raise exception 'order % was deleted by a transaction that committed during this insert', new.order_uid
          using errcode = 'serialization_failure';
      end if;
      return null;
    end
    $$;

    create trigger orders_refuse_tombstoned_uid
      after insert on orders
      for each row execute function orders_refuse_tombstoned_uid();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger orders_refuse_tombstoned_uid on orders; drop function orders_refuse_tombstoned_uid();');
}
