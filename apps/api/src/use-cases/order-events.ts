import { v7 as uuidv7 } from 'uuid';
import { SCHEMA_VERSION, type OrderDeleted, type OrderUpserted } from '@order-service/contracts';
import type { VersionedOrder } from '@order-service/domain';
import type { WriteContext, WriteEvents } from './order-repository.js';

/** The event a create or replace publishes: the whole order at its new version. */
export function orderUpserted({ order, version, updatedAt }: VersionedOrder, context: WriteContext): OrderUpserted {
  return {
    schema_version: SCHEMA_VERSION,
    type: 'order.upserted',
    event_id: uuidv7(),
    order_uid: order.order_uid,
    version,
    occurred_at: updatedAt.toISOString(),
    request_id: context.requestId,
    order,
  };
}

/** The event a delete publishes; its version supersedes every upsert of the order. */
export function orderDeleted(orderUid: string, version: number, deletedAt: Date, context: WriteContext): OrderDeleted {
  return {
    schema_version: SCHEMA_VERSION,
    type: 'order.deleted',
    event_id: uuidv7(),
    order_uid: orderUid,
    version,
    occurred_at: deletedAt.toISOString(),
    request_id: context.requestId,
  };
}

/** The events every write records, for the repository. */
export const orderEvents: WriteEvents = { upserted: orderUpserted, deleted: orderDeleted };
