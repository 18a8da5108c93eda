import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateLatest } from '../../infra/src/index.js';
import { createDatabase, ensureDatabase } from '../../packages/postgres/src/index.js';
import { startBenchAuth } from './bench-auth.js';
import type { BenchStack } from './bench-servers.js';
import { ChildProcesses } from './child-processes.js';
import type { ProcessGroups } from './cpu-usage.js';
import { stackProcesses } from './stack-processes.js';
import type { BenchOptions } from './options.js';
import { BenchTopics } from './order-events-topic.js';
import { progress } from './progress-log.js';
import { connectRedis, deleteKeys, type RedisConnection } from './redis-connection.js';
import { ROOT } from './workspace.js';

export type Database = ReturnType<typeof createDatabase>;

/** Any number, as long as every copy of the suite uses the same: one suite at a time per database. */
const SUITE_LOCK = 815_150;

/** Orders seeded for the read benchmarks, readable as `${uidPrefix}-0000001` … */
export interface SeededOrders {
  uidPrefix: string;
  count: number;
}

/** What every benchmark shares: the stack, the processes it started, and figures later rows compare against. */
export class BenchContext {
  readonly children: ChildProcesses;
  readonly topics: BenchTopics;
  readonly tmpDir: string;
  readonly profileDir: string;
  /** PostgreSQL's backends of the suite's database, redis-server and the broker, for CPU time per operation. */
  readonly stackProcesses: ProcessGroups;
  /** Orders POST /orders took per second at c=8 in this run; the projector's row compares against it. */
  postCeiling: number | undefined;
  seeded: SeededOrders | undefined;
  readonly #eventTopics = new Map<number, Promise<string>>();
  #closing: Promise<void> | undefined;

  private constructor(
    readonly options: BenchOptions,
    readonly stack: BenchStack,
    readonly db: Database,
    readonly pgbenchDb: Database,
    readonly redis: RedisConnection,
    private readonly lock: Database,
  ) {
    this.children = new ChildProcesses(options.pin);
    this.topics = new BenchTopics(stack.brokers);
    this.tmpDir = mkdtempSync(join(tmpdir(), 'order-bench-'));
    this.profileDir = join(ROOT, 'test-results', 'bench', 'profiles');
    this.stackProcesses = stackProcesses({ databaseUrls: [stack.databaseUrl], redisUrl: stack.redisUrl, brokers: stack.brokers });
    mkdirSync(this.profileDir, { recursive: true });
  }

  static async open(options: BenchOptions): Promise<BenchContext> {
    const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orders_bench';
    const stack: BenchStack = {
      databaseUrl,
      pgbenchDatabaseUrl: process.env.BENCH_PGBENCH_DATABASE_URL ?? `${databaseUrl}_pgbench`,
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()),
      runId: `bench-${Date.now().toString(36)}`,
    };
    // The suite's databases, created and migrated like the system's own (scripts/lib/bootstrap.sh ensure_schema).
    for (const url of [databaseUrl, stack.pgbenchDatabaseUrl]) await migrate(url);
    const lock = createDatabase({ url: databaseUrl, poolMin: 1, poolMax: 1, applicationName: 'order-bench-lock' });
    const locked = (await lock.raw('select pg_try_advisory_lock(?) as locked', [SUITE_LOCK])) as { rows: Array<{ locked: boolean }> };
    if (locked.rows[0]?.locked !== true) {
      await lock.destroy();
      throw new Error(`another ./scripts/bench is using ${databaseUrl}; run one at a time (they would skew each other's figures anyway)`);
    }
    const db = createDatabase({ url: databaseUrl, poolMax: 4, applicationName: 'order-bench' });
    const pgbenchDb = createDatabase({ url: stack.pgbenchDatabaseUrl, poolMax: 2, applicationName: 'order-bench' });
    const redis = await connectRedis(stack.redisUrl);
    const auth = await startBenchAuth();
    const context = new BenchContext(options, stack, db, pgbenchDb, redis, lock);
    context.closeAuth = () => auth.server.close();
    await context.topics.connect();
    progress(`run ${stack.runId}: database ${databaseUrl}, Redis ${stack.redisUrl}, Kafka ${stack.brokers.join(',')}`);
    return context;
  }

  /** The suite's own key prefix under `runId`, e.g. `bench-xyz:get`. */
  keyPrefix(name: string): string {
    return `${this.stack.runId}:${name}`;
  }

  /** The suite's own topic name, e.g. `bench-xyz-orders`. */
  topicName(name: string): string {
    return `${this.stack.runId}-${name}`;
  }

  /** A topic of `count` generated events for the projector and replay rows, filled once per run and count. */
  eventsTopic(count: number): Promise<string> {
    let filling = this.#eventTopics.get(count);
    if (filling) return filling;
    filling = (async () => {
      const topic = this.topicName(`events-${count}`);
      await this.topics.create(topic);
      progress(`producing ${count.toLocaleString('en-US')} order events to ${topic}`);
      let reported = 0;
      const bytes = await this.topics.fill(topic, count, `${this.stack.runId}-ev`, (done) => {
        if (done - reported >= 100_000) {
          reported = done;
          progress(`  ${done.toLocaleString('en-US')} events produced`);
        }
      });
      progress(`produced ${count.toLocaleString('en-US')} events, ${(bytes / count).toFixed(0)} bytes each on average`);
      return topic;
    })();
    this.#eventTopics.set(count, filling);
    return filling;
  }

  /** Stops every process, deletes the run's topics and Redis keys, and releases the suite lock; safe to call twice. */
  /** Stops the suite's token issuer. */
  private closeAuth: () => Promise<void> = async () => undefined;

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.children.stopAll();
    await this.topics.close();
    await this.closeAuth().catch(() => undefined);
    const deleted = await deleteKeys(this.redis, this.stack.runId).catch(() => 0);
    progress(`cleaned up: topics of ${this.stack.runId} and ${deleted} Redis keys deleted`);
    await this.redis.close().catch(() => undefined);
    await this.db.destroy();
    await this.pgbenchDb.destroy();
    await this.lock.destroy();
    rmSync(this.tmpDir, { recursive: true, force: true });
  }
}

async function migrate(url: string): Promise<void> {
  await ensureDatabase(url);
  const db = createDatabase({ url, poolMax: 1, applicationName: 'order-bench-migrate' });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}
