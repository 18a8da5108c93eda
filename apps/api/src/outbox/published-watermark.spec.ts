// The published watermark: the newest occurred_at of acknowledged batches only.
import { expect } from 'chai';
import { serializeOrderEvent } from '@order-service/contracts';
import { anOrder } from '@order-service/domain/testing';
import type { OutboxPublisher, OutboxRow } from './outbox-ports.js';
import { WatermarkedOutboxPublisher } from './published-watermark.js';

function rowAt(occurredAt: string, id: number): OutboxRow {
  const order = anOrder().build();
  const payload = serializeOrderEvent({
    schema_version: 1,
    type: 'order.upserted',
    event_id: `e${id}`,
    order_uid: order.order_uid,
    version: 1,
    occurred_at: occurredAt,
    request_id: null,
    order,
  });
  return {
    id,
    slot: 0,
    orderUid: order.order_uid,
    version: 1,
    eventType: 'order.upserted',
    payload,
    requestId: null,
    traceparent: null,
    createdAt: new Date(0),
  };
}

function publisherThat(fails: boolean): OutboxPublisher {
  return {
    connected: true,
    start: () => undefined,
    publish: async () => {
      if (fails) throw new Error('kafka down');
    },
    stop: async () => undefined,
  };
}

describe('WatermarkedOutboxPublisher', () => {
  it('remembers the newest occurred_at of the batches Kafka acknowledged', async () => {
    const publisher = new WatermarkedOutboxPublisher(publisherThat(false));
    expect(publisher.newestPublishedMs).to.equal(null);
    await publisher.publish([rowAt('2026-01-01T00:00:05.000Z', 1), rowAt('2026-01-01T00:00:09.250Z', 2), rowAt('2026-01-01T00:00:07.000Z', 3)]);
    expect(publisher.newestPublishedMs).to.equal(Date.parse('2026-01-01T00:00:09.250Z'));
    await publisher.publish([rowAt('2026-01-01T00:00:01.000Z', 4)]);
    expect(publisher.newestPublishedMs).to.equal(Date.parse('2026-01-01T00:00:09.250Z'));
  });

  it('does not move for a batch that failed', async () => {
    const publisher = new WatermarkedOutboxPublisher(publisherThat(true));
    await publisher.publish([rowAt('2026-01-01T00:00:05.000Z', 1)]).catch(() => undefined);
    expect(publisher.newestPublishedMs).to.equal(null);
  });
});
