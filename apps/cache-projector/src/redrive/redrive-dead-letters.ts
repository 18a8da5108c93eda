// Sends dead letters that this build can now read back to the order topic, once each: the redrive's composition.
import { createKafka, deadLetterTopicSpec, ensureTopics, reliableProducerConfig, type KafkaJS } from '@order-service/kafka';
import type { Logger } from '@order-service/runtime';
import { ledgerKey, redriveHeaders, surveyDeadLetters, type DeadLetterSurvey } from './dead-letter-survey.js';
import { readTopic } from './read-topic.js';

export interface RedriveOptions {
  brokers: string[];
  /** Where redriven records go: the order topic. */
  topic: string;
  deadLetterTopic: string;
  /** False (the default) only reports what an --apply would do. */
  apply: boolean;
  logger: Logger;
  clientId?: string;
  groupIdPrefix?: string;
  signal?: AbortSignal;
  /** Called as records are read (phase `reading`) and sent (phase `sending`). */
  onProgress?: (progress: RedriveProgress) => void;
}

export interface RedriveProgress {
  phase: 'reading' | 'sending';
  done: number;
  total: number;
}

export interface RedriveSummary extends DeadLetterSurvey {
  applied: boolean;
  /** Records sent to the order topic by this run (0 for a dry run). */
  redriven: number;
  seconds: number;
}

/** Records sent per produce call. */
const SEND_BATCH = 500;

/**
 * The ledger of what was sent again: a topic beside the dead-letter topic,
 * one record per redriven dead letter, keyed by its `<dlq>/<partition>/<offset>`,
 * with the dead-letter topic's retention (its entries expire with the records
 * they name). Offsets of a consumer group would not do: a record left because
 * it still does not decode must be looked at again after the next fix.
 */
export function ledgerTopicOf(deadLetterTopic: string): string {
  return `${deadLetterTopic}.redriven`;
}

/**
 * Reads the dead-letter topic and the ledger, reports what the topic holds
 * and, with `apply`, sends each record that now decodes and is not in the
 * ledger to the order topic (same key, its headers without the dlq-* ones,
 * plus `redriven-from`), then records it in the ledger. A crash between the
 * two sends it again on the next run, which is harmless: the projection only
 * ever moves an order to a higher version, so an event older than what the
 * cache holds is stale there.
 */
export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveSummary> {
  const startedAt = performance.now();
  const { logger } = options;
  const kafka = createKafka({ brokers: options.brokers, clientId: options.clientId ?? 'order-dlq-redrive', logger: logger.child({ component: 'kafka' }) });
  const admin = kafka.admin();
  const ledgerTopic = ledgerTopicOf(options.deadLetterTopic);
  const groupIdPrefix = options.groupIdPrefix ?? 'order-dlq-redrive';
  let producer: KafkaJS.Producer | undefined;
  try {
    await admin.connect();
    const ledger = await readTopic(kafka, admin, ledgerTopic, { groupIdPrefix, signal: options.signal });
    const redriven = new Set(ledger.flatMap((record) => (record.key === null ? [] : [record.key.toString()])));
    const parked = await readTopic(kafka, admin, options.deadLetterTopic, {
      groupIdPrefix,
      signal: options.signal,
      onProgress: (done, total) => options.onProgress?.({ phase: 'reading', done, total }),
    });
    const survey = surveyDeadLetters(options.deadLetterTopic, parked, redriven);
    logger.info('dead-letter topic read', {
      topic: options.deadLetterTopic,
      records: survey.total,
      to_redrive: survey.toRedrive.length,
      ledger_entries: redriven.size,
    });

    let sent = 0;
    if (options.apply && survey.toRedrive.length > 0) {
      await ensureTopics(admin, [deadLetterTopicSpec(ledgerTopic)]);
      producer = kafka.producer(reliableProducerConfig());
      await producer.connect();
      for (let at = 0; at < survey.toRedrive.length; at += SEND_BATCH) {
        if (options.signal?.aborted) break;
        const chunk = survey.toRedrive.slice(at, at + SEND_BATCH);
        await producer.send({
          topic: options.topic,
          messages: chunk.map((record) => ({ key: record.key, value: record.value, headers: redriveHeaders(options.deadLetterTopic, record) })),
        });
        await producer.send({
          topic: ledgerTopic,
          messages: chunk.map((record) => ({
            key: ledgerKey(options.deadLetterTopic, record),
            value: JSON.stringify({ to: options.topic, at: new Date().toISOString() }),
          })),
        });
        sent += chunk.length;
        options.onProgress?.({ phase: 'sending', done: sent, total: survey.toRedrive.length });
      }
    }
    return { ...survey, applied: options.apply, redriven: sent, seconds: (performance.now() - startedAt) / 1000 };
  } finally {
    await producer?.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
