import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { TopicSettings } from './topic-settings.js';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

/** One broker's settings, for tests and benches that make topics of their own on the local broker. */
export const SINGLE_BROKER_SETTINGS: TopicSettings = { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 };

/**
 * The event topic: compacted and keyed by order_uid, so the latest event of
 * every order is kept forever and a delete's tombstone eventually removes it.
 * Erasure is bounded: a segment rolls within a day (segment.ms) and is
 * compacted within a day of that (max.compaction.lag.ms), and the tombstone
 * itself goes a day later (delete.retention.ms), so a deleted order's personal
 * data leaves the topic within about three days. Writes are acknowledged by
 * `min.insync.replicas` replicas (the producer sends with acks=all), so an
 * acknowledged event survives the loss of any one broker.
 */
export function ordersTopicSpec(topic: string, settings: TopicSettings = SINGLE_BROKER_SETTINGS): TopicSpec {
  return {
    topic,
    numPartitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    config: {
      'cleanup.policy': 'compact',
      'min.insync.replicas': String(settings.minInsyncReplicas),
      'delete.retention.ms': String(24 * 60 * 60 * 1000),
      'min.compaction.lag.ms': String(60 * 60 * 1000),
      'max.compaction.lag.ms': String(24 * 60 * 60 * 1000),
      'segment.ms': String(24 * 60 * 60 * 1000),
    },
  };
}

/** Records the projector could not apply, kept for a week with the reason in their headers; one partition, replicated like the event topic. */
export function deadLetterTopicSpec(topic: string, settings: TopicSettings = SINGLE_BROKER_SETTINGS): TopicSpec {
  return {
    topic,
    numPartitions: 1,
    replicationFactor: settings.replicationFactor,
    config: {
      'cleanup.policy': 'delete',
      'retention.ms': String(7 * 24 * 60 * 60 * 1000),
      'min.insync.replicas': String(settings.minInsyncReplicas),
    },
  };
}

/** Creates each topic that does not exist yet; an existing topic is left as it is. */
export async function ensureTopics(admin: KafkaJS.Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return [];
  const created: string[] = [];
  // One at a time: the topic list can lag a creation by another client, and
  // "already exists" then means there is nothing to do for that topic.
  for (const s of missing) {
    try {
      await admin.createTopics({
        topics: [
          {
            topic: s.topic,
            numPartitions: s.numPartitions,
            replicationFactor: s.replicationFactor,
            configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      created.push(s.topic);
    } catch (error) {
      if (!/already exists/i.test(error instanceof Error ? error.message : String(error))) throw error;
    }
  }
  return created;
}
