/**
 * What the apps' Kubernetes initContainers run: waits until the migration job
 * has brought the schema up to date (`schema`) and the topic job has created
 * the topics (`topics`), logging what is missing every few seconds; exits 1
 * after --timeout-seconds, so the pod's restart policy tries again.
 *   node dist/cli/await-ready.js schema topics [--timeout-seconds 600]
 */
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { createKafka, type KafkaJS } from '@order-service/kafka';
import { createDatabase } from '@order-service/postgres';
import { awaitReady, schemaIsCurrent, topicsExist, type ReadinessCondition } from '../await-ready.js';
import { readInfraConfig } from '../config.js';

const USAGE = 'usage: await-ready (schema|topics)... [--timeout-seconds N]';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'timeout-seconds': { type: 'string', default: '600' } } });
const timeoutSeconds = Number(values['timeout-seconds']);
const what = new Set(positionals);
if (what.size === 0 || [...what].some((w) => w !== 'schema' && w !== 'topics') || !(timeoutSeconds > 0)) {
  console.error(USAGE);
  process.exit(2);
}

const config = readInfraConfig();
const conditions: ReadinessCondition[] = [];
let db: Knex | undefined;
let admin: KafkaJS.Admin | undefined;
if (what.has('schema')) {
  db = createDatabase({ url: config.databaseUrl, poolMax: 1 });
  conditions.push(schemaIsCurrent(db));
}
if (what.has('topics')) {
  const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
  admin = createKafka({ brokers: config.kafkaBrokers, clientId: 'order-service-await-ready', logger: quiet }).admin();
  conditions.push(topicsExist(admin, [config.ordersTopic, config.deadLetterTopic]));
}

try {
  const ready = await awaitReady(conditions, { timeoutMs: timeoutSeconds * 1000, intervalMs: 1_000, log: (line) => console.log(`await-ready: ${line}`) });
  if (ready) console.log(`await-ready: ${[...what].join(' and ')} ready`);
  process.exitCode = ready ? 0 : 1;
} finally {
  await db?.destroy();
  await admin?.disconnect().catch(() => undefined);
}
