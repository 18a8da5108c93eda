import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import pg from 'pg';
import { EVENT_HEADERS } from '@order-service/contracts';
import type { KafkaJS } from '@order-service/kafka';
import { errorFields } from '@order-service/runtime';
import { namedStatement, runNamed } from '@order-service/infra';
import { OUTBOX_CHANNEL } from './knex-outbox.js';
import { KafkaNotConnected, OutboxDrainTimeout, OutboxPublishTimeout } from './outbox-errors.js';
import { IDEMPOTENCY_PRUNE_BATCH, pruneIdempotencyKeys } from '../adapters/prune-idempotency-keys.js';

/** One outbox row as the relay publishes it. */
export interface OutboxRow {
  id: number;
  slot: number;
  orderUid: string;
  version: number;
  eventType: string;
  /** The encoded event envelope, published as the record value. */
  payload: string;
  requestId: string | null;
  createdAt: Date;
}

export interface OutboxRelayOptions {
  /** Most rows claimed and published in one Kafka send. */
  batchSize: number;
  /**
   * Claim loops this relay runs at once, each holding the slots it claimed
   * until Kafka acknowledged their rows. Rows that arrive while a send is in
   * flight go out at once from a slot no loop holds, instead of waiting for
   * that send. Default 1.
   */
  concurrency?: number;
  /** Fallback poll when no notification arrives (a lost LISTEN connection, a missed NOTIFY). */
  pollIntervalMs: number;
  /** Longest a send (and a producer connect) may take before the attempt counts as failed. */
  publishTimeoutMs: number;
  /** Longest pause between attempts while publishing fails; also caps LISTEN reconnect pauses. */
  maxBackoffMs: number;
  /** Idempotency keys older than this are pruned. Default 24. */
  idempotencyRetentionHours?: number;
  /** How often idempotency keys are pruned. Default 5 minutes. */
  idempotencyPruneIntervalMs?: number;
}

/** The logger methods the relay uses; a winston logger fits. */
export interface OutboxRelayLog {
  error(message: string, meta?: object): unknown;
  warn(message: string, meta?: object): unknown;
  info(message: string, meta?: object): unknown;
  debug(message: string, meta?: object): unknown;
}

export interface OutboxRelayDeps {
  db: Knex;
  /**
   * Makes a producer; the relay connects it. A factory rather than an instance
   * because a KafkaJS producer can be connected only once: when Kafka is down
   * at start (connect fails after ~30 s) or the producer hits a fatal error, the
   * relay needs a fresh one. Give it `reliableProducerConfig(publishTimeoutMs)`
   * so the producer's own delivery timeout matches the relay's.
   */
  createProducer: () => KafkaJS.Producer;
  topic: string;
  logger: OutboxRelayLog;
  /** A direct PostgreSQL connection (not a transaction-pooling proxy, which cannot LISTEN). */
  listenConnectionString: string;
  options: OutboxRelayOptions;
  /** Called after each committed batch with the Kafka send latency and the number of events; for a histogram. */
  onPublished?: (latencyMs: number, count: number) => void;
  hooks?: {
    /** Runs after Kafka acknowledged a batch and before its rows are deleted; a throw rolls the batch back (tests simulate a crash with it). */
    afterPublish?: (rows: readonly OutboxRow[]) => Promise<void>;
  };
}

/** What waits in the outbox, across every relay. */
export interface OutboxBacklog {
  rows: number;
  /** Age of the oldest waiting row; 0 when the outbox is empty. */
  oldestAgeSeconds: number;
}

/** Counters of this relay since it was built. */
export interface OutboxRelayStats {
  /** Events published and removed from the outbox (tombstones not counted). */
  published: number;
  /** Attempts that failed; their rows stayed in the outbox. */
  failed: number;
  /** Whether the latest attempt failed and the relay is backing off. */
  failing: boolean;
  /** Whether the LISTEN connection is up (otherwise the relay only polls). */
  listening: boolean;
}

type RelayState = 'new' | 'running' | 'stopping' | 'stopped';

interface ProducerHandle {
  producer: KafkaJS.Producer;
  status: 'connecting' | 'connected' | 'failed';
  error?: unknown;
  /** Resolves (never rejects) once connect() settled. */
  settled: Promise<void>;
}

interface OutboxRecord {
  id: number | string;
  slot: number;
  order_uid: string;
  version: number;
  event_type: string;
  payload: string;
  request_id: string | null;
  created_at: Date;
}

