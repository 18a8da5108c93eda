import { RdKafka } from '@confluentinc/kafka-javascript';
import { routeClientLog, type KafkaConnectivity, type KafkaLogSink } from './kafka-client.js';

/** Offsets `from` up to, not including, `to` of one partition. */
export interface PartitionRange {
  readonly partition: number;
  readonly from: number;
  readonly to: number;
}

/** Records of one read, from any of the ranges, and how far each partition they came from is now read. */
export interface RangeBatch {
  readonly messages: RdKafka.Message[];
  /** Per partition in the batch: its range is read up to, not including, `next`. */
  readonly reached: ReadonlyArray<{ readonly partition: number; readonly next: number }>;
}

export interface PartitionRangeReaderOptions {
  brokers: readonly string[];
  clientId: string;
  /** The consumer's group.id; the reader never joins the group nor commits. */
  groupId: string;
  topic: string;
  ranges: readonly PartitionRange[];
  /** Most records per batch. */
  batchSize: number;
  logger: KafkaLogSink;
  connectivity?: KafkaConnectivity;
}

/** How long a read waits for each next record before it returns what it has. */
const READ_TIMEOUT_MS = 100;

/**
 * Reads fixed ranges of a topic's partitions, once, as fast as the broker
 * sends them: the whole topic for a rebuild. librdkafka's own consumer with
 * the partitions assigned by hand at their start offsets: no group to join
 * (the ranges are known beforehand, so there is nothing to balance), nothing
 * committed, and records handed over in batches (`consume(n)`) as librdkafka
 * made them, without the per-record objects of the KafkaJS-style API. A
 * partition is paused once its range is read; records past the end (appended
 * since the ranges were taken) are dropped.
 */
export class PartitionRangeReader {
  readonly #options: PartitionRangeReaderOptions;
  readonly #consumer: RdKafka.KafkaConsumer;
  /** Next offset to hand over, per partition still being read. */
  readonly #next = new Map<number, number>();
  readonly #ends = new Map<number, number>();
  #closed: Promise<void> | undefined;

  constructor(options: PartitionRangeReaderOptions) {
    if (!Number.isSafeInteger(options.batchSize) || options.batchSize <= 0) {
      throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.#options = options;
    for (const { partition, from, to } of options.ranges) {
      if (to <= from) continue;
      this.#next.set(partition, from);
      this.#ends.set(partition, to);
    }
    const route = routeClientLog(options.logger, options.connectivity);
    this.#consumer = new RdKafka.KafkaConsumer({
      'bootstrap.servers': options.brokers.join(','),
      'client.id': options.clientId,
      'group.id': options.groupId,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'enable.partition.eof': false,
      'reconnect.backoff.ms': 100,
      'reconnect.backoff.max.ms': 1_000,
      // A rebuild reads everything there is: larger fetches, fewer round trips.
      'max.partition.fetch.bytes': 8 * 1024 * 1024,
      'fetch.max.bytes': 64 * 1024 * 1024,
    });
    this.#consumer.on('event.error', (error: RdKafka.LibrdKafkaError) => route('error', error.message, { code: error.code }));
    this.#consumer.setDefaultConsumeTimeout(READ_TIMEOUT_MS);
  }

  /** True once every range has been handed over. */
  get done(): boolean {
    return this.#next.size === 0;
  }

  async connect(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.#consumer.connect({ topic: this.#options.topic }, (error) => (error ? reject(error) : resolve())));
    const { topic } = this.#options;
    if (this.#next.size > 0) this.#consumer.assign([...this.#next].map(([partition, offset]) => ({ topic, partition, offset })));
  }

  /** The next records of the ranges (possibly none yet), or null once every range has been read. */
  async read(): Promise<RangeBatch | null> {
    if (this.done) return null;
    const messages = await new Promise<RdKafka.Message[]>((resolve, reject) =>
      this.#consumer.consume(this.#options.batchSize, (error, read) => (error ? reject(error) : resolve(read))),
    );
    const kept: RdKafka.Message[] = [];
    const reached = new Map<number, number>();
    for (const message of messages) {
      const end = this.#ends.get(message.partition);
      const next = this.#next.get(message.partition);
      // Past its range, or read again after a seek: not handed over twice.
      if (end === undefined || next === undefined || message.offset >= end || message.offset < next) continue;
      kept.push(message);
      this.#next.set(message.partition, message.offset + 1);
      reached.set(message.partition, message.offset + 1);
    }
    // A range is read once its last record is: the cleaner never touches the active segment, so
    // a partition's last record stays (a topic written without transactions, like the orders topic).
    const finished: number[] = [];
    for (const [partition] of reached) if (this.#next.get(partition)! >= this.#ends.get(partition)!) finished.push(partition);
    if (finished.length > 0) {
      this.#consumer.pause(finished.map((partition) => ({ topic: this.#options.topic, partition })));
      for (const partition of finished) this.#next.delete(partition);
    }
    return { messages: kept, reached: [...reached].map(([partition, next]) => ({ partition, next })) };
  }

  /** Leaves the brokers; safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => this.#consumer.disconnect(() => resolve()));
    return this.#closed;
  }
}
