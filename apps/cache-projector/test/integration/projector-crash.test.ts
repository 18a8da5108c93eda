import { setTimeout as sleep } from 'node:timers/promises';
import { reliableProducerConfig } from '@order-service/kafka';
import { RedisProjectionStore } from '@order-service/projection';
import { expect } from 'chai';
import { createClient } from 'redis';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { createTopics, deleteGroup, deleteTopics, produceEvents, testKafka, waitForZeroLag } from '../support/kafka-fixtures.js';
import { expectedEntries, findMismatches, inRounds, orderHistories, seededRandom } from '../support/order-histories.js';
import { ProjectorProcess, type ProjectorSetting } from '../support/projector-instances.js';
import { waitFor } from '../../../../test/support/wait-for.js';

const KILLS = 5;

describe('cache projector: crash recovery (child processes, real Kafka and Redis)', function () {
  this.timeout(120_000);

  const kafka = testKafka();
  const admin = kafka.admin();
  const producer = kafka.producer(reliableProducerConfig());
  const redis = createClient({ url: testEnvironment.redisUrl });
  let setting: ProjectorSetting;
  let current: ProjectorProcess | undefined;

  before(async () => {
    await Promise.all([admin.connect(), producer.connect(), redis.connect()]);
    setting = {
      topic: uniqueName('it-crash'),
      deadLetterTopic: uniqueName('it-crash-dlq'),
      groupId: uniqueName('it-crash-group'),
      keyPrefix: uniqueName('it-crash'),
      // Static membership, as a StatefulSet pod would have: the restarted
      // process takes its partitions back at once instead of waiting for the
      // killed one's session to expire.
      groupInstanceId: uniqueName('it-crash-worker'),
      maxBatchSize: 200,
    };
    await createTopics(admin, setting.topic, setting.deadLetterTopic);
  });

  after(async () => {
    await current?.kill('SIGKILL');
    await deleteTopics(admin, [setting.topic, setting.deadLetterTopic]);
    await deleteGroup(admin, setting.groupId, 15_000);
    for await (const keys of redis.scanIterator({ MATCH: `${setting.keyPrefix}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.unlink(keys);
    }
    await Promise.all([admin.disconnect(), producer.disconnect(), redis.close()]);
  });

  it(`killed with SIGKILL ${KILLS} times at random moments under load, ends with every order in its final state`, async () => {
    const seed = Date.now();
    const random = seededRandom(seed);
    const histories = orderHistories(2_000, { prefix: uniqueName('o'), random });
    const store = new RedisProjectionStore(redis, { keyPrefix: setting.keyPrefix, tombstoneTtlSeconds: 3600 });

    current = ProjectorProcess.start(setting);
    const writing = (async () => {
      for (const round of inRounds(histories)) await produceEvents(producer, setting.topic, round, { chunk: 100, pauseMs: 150 });
    })();
    for (let kill = 1; kill <= KILLS; kill += 1) {
      const worker = current;
      // Kill only a worker that got as far as consuming, then at a random moment of its work.
      await waitFor(`worker ${kill} to start consuming`, () => worker.logged('consuming'), { describe: () => worker.output });
      await sleep(200 + random() * 1_000);
      expect(await worker.kill('SIGKILL'), `kill ${kill}`).to.deep.equal({ code: null, signal: 'SIGKILL' });
      current = ProjectorProcess.start(setting);
    }
    const survivor = current;
    await writing;
    await waitFor('the last worker to start consuming', () => survivor.logged('consuming'), { describe: () => survivor.output });
    await waitForZeroLag(admin, setting.groupId, setting.topic, 60_000);

    expect(await findMismatches(store, expectedEntries(histories)), `seed ${seed}`).to.deep.equal({ count: 0, examples: [] });
    expect(await survivor.kill('SIGTERM'), survivor.output).to.deep.equal({ code: 0, signal: null });
  });
});
