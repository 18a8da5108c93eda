/**
 * Asks the cluster how many brokers it has and how the project's topics are
 * laid out, and reports, once at an app's start, every topic that has fewer
 * partitions or replicas than its configuration asks for.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RdKafka, type KafkaJS } from '@confluentinc/kafka-javascript';
import type { KafkaLogSink } from './kafka-client.js';
import type { TopicSpec } from './topics.js';
import {
  findShortfalls,
  resolveTopicSettings,
  topicLayout,
  type TopicLayout,
  type TopicSettings,
  type TopicSettingsConfig,
  type TopicShortfall,
} from './topic-settings.js';

/**
 * The brokers of the cluster, from a metadata request. The KafkaJS-style admin
 * has no DescribeCluster, so a producer that sends nothing asks; it is closed
 * at once.
 */
export async function countBrokers({
  brokers,
  clientId,
  timeoutMs = 5_000,
}: {
  brokers: readonly string[];
  clientId: string;
  timeoutMs?: number;
}): Promise<number> {
  const client = new RdKafka.Producer({ 'metadata.broker.list': brokers.join(','), 'client.id': clientId, 'socket.timeout.ms': timeoutMs });
  try {
    const metadata = await new Promise<{ brokers: unknown[] }>((resolve, reject) => {
      client.connect({ timeout: timeoutMs, allTopics: false }, (error, data) => (error ? reject(new Error(error.message)) : resolve(data)));
    });
    return metadata.brokers.length;
  } finally {
    if (client.isConnected()) await new Promise<void>((resolve) => client.disconnect(() => resolve()));
  }
}

/** Each topic's layout; undefined for a topic that does not exist. */
export async function describeTopicLayouts(admin: KafkaJS.Admin, topics: readonly string[], timeoutMs = 5_000): Promise<Map<string, TopicLayout | undefined>> {
  const existing = new Set(await admin.listTopics({ timeout: timeoutMs }));
  const present = topics.filter((t) => existing.has(t));
  const described = present.length === 0 ? [] : await admin.fetchTopicMetadata({ topics: present, timeout: timeoutMs });
  const layouts = new Map<string, TopicLayout | undefined>(topics.map((t) => [t, undefined]));
  for (const topic of described) layouts.set(topic.name, topicLayout(topic.partitions));
  return layouts;
}

/** What each spec's topic lacks. */
export async function inspectTopics(admin: KafkaJS.Admin, specs: readonly TopicSpec[]): Promise<TopicShortfall[]> {
  const layouts = await describeTopicLayouts(
    admin,
    specs.map((s) => s.topic),
  );
  return specs.flatMap((s) => findShortfalls(s.topic, { partitions: s.numPartitions, replicationFactor: s.replicationFactor }, layouts.get(s.topic)));
}

export interface TopicProvisioningCheckOptions {
  admin: KafkaJS.Admin;
  /** Whether the check connects the admin client itself (and disconnects it at stop), rather than the app. */
  ownsAdmin?: boolean;
  /** The cluster's broker count (countBrokers, bound to the app's brokers). */
  brokers: () => Promise<number>;
  settings: TopicSettingsConfig;
  production: boolean;
  /** The topics the app uses, under the resolved settings. */
  specs: (settings: TopicSettings) => TopicSpec[];
  logger: KafkaLogSink;
  /** Pause between attempts while the cluster cannot be asked. */
  retryDelayMs?: number;
}

/**
 * Checks the app's topics against the configuration once, in the background:
 * an app starts while Kafka is down, so the check tries again until it gets an
 * answer. Each shortfall is one warning line and a gauge series at 1 (0 for an
 * aspect that is fine), never corrected and never silent.
 */
export class TopicProvisioningCheck {
  readonly #options: TopicProvisioningCheckOptions;
  readonly #stopping = new AbortController();
  #checked: { specs: TopicSpec[]; shortfalls: TopicShortfall[] } | undefined;
  #running: Promise<void> | undefined;
  #connected = false;

  constructor(options: TopicProvisioningCheckOptions) {
    this.#options = options;
  }

  /** Starts checking; resolves at once. */
  start(): void {
    this.#running ??= this.#checkUntilAnswered();
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#running;
    if (this.#connected) await this.#options.admin.disconnect().catch(() => undefined);
    this.#connected = false;
  }

  /** Every checked topic and aspect with whether it is short; empty until the check answered. */
  series(): Array<{ topic: string; aspect: TopicShortfall['aspect']; short: boolean }> {
    if (!this.#checked) return [];
    const { specs, shortfalls } = this.#checked;
    return specs.flatMap((s) =>
      (['partitions', 'replication_factor'] as const).map((aspect) => ({
        topic: s.topic,
        aspect,
        short: shortfalls.some((f) => f.topic === s.topic && f.aspect === aspect),
      })),
    );
  }

  /** The shortfalls found, or undefined while the check has not answered. */
  shortfalls(): readonly TopicShortfall[] | undefined {
    return this.#checked?.shortfalls;
  }

  async #checkUntilAnswered(): Promise<void> {
    let attempt = 0;
    while (!this.#stopping.signal.aborted) {
      attempt += 1;
      try {
        if (this.#options.ownsAdmin && !this.#connected) {
          await this.#options.admin.connect();
          this.#connected = true;
        }
        const settings = resolveTopicSettings(this.#options.settings, { brokers: await this.#options.brokers(), production: this.#options.production });
        const specs = this.#options.specs(settings);
        const shortfalls = await inspectTopics(this.#options.admin, specs);
        this.#checked = { specs, shortfalls };
        for (const f of shortfalls) {
          this.#options.logger.warn('kafka topic under-provisioned: it has fewer than configured, and is left as it is', {
            topic: f.topic,
            aspect: f.aspect,
            configured: f.configured,
            actual: f.actual,
          });
        }
        if (shortfalls.length === 0) this.#options.logger.info('kafka topics provisioned as configured', { topics: specs.map((s) => s.topic), ...settings });
        return;
      } catch (error) {
        if (attempt === 1)
          this.#options.logger.warn('kafka topic check failed; retrying in the background', { err: error instanceof Error ? error.message : String(error) });
        await sleep(this.#options.retryDelayMs ?? 5_000, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
      }
    }
  }
}
