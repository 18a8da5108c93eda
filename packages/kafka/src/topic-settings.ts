/**
 * How many partitions and replicas the project's topics get, and what is short
 * on a topic that exists already. Pure functions: the admin calls that feed
 * them live in topic-provisioning.ts.
 */

/** What the configuration asks for; 0 means "the default" for each field. */
export interface TopicSettingsConfig {
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
}

/** Settings with every default resolved against the cluster. */
export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
}

/** Partitions of the event topic when not configured: room for 12 projector workers in production, 6 locally. */
export const DEFAULT_PARTITIONS = { production: 12, other: 6 } as const;
/** The replication factor never defaults above this, however many brokers there are. */
export const MAX_DEFAULT_REPLICATION_FACTOR = 3;

export class TopicSettingsInvalid extends Error {
  override readonly name = 'TopicSettingsInvalid';
}

/**
 * Resolves the configured settings: the replication factor defaults to
 * min(3, brokers in the cluster), `min.insync.replicas` to one less (so one
 * replica may be lost while acks=all writes go on), at least 1. A setting the
 * cluster cannot satisfy is refused here rather than by a half-done creation.
 */
export function resolveTopicSettings(configured: TopicSettingsConfig, cluster: { brokers: number; production: boolean }): TopicSettings {
  if (cluster.brokers < 1) throw new TopicSettingsInvalid('the cluster has no broker');
  const partitions = configured.partitions || (cluster.production ? DEFAULT_PARTITIONS.production : DEFAULT_PARTITIONS.other);
  const replicationFactor = configured.replicationFactor || Math.min(MAX_DEFAULT_REPLICATION_FACTOR, cluster.brokers);
  const minInsyncReplicas = configured.minInsyncReplicas || Math.max(1, replicationFactor - 1);
  if (replicationFactor > cluster.brokers) {
    throw new TopicSettingsInvalid(`replication factor ${replicationFactor} needs as many brokers; the cluster has ${cluster.brokers}`);
  }
  if (minInsyncReplicas > replicationFactor) {
    throw new TopicSettingsInvalid(
      `min.insync.replicas ${minInsyncReplicas} is above the replication factor ${replicationFactor}: no write could be acknowledged`,
    );
  }
  return { partitions, replicationFactor, minInsyncReplicas };
}

/** What a topic has, as the admin client describes it; undefined when it does not exist. */
export interface TopicLayout {
  partitions: number;
  /** The fewest replicas any of its partitions has. */
  replicationFactor: number;
}

export type ProvisioningAspect = 'partitions' | 'replication_factor';
export const PROVISIONING_ASPECTS: readonly ProvisioningAspect[] = ['partitions', 'replication_factor'];

/** One way a topic falls short of its configuration. */
export interface TopicShortfall {
  topic: string;
  aspect: ProvisioningAspect;
  configured: number;
  actual: number;
}

/**
 * What an existing topic lacks against what it should have. More than
 * configured is fine (a topic may be grown by hand); fewer is reported, never
 * fixed: partitions cannot be added without moving keys between them, and
 * replicas are added by a reassignment, both an operator's decision. A missing
 * topic has neither.
 */
export function findShortfalls(topic: string, wanted: { partitions: number; replicationFactor: number }, actual: TopicLayout | undefined): TopicShortfall[] {
  const have = actual ?? { partitions: 0, replicationFactor: 0 };
  const shortfalls: TopicShortfall[] = [];
  if (have.partitions < wanted.partitions) shortfalls.push({ topic, aspect: 'partitions', configured: wanted.partitions, actual: have.partitions });
  if (have.replicationFactor < wanted.replicationFactor) {
    shortfalls.push({ topic, aspect: 'replication_factor', configured: wanted.replicationFactor, actual: have.replicationFactor });
  }
  return shortfalls;
}

/** The layout of a topic from its partitions' replica lists. */
export function topicLayout(partitions: ReadonlyArray<{ replicas: readonly number[] }>): TopicLayout {
  return {
    partitions: partitions.length,
    replicationFactor: partitions.length === 0 ? 0 : Math.min(...partitions.map((p) => p.replicas.length)),
  };
}

/**
 * The configuration keys of {@link TopicSettingsConfig}, shaped as a convict
 * schema fragment: every app and infra's create-topics spread it into their own
 * schema, so the variables mean the same everywhere. Plain data; convict stays
 * the apps' dependency.
 */
export const TOPIC_SETTINGS_SCHEMA = {
  topicPartitions: {
    doc: 'Partitions of the event topic (the most projector workers that share the work): created with, then checked at every start (fewer is reported); 0 for 12 in production, 6 otherwise.',
    format: 'nat',
    default: 0,
    env: 'KAFKA_TOPIC_PARTITIONS',
  },
  topicReplicationFactor: {
    doc: 'Replicas of every partition: created with, then checked at every start (fewer is reported); 0 for min(3, brokers in the cluster).',
    format: 'nat',
    default: 0,
    env: 'KAFKA_TOPIC_REPLICATION_FACTOR',
  },
  topicMinInsyncReplicas: {
    doc: 'Replicas that must have a write before it is acknowledged (min.insync.replicas); 0 for the replication factor − 1, at least 1.',
    format: 'nat',
    default: 0,
    env: 'KAFKA_TOPIC_MIN_INSYNC_REPLICAS',
  },
} as const;
