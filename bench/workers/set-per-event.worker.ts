/**
 * The replay row's baseline: the naive rebuild, one awaited SET per event.
 * Reads the topic from the beginning with a fresh consumer group, decodes
 * every record exactly as the replay does, and writes each order's serialised
 * document with its own SET, one at a time, until `BENCH_EVENTS` events or
 * `BENCH_MAX_SECONDS` seconds; then prints one JSON line with what it did.
 *
 * Environment: BENCH_TOPIC, BENCH_KEY_PREFIX, BENCH_GROUP_ID, BENCH_EVENTS,
 * BENCH_MAX_SECONDS, KAFKA_BROKERS, REDIS_URL.
 */
import { performance } from 'node:perf_hooks';
import { decodeOrderEvent } from '../../packages/contracts/src/index.js';
import { createKafka } from '../../packages/kafka/src/index.js';
import { connectRedis } from '../support/redis-connection.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

const topic = required('BENCH_TOPIC');
const keyPrefix = required('BENCH_KEY_PREFIX');
const expected = Number(required('BENCH_EVENTS'));
const maxSeconds = Number(required('BENCH_MAX_SECONDS'));
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

const started = performance.now();
const redis = await connectRedis(required('REDIS_URL'));
const kafka = createKafka({ brokers: required('KAFKA_BROKERS').split(','), clientId: 'bench-set-per-event', logger: quiet });
const consumer = kafka.consumer({
  kafkaJS: { groupId: required('BENCH_GROUP_ID'), fromBeginning: true, autoCommit: false },
  'js.consumer.max.batch.size': 2_000,
});

let firstRecordAt: number | undefined;
let applied = 0;
let finish: () => void = () => undefined;
const finished = new Promise<void>((resolve) => (finish = resolve));

await consumer.connect();
await consumer.subscribe({ topics: [topic] });
await consumer.run({
  partitionsConsumedConcurrently: 1,
  eachBatch: async ({ batch }) => {
    firstRecordAt ??= performance.now();
    for (const message of batch.messages) {
      if (applied >= expected || performance.now() - firstRecordAt > maxSeconds * 1000) {
        finish();
        return;
      }
      if (message.value === null) continue;
      const event = decodeOrderEvent(message.value);
      await redis.sendCommand(['SET', `${keyPrefix}:order:${event.order_uid}`, event.type === 'order.upserted' ? JSON.stringify(event.order) : '']);
      applied += 1;
    }
    if (applied >= expected) finish();
  },
});
await finished;
const endedAt = performance.now();
const seconds = (endedAt - (firstRecordAt ?? started)) / 1000;
console.log(
  JSON.stringify({ msg: 'set-per-event finished', events: applied, seconds, events_per_second: applied / seconds, wall_seconds: (endedAt - started) / 1000 }),
);
await consumer.disconnect().catch(() => undefined);
await redis.close().catch(() => undefined);
process.exit(0);
