/**
 * The Kafka spans of the apps, after the OpenTelemetry messaging semantic
 * conventions: one producer span per published batch and one consumer span
 * per applied batch. The trace context travels as data: the W3C traceparent
 * of the write, stored with its outbox row and carried as a record header.
 * Each span is a child of its batch's first sampled record (so a write's
 * publish and apply join that write's trace) and links every record's
 * context, with the record's key, partition and offset on the link. With
 * tracing off, @opentelemetry/api's no-op tracer makes these cost a call.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span, type SpanContext } from '@opentelemetry/api';

const tracer = () => trace.getTracer('@order-service/kafka');

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote span context a W3C traceparent names, or undefined for none or a malformed one. */
export function spanContextOfTraceparent(traceparent: string | null | undefined): SpanContext | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) & 1, isRemote: true };
}

/** One record of a batch as a span sees it. */
export interface TracedRecord {
  key: string | null;
  traceparent: string | null | undefined;
  partition?: number;
  offset?: string;
}

export interface PublishSpanOptions {
  topic: string;
  records: readonly TracedRecord[];
}

export interface ProcessSpanOptions {
  topic: string;
  partition: number;
  consumerGroup: string;
  records: readonly TracedRecord[];
}

/** Runs `work` inside a producer span `send <topic>` for the batch; the span ends when it settles. */
export function inPublishSpan<T>({ topic, records }: PublishSpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const attributes: Attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
    'messaging.destination.name': topic,
    'messaging.batch.message_count': records.length,
  };
  if (records.length === 1 && records[0]?.key) attributes['messaging.kafka.message.key'] = records[0].key;
  return inBatchSpan(`send ${topic}`, SpanKind.PRODUCER, attributes, records, work);
}

/** Runs `work` inside a consumer span `process <topic>` for one partition's batch; the span ends when it settles. */
export function inProcessSpan<T>({ topic, partition, consumerGroup, records }: ProcessSpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const attributes: Attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': topic,
    'messaging.destination.partition.id': String(partition),
    'messaging.consumer.group.name': consumerGroup,
    'messaging.batch.message_count': records.length,
  };
  const first = records[0];
  if (first?.offset !== undefined) attributes['messaging.kafka.offset'] = Number(first.offset);
  if (records.length === 1 && first?.key) attributes['messaging.kafka.message.key'] = first.key;
  return inBatchSpan(`process ${topic}`, SpanKind.CONSUMER, attributes, records, work);
}

function inBatchSpan<T>(name: string, kind: SpanKind, attributes: Attributes, records: readonly TracedRecord[], work: (span: Span) => Promise<T>): Promise<T> {
  const links: Link[] = [];
  let parent: SpanContext | undefined;
  for (const record of records) {
    const linked = spanContextOfTraceparent(record.traceparent);
    if (!linked) continue;
    // The first sampled write is the parent, so a sampled write's trace shows its publish and apply.
    if (!parent || (!(parent.traceFlags & 1) && linked.traceFlags & 1)) parent = linked;
    const linkAttributes: Attributes = {};
    if (record.key) linkAttributes['messaging.kafka.message.key'] = record.key;
    if (record.partition !== undefined) linkAttributes['messaging.destination.partition.id'] = String(record.partition);
    if (record.offset !== undefined) linkAttributes['messaging.kafka.offset'] = Number(record.offset);
    links.push({ context: linked, attributes: linkAttributes });
  }
  // A batch with no traced record starts its own trace (the sampler decides), as a root.
  const parentContext: Context = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
  return tracer().startActiveSpan(name, { kind, attributes, links }, parentContext, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
