import { hostname } from 'node:os';
import { readOrderBatch, type KafkaJS } from '@order-service/kafka';
import { Projection } from '@order-service/projection';
import { errorFields, type Logger } from '@order-service/runtime';
import type { LruOrderCache } from '../adapters/lru-order-cache.js';

/**
 * With CACHE_BACKEND=lru each API process is its own projector: it reads the
 * whole (compacted) topic from the beginning under a consumer identity of its
 * own, applies it to its LRU, and counts as warm once it reached the end the
 * topic had when the process started.
 */
export class LruProjectionConsumer {
  private readonly projection: Projection;
  private consumer: KafkaJS.Consumer | undefined;
  private warmTargets: Map<number, bigint> | undefined;
  private readonly position = new Map<number, bigint>();
  undecodable = 0;

  constructor(
    private readonly kafka: KafkaJS.Kafka,
    private readonly topic: string,
    lru: LruOrderCache,
    private readonly logger: Logger,
  ) {
    this.projection = new Projection(lru);
  }

  get applied(): number {
    return this.projection.applied;
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      this.warmTargets = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    } finally {
      await admin.disconnect();
    }
    this.consumer = this.kafka.consumer({
      'js.consumer.max.batch.size': 2_000,
      kafkaJS: { groupId: `order-api-lru-${hostname()}-${process.pid}-${Date.now()}`, fromBeginning: true, autoCommit: false },
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic] });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        const { events, deadLetters } = readOrderBatch(batch);
        this.undecodable += deadLetters.length;
        if (events.length) await this.projection.applyBatch(events);
        const last = batch.messages.at(-1);
        if (last) this.position.set(batch.partition, BigInt(last.offset) + 1n);
      },
    });
  }

  /** Whether every partition reached the end it had at start. */
  isWarm(): boolean {
    if (!this.warmTargets) return false;
    for (const [partition, high] of this.warmTargets) {
      if (high > 0n && (this.position.get(partition) ?? 0n) < high) return false;
    }
    return true;
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch((error: unknown) => this.logger.warn('lru projection consumer did not close cleanly', { err: errorFields(error) }));
  }
}
