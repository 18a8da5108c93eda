/**
 * How many slots the outbox's rows are spread over, by a hash of `order_uid`
 * (see the outbox migration, which creates one `outbox_slots` row per slot).
 * Fixed forever: every event of one order must land in one slot for as long
 * as any of them waits, so changing it needs a migration that empties the
 * outbox first.
 */
export const OUTBOX_SLOTS = 16;
