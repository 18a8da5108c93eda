import { TaskCancelledError, timeout, TimeoutStrategy, type TimeoutPolicy } from 'cockatiel';
import { EVENT_HEADERS, schemaVersionOfSerialized } from '@order-service/contracts';
import { inPublishSpan, type KafkaJS } from '@order-service/kafka';
import { errorFields } from '@order-service/runtime';
import { KafkaNotConnected, OutboxPublishTimeout } from './outbox-errors.js';
import type { OutboxLog, OutboxPublisher, OutboxRow } from './outbox-ports.js';

export interface KafkaOutboxPublisherOptions {
  /**
   * Makes a producer; the publisher connects it. A factory rather than an
   * instance because a KafkaJS producer can be connected only once: when Kafka
   * is down at start (connect fails after ~30 s) or the producer hits a fatal
   * error, a fresh one is needed. Give it `reliableProducerConfig(publishTimeoutMs)`
   * so the producer's own delivery timeout matches the publisher's.
   */
  createProducer: () => KafkaJS.Producer;
  topic: string;
  /** Longest a send (and a producer connect) may take before the attempt counts as failed. */
  publishTimeoutMs: number;
  logger: OutboxLog;
}

interface ProducerHandle {
  producer: KafkaJS.Producer;
  status: 'connecting' | 'connected' | 'failed';
  error?: unknown;
  /** Resolves (never rejects) once connect() settled. */
  settled: Promise<void>;
}

/**
 * Sends outbox rows to the orders topic through one idempotent producer at a
 * time: each row is a record keyed by its order, with the event's headers, and
 * a delete is followed by its tombstone. Owns the producer's lifecycle: a
 * producer whose connect failed, or that hit a fatal error, is replaced by a
 * new one at the next attempt.
 */
export class KafkaOutboxPublisher implements OutboxPublisher {
  private handle: ProducerHandle | undefined;
  private readonly withinPublishTimeout: TimeoutPolicy;

  constructor(private readonly options: KafkaOutboxPublisherOptions) {
    // Aggressive: the wait ends at the deadline; the send or connect itself goes on and is awaited separately.
    this.withinPublishTimeout = timeout(options.publishTimeoutMs, TimeoutStrategy.Aggressive);
  }

  get connected(): boolean {
    return this.handle?.status === 'connected';
  }

  start(): void {
    this.handle ??= this.connectProducer();
  }

  /**
   * One producer call for the rows, bounded by the publish timeout. After a
   * timeout it still waits until the producer settled the records (its
   * `message.timeout.ms` bounds that) before throwing: the relay holds the
   * rows' slots until then, since releasing them earlier would let another
   * relay publish the same rows while these are in flight, and a late copy
   * landing after newer events of its order is what compaction would keep.
   */
  publish(rows: readonly OutboxRow[]): Promise<void> {
    // One producer span per batch, a child of the first sampled write and linked to every write.
    return inPublishSpan({ topic: this.options.topic, records: rows.map((row) => ({ key: row.orderUid, traceparent: row.traceparent })) }, () =>
      this.send(rows),
    );
  }

  private async send(rows: readonly OutboxRow[]): Promise<void> {
    const producer = await this.connectedProducer();
    const sending = producer.send({ topic: this.options.topic, messages: rows.flatMap(messagesOf) });
    try {
      await this.withinPublishTimeout.execute(() => sending);
    } catch (error) {
      if (isFatalKafkaError(error)) this.discardProducer();
      if (!(error instanceof TaskCancelledError)) throw error;
      this.options.logger.debug('publish timed out; holding the slot until the producer settles the batch', { rows: rows.length });
      await sending.catch(() => undefined);
      throw new OutboxPublishTimeout(this.options.publishTimeoutMs, rows.length);
    }
  }

  async stop(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    // A connect in progress cannot be cancelled; connectProducer disconnects it once it finishes.
    if (handle?.status !== 'connected') return;
    try {
      await handle.producer.flush({ timeout: this.options.publishTimeoutMs });
    } catch (error) {
      this.options.logger.warn('producer flush failed', { err: errorFields(error) });
    }
    try {
      await handle.producer.disconnect();
    } catch (error) {
      this.options.logger.warn('producer disconnect failed', { err: errorFields(error) });
    }
  }

  /** Starts connecting a new producer; connect() can only be called once per producer and cannot be cancelled. */
  private connectProducer(): ProducerHandle {
    const producer = this.options.createProducer();
    const handle: ProducerHandle = { producer, status: 'connecting', settled: Promise.resolve() };
    handle.settled = producer.connect().then(
      () => {
        handle.status = 'connected';
        if (this.handle !== handle) void disconnectQuietly(producer);
      },
      (error: unknown) => {
        handle.status = 'failed';
        handle.error = error;
      },
    );
    return handle;
  }

  /**
   * The connected producer, waiting up to the publish timeout for a connect in
   * progress; a producer whose connect failed is replaced by a new one. A slow
   * connect is waited for again by the next attempt rather than started anew,
   * so at most one producer exists at a time.
   */
  private async connectedProducer(): Promise<KafkaJS.Producer> {
    if (this.handle?.status === 'failed') this.handle = undefined;
    const handle = (this.handle ??= this.connectProducer());
    if (handle.status === 'connecting') {
      try {
        await this.withinPublishTimeout.execute(() => handle.settled);
      } catch {
        throw new KafkaNotConnected(`no connection within ${this.options.publishTimeoutMs} ms`);
      }
    }
    if (handle.status !== 'connected') {
      throw new KafkaNotConnected(errorFields(handle.error).message, { cause: handle.error });
    }
    return handle.producer;
  }

  /** Drops a producer after a fatal error; the next attempt connects a new one. */
  private discardProducer(): void {
    const handle = this.handle;
    this.handle = undefined;
    if (handle?.status === 'connected') void disconnectQuietly(handle.producer);
  }
}

/** The record of a row, keyed by order so an order's events share a partition; a delete is followed by its tombstone. */
function messagesOf(row: OutboxRow): KafkaJS.Message[] {
  const event: KafkaJS.Message = { key: row.orderUid, value: row.payload, headers: headersOf(row) };
  if (row.eventType !== 'order.deleted') return [event];
  // The tombstone lets compaction forget the order once consumers had time to see the delete.
  return [event, { key: row.orderUid, value: null, headers: headersOf(row) }];
}

function headersOf(row: OutboxRow): KafkaJS.IHeaders {
  const headers: KafkaJS.IHeaders = {
    [EVENT_HEADERS.type]: row.eventType,
    [EVENT_HEADERS.version]: String(row.version),
  };
  // The envelope's own schema version, not this build's: during a rolling deploy the outbox holds rows of the previous build.
  const schemaVersion = schemaVersionOfSerialized(row.payload);
  if (schemaVersion !== undefined) headers[EVENT_HEADERS.schemaVersion] = String(schemaVersion);
  if (row.requestId !== null) headers[EVENT_HEADERS.requestId] = row.requestId;
  // The write's own context, so the projector's span joins the trace that made the write.
  if (row.traceparent !== null) headers[EVENT_HEADERS.traceparent] = row.traceparent;
  return headers;
}

/** librdkafka marks errors after which a producer can no longer be used (an idempotence sequence it cannot recover). */
function isFatalKafkaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { fatal?: unknown }).fatal === true;
}

async function disconnectQuietly(producer: KafkaJS.Producer): Promise<void> {
  await producer.disconnect().catch(() => undefined);
}
