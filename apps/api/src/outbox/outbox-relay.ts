import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExponentialBackoff, IBackoff } from 'cockatiel';
import { errorFields } from '@order-service/runtime';
import { outboxBackoff } from './outbox-backoff.js';
import { OutboxDrainTimeout } from './outbox-errors.js';
import type { OutboxAppendSignal, OutboxLog, OutboxNotifications, OutboxPublisher, OutboxStore } from './outbox-ports.js';

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
  /** Longest pause between attempts while publishing fails. */
  maxBackoffMs: number;
  /**
   * How long each claim after a claim loop's first waits for more rows unless
   * the batch before it was full: a batch costs a transaction and a produce
   * request whatever it holds. Default 0 (claim at once).
   */
  lingerMs?: number;
}

export interface OutboxRelayDeps {
  store: OutboxStore;
  publisher: OutboxPublisher;
  notifications: OutboxNotifications;
  logger: OutboxLog;
  options: OutboxRelayOptions;
  /** Called after each committed batch with the Kafka send latency and the number of events; for a histogram. */
  onPublished?: (latencyMs: number, count: number) => void;
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

const DRAIN_CHECK_INTERVAL_MS = 25;

/**
 * Publishes the transactional outbox to Kafka, at least once and in order per
 * order: each batch is the oldest rows of the slots it claimed, in `id` order,
 * sent in one producer call, and deleted in the transaction that holds the
 * slots' locks, so rows leave the outbox only once Kafka acknowledged them. A
 * crash between the acknowledgement and the commit publishes the batch again;
 * consumers drop what they already applied by version.
 *
 * This process's writes (OutboxAppendSignal), notifications, the poll and
 * retries only mark the outbox dirty and start a
 * claim loop while fewer than `concurrency` run; each loop runs until it finds
 * no unclaimed slot with rows, waiting `lingerMs` before each claim after
 * its first unless the batch before it was full. Loops of one relay share slots the way relays
 * of several replicas do (a slot is held by one transaction at a time), so
 * every order's events still leave in version order. While attempts fail, the
 * relay waits with backoff before the next one.
 */
export class OutboxRelay implements OutboxAppendSignal {
  private readonly concurrency: number;
  private readonly lingerMs: number;
  private readonly backoff: ExponentialBackoff<number>;
  private state: RelayState = 'new';
  private stopping: Promise<void> | undefined;

  private dirty = false;
  private readonly claimLoops = new Set<Promise<void>>();
  private retryTimer: NodeJS.Timeout | undefined;
  /** The pause after the latest failed attempt; undefined while attempts succeed. */
  private failing: { backoff: IBackoff<unknown>; attempts: number; since: number } | undefined;
  private published = 0;
  private failed = 0;

  constructor(private readonly deps: OutboxRelayDeps) {
    this.concurrency = Math.max(1, deps.options.concurrency ?? 1);
    this.lingerMs = Math.max(0, deps.options.lingerMs ?? 0);
    this.backoff = outboxBackoff(deps.options.maxBackoffMs);
  }

  /**
   * Listens for outbox notifications, starts connecting the producer and
   * publishes what is waiting. Resolves once listening (or retrying to, when
   * PostgreSQL cannot be reached); does not wait for Kafka, so the API can
   * take writes while Kafka is down: they wait in the outbox.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('an OutboxRelay can be started once');
    this.state = 'running';
    await this.deps.notifications.start(() => this.wake());
    this.deps.publisher.start();
    this.wake();
    this.deps.logger.info('outbox relay started', { batch_size: this.deps.options.batchSize });
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
    while (await this.deps.store.hasRows()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new OutboxDrainTimeout(timeoutMs);
      this.wake();
      await sleep(Math.min(DRAIN_CHECK_INTERVAL_MS, left));
    }
  }

  appended(): void {
    this.wake();
  }

  stats(): OutboxRelayStats {
    return {
      published: this.published,
      failed: this.failed,
      failing: this.failing !== undefined,
      listening: this.deps.notifications.listening,
    };
  }

  /** Marks the outbox dirty and starts a claim loop unless `concurrency` run already or the relay is backing off. */
  private wake(): void {
    if (this.state !== 'running') return;
    this.dirty = true;
    if (this.claimLoops.size >= this.concurrency || this.retryTimer !== undefined) return;
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
        // The next slot with rows, until none has any. The first claim goes at once (an order after a quiet spell is
        // not held back); while rows keep coming, each batch that was not full gives the next rows lingerMs to gather.
        let claimed: number | undefined;
        while (this.state === 'running') {
          if (this.lingerMs > 0 && claimed !== undefined && claimed < this.deps.options.batchSize) await sleep(this.lingerMs);
          if (this.state !== 'running') break;
          claimed = await this.publishNextBatch();
          if (claimed === undefined) break;
        }
      } catch (error) {
        this.attemptFailed(error);
        return;
      }
      this.attemptSucceeded();
    }
  }

  /** Publishes the oldest rows of every unclaimed slot that has some; how many, or undefined when no slot has any. */
  private async publishNextBatch(): Promise<number | undefined> {
    // Nothing to publish needs no producer: an idle relay must not report Kafka trouble as failed attempts.
    if (!this.deps.publisher.connected && !(await this.deps.store.hasRows())) return undefined;
    let latencyMs = 0;
    const count = await this.deps.store.publishOldest(this.deps.options.batchSize, async (rows) => {
      const started = performance.now();
      await this.deps.publisher.publish(rows);
      latencyMs = performance.now() - started;
    });
    if (count !== undefined && count > 0) this.recordPublished(latencyMs, count);
    return count;
  }

  private recordPublished(latencyMs: number, count: number): void {
    this.published += count;
    try {
      this.deps.onPublished?.(latencyMs, count);
    } catch (error) {
      this.deps.logger.error('onPublished callback failed', { err: errorFields(error) });
    }
  }

  /** Logs the change into the failing state once, then only at debug, and schedules the retry. */
  private attemptFailed(error: unknown): void {
    this.failed += 1;
    const wasFailing = this.failing !== undefined;
    const failing = (this.failing ??= { backoff: this.backoff.next(), attempts: 0, since: Date.now() });
    failing.backoff = failing.backoff.next(undefined);
    failing.attempts += 1;
    const retryInMs = failing.backoff.duration;
    if (!wasFailing) {
      this.deps.logger.warn('outbox publishing is failing; rows stay in the outbox and the relay retries with backoff', {
        err: errorFields(error),
        retry_in_ms: retryInMs,
      });
    } else {
      this.deps.logger.debug('outbox publish attempt failed', { err: errorFields(error), attempt: failing.attempts, retry_in_ms: retryInMs });
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, retryInMs).unref();
  }

  private attemptSucceeded(): void {
    if (this.failing !== undefined) {
      this.deps.logger.info('outbox publishing recovered', {
        failed_attempts: this.failing.attempts,
        failing_for_ms: Date.now() - this.failing.since,
      });
    }
    this.failing = undefined;
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.deps.notifications.stop();
    await Promise.all(this.claimLoops);
    await this.deps.publisher.stop();
    this.state = 'stopped';
    if (wasRunning) this.deps.logger.info('outbox relay stopped', { published: this.published, failed: this.failed });
  }
}