const INITIAL_BACKOFF_MS = 100;
const DEFAULT_RETENTION_HOURS = 24;
const DEFAULT_PRUNE_INTERVAL_MS = 5 * 60_000;
/** A prune run deletes at most this many batches, so a large first clean-up is spread over several runs. */
const MAX_PRUNE_BATCHES_PER_RUN = 10;
const DRAIN_CHECK_INTERVAL_MS = 25;
const LISTEN_CONNECT_TIMEOUT_MS = 5_000;

// A batch's three statements are named, so PostgreSQL plans each once per connection.

/**
 * Locks the slots that have rows, skipping slots other relays hold, so
 * replicas share the slots and a slot is published by one relay at a time.
 * All of them at once: one Kafka send then carries every slot's rows, which is
 * what keeps the relay's rate (and the projection lag) independent of how the
 * rows spread over slots. Random order keeps a busy slot from starving others
 * when another relay holds some.
 */
const CLAIM_SLOTS = namedStatement(
  'order-service/outbox-claim-slots',
  `select s.slot from outbox_slots s
    where exists (select 1 from outbox o where o.slot = s.slot)
    order by random()
    for update of s skip locked`,
);
/** The oldest rows of the claimed slots, in `id` order across them: for each order that is its version order. */
const OLDEST_ROWS = namedStatement(
  'order-service/outbox-oldest-rows',
  `select id, slot, order_uid, version, event_type, payload, request_id, created_at from outbox
    where slot = any(?::smallint[]) order by id limit ?`,
);
/** Rows Kafka acknowledged leave the outbox. */
const DELETE_ROWS = namedStatement('order-service/outbox-delete-rows', 'delete from outbox where id = any(?::bigint[])');

/**
 * Publishes the transactional outbox to Kafka, at least once and in order per
 * order: each batch is the oldest rows of the slots it claimed, in `id` order,
 * sent in one producer call, and deleted in the transaction that holds the slots' locks, so
 * rows leave the outbox only once Kafka acknowledged them. A crash between the
 * acknowledgement and the commit publishes the batch again; consumers drop
 * what they already applied by version.
 *
 * Notifications, the poll and retries only mark the outbox dirty and start a
 * claim loop while fewer than `concurrency` run; each loop runs until it finds
 * no unclaimed slot with rows. Loops of one relay share slots the way relays
 * of several replicas do (a slot is held by one transaction at a time), so
 * every order's events still leave in version order.
 */
export class OutboxRelay {
  private readonly options: Required<OutboxRelayOptions>;
  private readonly logger: OutboxRelayLog;
  private state: RelayState = 'new';
  private stopping: Promise<void> | undefined;

  private dirty = false;
  private readonly claimLoops = new Set<Promise<void>>();
  private retryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private consecutiveFailures = 0;
  private failingSince: number | undefined;
  private published = 0;
  private failed = 0;

  private kafka: ProducerHandle | undefined;

  private listener: pg.Client | undefined;
  private listenerRetryTimer: NodeJS.Timeout | undefined;
  private listenerReconnect: Promise<void> | undefined;

  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<void> | undefined;

  constructor(private readonly deps: OutboxRelayDeps) {
    this.options = {
      ...deps.options,
      concurrency: Math.max(1, deps.options.concurrency ?? 1),
      idempotencyRetentionHours: deps.options.idempotencyRetentionHours ?? DEFAULT_RETENTION_HOURS,
      idempotencyPruneIntervalMs: deps.options.idempotencyPruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS,
    };
    this.logger = deps.logger;
  }

  /**
   * Listens for outbox notifications, starts connecting the producer and
   * publishes what is waiting. Resolves once the LISTEN connection is up (throws
   * if PostgreSQL cannot be reached); does not wait for Kafka, so the API can
   * take writes while Kafka is down: they wait in the outbox.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('an OutboxRelay can be started once');
    this.state = 'running';
    // PostgreSQL may be down at start: the relay then polls and keeps trying to LISTEN.
    await this.listen().catch((error: unknown) => {
      this.logger.warn('outbox listener could not connect; retrying', { err: errorFields(error) });
      this.scheduleListen(1);
    });
    this.kafka = this.connectProducer();
    this.pollTimer = setInterval(() => this.wake(), this.options.pollIntervalMs).unref();
    this.pruneTimer = setInterval(() => this.prune(), this.options.idempotencyPruneIntervalMs).unref();
    this.prune();
    this.wake();
    this.logger.info('outbox relay started', { topic: this.deps.topic, batch_size: this.options.batchSize });
  }

  /**
   * Stops taking new batches, lets the batch in flight finish (commit or roll
   * back), then flushes and disconnects the producer. Safe to call twice.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Resolves once the outbox is empty (whichever relay published it); throws OutboxDrainTimeout after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (await this.outboxHasRows()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new OutboxDrainTimeout(timeoutMs);
      this.wake();
      await sleep(Math.min(DRAIN_CHECK_INTERVAL_MS, left));
    }
  }

  /** Rows waiting in the outbox and the age of the oldest, for a gauge. */
  async backlog(): Promise<OutboxBacklog> {
    const result = (await this.deps.db.raw(
      `select count(*)::int as rows,
              coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest_age_seconds
         from outbox`,
    )) as { rows: Array<{ rows: number; oldest_age_seconds: number }> };
    const row = result.rows[0];
    return { rows: row?.rows ?? 0, oldestAgeSeconds: Math.max(0, row?.oldest_age_seconds ?? 0) };
  }

