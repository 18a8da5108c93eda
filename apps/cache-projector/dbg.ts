import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@order-service/runtime';
import { reliableProducerConfig } from '@order-service/kafka';
import { uniqueName } from '../../test/support/environment.js';
import { buildApp } from './src/composition-root.js';
import { createTopics, deleteTopics, produceEvents, testKafka } from './test/support/kafka-fixtures.js';
import { inRounds, orderHistories, seededRandom } from './test/support/order-histories.js';
import { projectorConfig } from './test/support/projector-instances.js';

const kafka = testKafka();
const admin = kafka.admin();
await admin.connect();
const producer = kafka.producer(reliableProducerConfig());
await producer.connect();
const setting = { topic: uniqueName('dbg'), deadLetterTopic: uniqueName('dbg-dlq'), groupId: uniqueName('dbg-g'), keyPrefix: uniqueName('dbg') };
await createTopics(admin, setting.topic, setting.deadLetterTopic);
const mk = (name: string) => buildApp(projectorConfig(setting), createLogger({ level: 'info', service: name, pretty: true }));
const a = mk('A'); await a.start();
const b = mk('B'); await b.start();
const rounds = inRounds(orderHistories(2000, { prefix: 'x', random: seededRandom(1) }));
for (const [i, round] of rounds.entries()) {
  await produceEvents(producer, setting.topic, round, { chunk: 250, pauseMs: 50 });
  console.log('round', i, a.counters.batches, b.counters.batches);
}
await sleep(5000);
console.log('final', a.counters.batches, b.counters.batches);
await a.stop(); await b.stop();
await deleteTopics(admin, [setting.topic, setting.deadLetterTopic]);
await producer.disconnect(); await admin.disconnect();
