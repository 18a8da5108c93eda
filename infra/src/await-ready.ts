/**
 * Waits for what the operator jobs make before an app starts: the schema the
 * migration job brings up to date and the topics the topic job creates. Each
 * check answers null when satisfied or why it is not yet; the loop logs the
 * reasons as it goes and gives up after a deadline.
 */
import type { Knex } from 'knex';
import type { KafkaJS } from '@order-service/kafka';
import { pendingMigrations } from './migrate.js';

/** One precondition: null when it holds, else what is still missing. */
export type ReadinessCondition = () => Promise<string | null>;

export interface AwaitReadyOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Told what is still missing, at most once per `logEveryMs`. */
  log: (line: string) => void;
  logEveryMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The schema is current: the database answers and no migration is pending. */
export function schemaIsCurrent(db: Knex): ReadinessCondition {
  return async () => {
    try {
      const pending = await pendingMigrations(db);
      return pending.length === 0 ? null : `migrations pending: ${pending.join(', ')}`;
    } catch (error) {
      return `database not answering: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
}

/** Every named topic exists on the cluster. */
export function topicsExist(admin: KafkaJS.Admin, topics: readonly string[]): ReadinessCondition {
  let connected = false;
  return async () => {
    try {
      if (!connected) {
        await admin.connect();
        connected = true;
      }
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      return missing.length === 0 ? null : `topics missing: ${missing.join(', ')}`;
    } catch (error) {
      return `Kafka not answering: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
}

/** Polls the conditions until all hold (true) or the deadline passes (false). */
export async function awaitReady(conditions: readonly ReadinessCondition[], options: AwaitReadyOptions): Promise<boolean> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const logEveryMs = options.logEveryMs ?? 5_000;
  const started = now();
  let lastLog = -Infinity;
  for (;;) {
    const missing = (await Promise.all(conditions.map((c) => c()))).filter((m): m is string => m !== null);
    if (missing.length === 0) return true;
    const elapsed = now() - started;
    if (elapsed >= options.timeoutMs) {
      options.log(`gave up after ${Math.round(elapsed / 1000)} s: ${missing.join('; ')}`);
      return false;
    }
    if (now() - lastLog >= logEveryMs) {
      options.log(`waiting (${Math.round(elapsed / 1000)} s): ${missing.join('; ')}`);
      lastLog = now();
    }
    await sleep(options.intervalMs);
  }
}