  stats(): OutboxRelayStats {
    return {
      published: this.published,
      failed: this.failed,
      failing: this.failingSince !== undefined,
      listening: this.listener !== undefined,
    };
  }

  /** Marks the outbox dirty and starts a claim loop unless `concurrency` run already or the relay is backing off. */
  private wake(): void {
    if (this.state !== 'running') return;
    this.dirty = true;
    if (this.claimLoops.size >= this.options.concurrency || this.retryTimer !== undefined) return;
    const loop: Promise<void> = this.claimUntilEmpty().finally(() => {
      this.claimLoops.delete(loop);
      if (this.dirty) this.wake();
    });
    this.claimLoops.add(loop);
  }

  private async claimUntilEmpty(): Promise<void> {
    while (this.dirty && this.state === 'running') {
      this.dirty = false;
      try {
        while (this.state === 'running' && (await this.publishNextBatch())) {
          // The next slot with rows, until none has any.
        }
      } catch (error) {
        this.attemptFailed(error);
        return;
      }
      this.attemptSucceeded();
    }
  }

  /** Publishes the oldest rows of every unclaimed slot that has some; false when none has. */
  private async publishNextBatch(): Promise<boolean> {
    // Nothing to publish needs no producer: an idle relay must not report Kafka trouble as failed attempts.
    if (this.kafka?.status !== 'connected' && !(await this.outboxHasRows())) return false;
    const producer = await this.connectedProducer();
    const outcome = await this.deps.db.transaction(async (trx) => {
      const slots = (await runNamed<{ slot: number }>(trx, CLAIM_SLOTS, [])).map((row) => row.slot);
      if (slots.length === 0) return undefined;
      const records = await runNamed<OutboxRecord>(trx, OLDEST_ROWS, [slots, this.options.batchSize]);
      // Another relay emptied the slot after this statement's snapshot saw rows in it.
      if (records.length === 0) return { count: 0, latencyMs: 0 };
      const rows = records.map(rowOf);
      const started = performance.now();
      await this.send(producer, rows);
      const latencyMs = performance.now() - started;
      await this.deps.hooks?.afterPublish?.(rows);
      await runNamed(trx, DELETE_ROWS, [rows.map((row) => row.id)]);
      return { count: rows.length, latencyMs };
    });
    if (outcome === undefined) return false;
    if (outcome.count > 0) this.recordPublished(outcome.latencyMs, outcome.count);
    return true;
  }

  /**
   * One producer call for the batch, bounded by the publish timeout. After a
   * timeout the slot is kept until the producer settled the records (its
   * `message.timeout.ms` bounds that): releasing it earlier would let another
   * relay publish the same rows while these are in flight, and a late copy
   * landing after newer events of its order is what compaction would keep.
   */
  private async send(producer: KafkaJS.Producer, rows: readonly OutboxRow[]): Promise<void> {
    const sending = producer.send({ topic: this.deps.topic, messages: rows.flatMap(messagesOf) });
    if (await settlesWithin(sending, this.options.publishTimeoutMs)) {
      await sending;
      return;
    }
    this.logger.debug('publish timed out; holding the slot until the producer settles the batch', { rows: rows.length });
    await sending.catch(() => undefined);
    throw new OutboxPublishTimeout(this.options.publishTimeoutMs, rows.length);
  }

  private recordPublished(latencyMs: number, count: number): void {
    this.published += count;
    try {
      this.deps.onPublished?.(latencyMs, count);
    } catch (error) {
      this.logger.error('onPublished callback failed', { err: errorFields(error) });
    }
  }

