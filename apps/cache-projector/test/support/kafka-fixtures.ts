import { setTimeout as sleep } from 'node:timers/promises';
import { EVENT_HEADERS, encodeOrderEvent, type OrderEvent } from '@order-service/contracts';
import { createKafka, deadLetterTopicSpec, ensureTopics, ordersTopicSpec, type KafkaJS } from '@order-service/kafka';
import { testEnvironment } from '../../../../test/support/environment.js';
import { waitFor } from '../../../../test/support/wait-for.js';

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** A Kafka client for the test itself (producing, inspecting offsets), quiet unless something breaks. */
export function testKafka(clientId = 'cache-projector-tests'): KafkaJS.Kafka {
  return createKafka({
    brokers: testEnvironment.kafkaBrokers,
    clientId,
    logger: { ...silent, error: (m, meta) => void process.stderr.write(`kafka: ${m} ${JSON.stringify(meta)}\n`) },
  });
}

/** An order topic (6 partitions, compacted) and its dead-letter topic, both new. */
export async function createTopics(admin: KafkaJS.Admin, topic: string, deadLetterTopic: string): Promise<void> {
  await ensureTopics(admin, [ordersTopicSpec(topic), deadLetterTopicSpec(deadLetterTopic)]);
  // Metadata of a new topic reaches every client a moment later.
  await waitFor(`topic ${topic} to have leaders`, async () => {
    const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
    return offsets.length === 6;
  });
}

export async function deleteTopics(admin: KafkaJS.Admin, topics: string[]): Promise<void> {
  await admin.deleteTopics({ topics }).catch(() => undefined);
}

/**
 * Deletes a consumer group, trying again until `timeoutMs` while it still has
 * members (a static member does not leave on close: the group empties when
 * its session expires). Gives up quietly: a left-over group only costs space.
 */
export async function deleteGroup(admin: KafkaJS.Admin, groupId: string, timeoutMs = 0): Promise<void> {
  await waitFor(
    `group ${groupId} to be deleted`,
    () =>
      admin.deleteGroups([groupId]).then(
        () => true,
        () => false,
      ),
    {
      timeoutMs,
      intervalMs: 500,
    },
  ).catch(() => undefined);
}

/** Records as the outbox publisher writes them: keyed by order_uid, with the event headers. */
export function toRecord(event: OrderEvent): KafkaJS.Message {
  return {
    key: event.order_uid,
    value: encodeOrderEvent(event),
    headers: {
      [EVENT_HEADERS.type]: event.type,
      [EVENT_HEADERS.version]: String(event.version),
      [EVENT_HEADERS.schemaVersion]: String(event.schema_version),
    },
  };
}

/** Writes the events in sends of `chunk`, pausing `pauseMs` between sends to spread the load over time. */
export async function produceEvents(
  producer: KafkaJS.Producer,
  topic: string,
  events: readonly OrderEvent[],
  { chunk = 500, pauseMs = 0 }: { chunk?: number; pauseMs?: number } = {},
): Promise<void> {
  for (let start = 0; start < events.length; start += chunk) {
    await producer.send({ topic, messages: events.slice(start, start + chunk).map(toRecord) });
    if (pauseMs > 0) await sleep(pauseMs);
  }
}

/** The end offset of each partition. */
export async function endOffsets(admin: KafkaJS.Admin, topic: string): Promise<Map<number, number>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map(({ partition, high }) => [partition, Number(high)]));
}

/** The group's committed offset of each partition (-1 where it committed none). */
export async function committedOffsets(admin: KafkaJS.Admin, groupId: string, topic: string): Promise<Map<number, number>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((entry?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
}

/** Records between the group's commits and the end of each partition, summed: 0 once everything written is applied. */
export async function groupLag(admin: KafkaJS.Admin, groupId: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([endOffsets(admin, topic), committedOffsets(admin, groupId, topic)]);
  let lag = 0;
  for (const [partition, end] of ends) lag += end - Math.max(0, committed.get(partition) ?? 0);
  return lag;
}

export async function waitForZeroLag(admin: KafkaJS.Admin, groupId: string, topic: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(`group ${groupId} to catch up on ${topic}`, async () => (await groupLag(admin, groupId, topic)) === 0, {
    timeoutMs,
    intervalMs: 200,
    describe: async () => `lag ${await groupLag(admin, groupId, topic)}`,
  });
}

/** Waits until the group has settled on `members` members that each own some partitions of `partitions`. */
export async function waitForBalancedGroup(admin: KafkaJS.Admin, groupId: string, members: number, partitions = 6): Promise<void> {
  const describe = async (): Promise<number[]> => {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((member) => member.assignment?.topicPartitions?.length ?? 0);
  };
  await waitFor(
    `group ${groupId} to settle on ${members} members`,
    async () => {
      const owned = await describe();
      return owned.length === members && owned.every((count) => count > 0) && owned.reduce((a, b) => a + b, 0) === partitions;
    },
    { intervalMs: 200, describe: async () => `partitions per member: ${JSON.stringify(await describe())}` },
  );
}
