import type { OrderDeleted, OrderEvent, OrderUpserted } from '@order-service/contracts';
import { anOrder } from '@order-service/domain/testing';

const OCCURRED_AT = '2025-01-01T00:00:00.000Z';

/** An upsert whose document differs per version, so a stale write that slipped through shows in the JSON. */
export function anUpsert(orderUid: string, version: number, requestId: string | null = null): OrderUpserted {
  return {
    schema_version: 1,
    type: 'order.upserted',
    event_id: `${orderUid}-upserted-${version}`,
    order_uid: orderUid,
    version,
    occurred_at: OCCURRED_AT,
    request_id: requestId,
    order: anOrder()
      .with({ order_uid: orderUid, customer_id: `customer-at-v${version}` })
      .build(),
  };
}

export function aDelete(orderUid: string, version: number, requestId: string | null = null): OrderDeleted {
  return {
    schema_version: 1,
    type: 'order.deleted',
    event_id: `${orderUid}-deleted-${version}`,
    order_uid: orderUid,
    version,
    occurred_at: OCCURRED_AT,
    request_id: requestId,
  };
}

/** The same event redelivered: equal in every field, a distinct object. */
export function redelivered<E extends OrderEvent>(event: E): E {
  return structuredClone(event);
}

/** Every distinct ordering of `items`, items being equal when `identify` says so (a duplicate swapped with its twin is the same ordering). */
export function distinctPermutations<T>(items: readonly T[], identify: (item: T) => string): T[][] {
  if (items.length === 0) return [[]];
  const seen = new Set<string>();
  const orderings: T[][] = [];
  items.forEach((item, index) => {
    const id = identify(item);
    if (seen.has(id)) return;
    seen.add(id);
    const rest = [...items.slice(0, index), ...items.slice(index + 1)];
    for (const tail of distinctPermutations(rest, identify)) orderings.push([item, ...tail]);
  });
  return orderings;
}

/** The events as they would leave the topic with every one of them delivered twice. */
export function withDuplicates<E extends OrderEvent>(events: readonly E[]): E[] {
  return events.flatMap((event) => [event, redelivered(event)]);
}