  /** Logs the change into the failing state once, then only at debug, and schedules the retry. */
  private attemptFailed(error: unknown): void {
    this.failed += 1;
    this.consecutiveFailures += 1;
    if (isFatalKafkaError(error)) this.discardProducer();
    const retryInMs = backoffDelay(this.consecutiveFailures, this.options.maxBackoffMs);
    if (this.failingSince === undefined) {
      this.failingSince = Date.now();
      this.logger.warn('outbox publishing is failing; rows stay in the outbox and the relay retries with backoff', {
        err: errorFields(error),
        retry_in_ms: retryInMs,
      });
    } else {
      this.logger.debug('outbox publish attempt failed', { err: errorFields(error), attempt: this.consecutiveFailures, retry_in_ms: retryInMs });
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, retryInMs).unref();
  }

  private attemptSucceeded(): void {
    if (this.failingSince !== undefined) {
      this.logger.info('outbox publishing recovered', {
        failed_attempts: this.consecutiveFailures,
        failing_for_ms: Date.now() - this.failingSince,
      });
    }
    this.failingSince = undefined;
    this.consecutiveFailures = 0;
  }

  private async outboxHasRows(): Promise<boolean> {
    const result = (await this.deps.db.raw('select exists (select 1 from outbox) as pending')) as { rows: Array<{ pending: boolean }> };
    return result.rows[0]?.pending === true;
  }

  /** Starts connecting a new producer; connect() can only be called once per producer and cannot be cancelled. */
  private connectProducer(): ProducerHandle {
    const producer = this.deps.createProducer();
    const handle: ProducerHandle = { producer, status: 'connecting', settled: Promise.resolve() };
    handle.settled = producer.connect().then(
      () => {
        handle.status = 'connected';
        if (this.kafka !== handle) void disconnectQuietly(producer);
      },
      (error: unknown) => {
        handle.status = 'failed';
        handle.error = error;
      },
    );
    return handle;
  }

  /**
   * The connected producer, waiting up to the publish timeout for a connect in
   * progress; a producer whose connect failed is replaced by a new one. A slow
   * connect is waited for again by the next attempt rather than started anew,
   * so at most one producer exists at a time.
   */
  private async connectedProducer(): Promise<KafkaJS.Producer> {
    if (this.kafka?.status === 'failed') this.kafka = undefined;
    const handle = (this.kafka ??= this.connectProducer());
    if (handle.status === 'connecting' && !(await settlesWithin(handle.settled, this.options.publishTimeoutMs))) {
      throw new KafkaNotConnected(`no connection within ${this.options.publishTimeoutMs} ms`);
    }
    if (handle.status !== 'connected') {
      throw new KafkaNotConnected(errorFields(handle.error).message, { cause: handle.error });
    }
    return handle.producer;
  }

  /** Drops a producer after a fatal error; the next attempt connects a new one. */
  private discardProducer(): void {
    const handle = this.kafka;
    this.kafka = undefined;
    if (handle?.status === 'connected') void disconnectQuietly(handle.producer);
  }

  private async releaseProducer(): Promise<void> {
    const handle = this.kafka;
    this.kafka = undefined;
    if (handle === undefined) return;
    if (handle.status === 'connecting') {
      // Disconnecting waits for the connect anyway; let it finish on its own (connectProducer disconnects it).
      return;
    }
    if (handle.status !== 'connected') return;
    try {
      await handle.producer.flush({ timeout: this.options.publishTimeoutMs });
    } catch (error) {
      this.logger.warn('producer flush failed', { err: errorFields(error) });
    }
    try {
      await handle.producer.disconnect();
    } catch (error) {
      this.logger.warn('producer disconnect failed', { err: errorFields(error) });
    }
  }

