/** The topic every order change is published to, keyed by order_uid so one order's events stay in order. */
export const ORDERS_TOPIC = 'orders-events';

/** Where a consumer parks a message it cannot apply, with the dlq-* headers saying why and where it came from. */
export const ORDERS_DLQ_TOPIC = 'orders-events.dlq';

/** Kafka header names of order events; the values are the wire names. */
export const EVENT_HEADERS = {
  type: 'event-type',
  version: 'order-version',
  requestId: 'request-id',
  schemaVersion: 'schema-version',
  /** The W3C traceparent of the write that made the event: the projector's span joins its trace. */
  traceparent: 'traceparent',
  dlqReason: 'dlq-reason',
  dlqError: 'dlq-error',
  dlqSourceTopic: 'dlq-source-topic',
  dlqSourcePartition: 'dlq-source-partition',
  dlqSourceOffset: 'dlq-source-offset',
  /** On a record sent again from the dead-letter topic: `<dlq topic>/<partition>/<offset>` it was parked at. */
  redrivenFrom: 'redriven-from',
} as const;