  /** Opens the LISTEN connection; a notification wakes the claim loop. */
  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.deps.listenConnectionString,
      application_name: 'order-api-outbox-listener',
      // A connection cut without a reset is only noticed through keepalives; until then the poll covers.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: LISTEN_CONNECT_TIMEOUT_MS,
    });
    // Kept for the client's whole life: an 'error' without a listener would crash the process.
    client.on('error', (error) => this.listenerLost(client, error));
    client.on('end', () => this.listenerLost(client, undefined));
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query(`listen ${OUTBOX_CHANNEL}`);
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
    if (this.state !== 'running') {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
  }

  private listenerLost(client: pg.Client, error: unknown): void {
    if (client !== this.listener) return;
    this.listener = undefined;
    void client.end().catch(() => undefined);
    if (this.state !== 'running') return;
    this.logger.warn('outbox LISTEN connection lost; polling until it is back', {
      ...(error === undefined ? {} : { err: errorFields(error) }),
      poll_interval_ms: this.options.pollIntervalMs,
    });
    this.scheduleListen(1);
  }

  private scheduleListen(attempt: number): void {
    this.listenerRetryTimer = setTimeout(
      () => {
        this.listenerRetryTimer = undefined;
        this.listenerReconnect = this.listen()
          .then(
            () => {
              if (this.state !== 'running') return;
              this.logger.info('outbox LISTEN connection restored', { attempts: attempt });
              // Notifications sent while the connection was down are lost.
              this.wake();
            },
            (error: unknown) => {
              if (this.state !== 'running') return;
              this.logger.debug('outbox LISTEN reconnect failed', { err: errorFields(error), attempt });
              this.scheduleListen(attempt + 1);
            },
          )
          .finally(() => {
            this.listenerReconnect = undefined;
          });
      },
      backoffDelay(attempt, this.options.maxBackoffMs),
    ).unref();
  }

  private async closeListener(): Promise<void> {
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Starts a prune run unless one is running. */
  private prune(): void {
    if (this.state !== 'running' || this.pruning !== undefined) return;
    this.pruning = this.pruneExpiredIdempotencyKeys().finally(() => {
      this.pruning = undefined;
    });
  }

  private async pruneExpiredIdempotencyKeys(): Promise<void> {
    try {
      let deleted = 0;
      for (let batch = 0; batch < MAX_PRUNE_BATCHES_PER_RUN && this.state === 'running'; batch += 1) {
        const count = await pruneIdempotencyKeys(this.deps.db, this.options.idempotencyRetentionHours);
        deleted += count;
        if (count < IDEMPOTENCY_PRUNE_BATCH) break;
      }
      if (deleted > 0) this.logger.info('expired idempotency keys pruned', { deleted, retention_hours: this.options.idempotencyRetentionHours });
    } catch (error) {
      this.logger.warn('pruning idempotency keys failed; retrying at the next interval', { err: errorFields(error) });
    }
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    clearInterval(this.pollTimer);
    clearInterval(this.pruneTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.listenerRetryTimer);
    this.retryTimer = undefined;
    await this.listenerReconnect;
    await this.closeListener();
    await Promise.all(this.claimLoops);
    await this.pruning;
    await this.releaseProducer();
    this.state = 'stopped';
    if (wasRunning) this.logger.info('outbox relay stopped', { published: this.published, failed: this.failed });
  }
}

function rowOf(record: OutboxRecord): OutboxRow {
  return {
    id: Number(record.id),
    slot: record.slot,
    orderUid: record.order_uid,
    version: record.version,
    eventType: record.event_type,
    payload: record.payload,
    requestId: record.request_id,
    createdAt: record.created_at,
  };
}

/** The record of a row, keyed by order so an order's events share a partition; a delete is followed by its tombstone. */
function messagesOf(row: OutboxRow): KafkaJS.Message[] {
  const event: KafkaJS.Message = { key: row.orderUid, value: row.payload, headers: headersOf(row) };
  if (row.eventType !== 'order.deleted') return [event];
  // The tombstone lets compaction forget the order once consumers had time to see the delete.
  return [event, { key: row.orderUid, value: null, headers: headersOf(row) }];
}

function headersOf(row: OutboxRow): KafkaJS.IHeaders {
  const headers: KafkaJS.IHeaders = {
    [EVENT_HEADERS.type]: row.eventType,
    [EVENT_HEADERS.version]: String(row.version),
  };
  const schemaVersion = schemaVersionOf(row.payload);
  if (schemaVersion !== undefined) headers[EVENT_HEADERS.schemaVersion] = schemaVersion;
  if (row.requestId !== null) headers[EVENT_HEADERS.requestId] = row.requestId;
  return headers;
}

/**
 * The envelope's own schema version, not this build's: during a rolling
 * deploy the outbox holds rows written by the previous build. A payload that
 * does not parse is still published (without the header) for the consumer to
 * dead-letter, rather than block its slot forever.
 */
function schemaVersionOf(payload: string): string | undefined {
  try {
    const version = (JSON.parse(payload) as { schema_version?: unknown }).schema_version;
    return typeof version === 'number' ? String(version) : undefined;
  } catch {
    return undefined;
  }
}

/** Exponential from 100 ms up to `maxMs`, with jitter so replicas do not retry in step. */
function backoffDelay(attempt: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, INITIAL_BACKOFF_MS * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Whether `promise` settles (either way) within `ms`; never rejects. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    const settled = promise.then(
      () => true,
      () => true,
    );
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** librdkafka marks errors after which a producer can no longer be used (an idempotence sequence it cannot recover). */
function isFatalKafkaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { fatal?: unknown }).fatal === true;
}

async function disconnectQuietly(producer: KafkaJS.Producer): Promise<void> {
  await producer.disconnect().catch(() => undefined);
}
