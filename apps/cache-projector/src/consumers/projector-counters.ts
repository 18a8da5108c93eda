import type { OrderEvent } from '@order-service/contracts';

/** What one applied batch did, as the consumer reports it. */
export interface BatchReport {
  readonly topic: string;
  readonly partition: number;
  readonly applied: number;
  readonly stale: number;
  readonly deadLettered: number;
  /** Records with a null value: compaction tombstones, skipped. */
  readonly tombstones: number;
  /** From receiving the batch to having it in Redis (and the DLQ), retries included. */
  readonly latencyMs: number;
  /** Records behind the batch on its partition when it was received; null when the client did not know the high watermark. */
  readonly lag: number | null;
  /** How long before the batch was in Redis its oldest event happened (its occurred_at); null for a batch without events. */
  readonly oldestEventAgeMs: number | null;
  /** Unix time in ms of the batch's newest event (its occurred_at); null for a batch without events. */
  readonly newestEventAtMs: number | null;
}

/**
 * Running totals of this process, plain numbers to be exported by a metrics
 * library later (counters are monotonic; the latency and lags are gauges).
 */
export class ProjectorCounters {
  #applied = 0;
  #stale = 0;
  #deadLettered = 0;
  #tombstones = 0;
  #batches = 0;
  #failedAttempts = 0;
  #commitFailures = 0;
  #lastApplyLatencyMs = 0;
  /** Unix time in ms of the newest event put in Redis, per topic. */
  readonly #newestAppliedEventAtMs = new Map<string, number>();
  /** What each partition this worker owns last reported, keyed by `topic:partition`. */
  readonly #partitions = new Map<string, PartitionState>();

  /** `onBatch` sees every batch report too, for latency histograms. */
  constructor(private readonly onBatch?: (report: BatchReport) => void) {}

  /** Events whose version was newer than the cache's, so they were written. */
  get applied(): number {
    return this.#applied;
  }

  /** Events the cache already had (duplicates, redeliveries) or had newer. */
  get stale(): number {
    return this.#stale;
  }

  /** Records parked in the dead-letter topic. */
  get deadLettered(): number {
    return this.#deadLettered;
  }

  get tombstones(): number {
    return this.#tombstones;
  }

  /** Batches applied and committed (or handed to a commit). */
  get batches(): number {
    return this.#batches;
  }

  /** Tries of a batch that failed (Redis, DLQ or pub/sub unavailable) and were retried. */
  get failedAttempts(): number {
    return this.#failedAttempts;
  }

  /** Offset commits that failed; the batch stays applied and a later commit covers it. */
  get commitFailures(): number {
    return this.#commitFailures;
  }

  get lastApplyLatencyMs(): number {
    return this.#lastApplyLatencyMs;
  }

  /** Per topic, the unix time in ms of the newest event this process put in Redis; empty before the first batch. */
  newestAppliedEvents(): Array<{ topic: string; atMs: number }> {
    return [...this.#newestAppliedEventAtMs].map(([topic, atMs]) => ({ topic, atMs }));
  }

  /** Lag of each owned partition after its last batch. */
  lags(): Array<{ topic: string; partition: number; lag: number }> {
    return [...this.#partitions.values()].flatMap(({ topic, partition, lag }) => (lag === null ? [] : [{ topic, partition, lag }]));
  }

  /** Per owned partition, the unix time in ms of the newest event this process put in Redis from it; none before its first batch with events. */
  newestAppliedEventsByPartition(): Array<{ topic: string; partition: number; atMs: number }> {
    return [...this.#partitions.values()].flatMap(({ topic, partition, newestAppliedAtMs: atMs }) => (atMs === null ? [] : [{ topic, partition, atMs }]));
  }

  recordBatch(report: BatchReport): void {
    this.onBatch?.(report);
    this.#batches += 1;
    this.#applied += report.applied;
    this.#stale += report.stale;
    this.#deadLettered += report.deadLettered;
    this.#tombstones += report.tombstones;
    this.#lastApplyLatencyMs = report.latencyMs;
    const newestOfTopic = newest(this.#newestAppliedEventAtMs.get(report.topic) ?? null, report.newestEventAtMs);
    if (newestOfTopic !== null) this.#newestAppliedEventAtMs.set(report.topic, newestOfTopic);
    const key = `${report.topic}:${report.partition}`;
    const known = this.#partitions.get(key);
    this.#partitions.set(key, {
      topic: report.topic,
      partition: report.partition,
      lag: report.lag ?? known?.lag ?? null,
      newestAppliedAtMs: newest(known?.newestAppliedAtMs ?? null, report.newestEventAtMs),
    });
  }

  recordFailedAttempt(): void {
    this.#failedAttempts += 1;
  }

  recordCommitFailure(): void {
    this.#commitFailures += 1;
  }

  /** Partitions given to another worker: their lag and newest event are no longer this worker's to report. */
  forgetPartitions(partitions: ReadonlyArray<{ topic: string; partition: number }>): void {
    for (const { topic, partition } of partitions) this.#partitions.delete(`${topic}:${partition}`);
  }
}

/** The last report of one owned partition: its lag (null until the client knew a high watermark) and newest applied event. */
interface PartitionState {
  topic: string;
  partition: number;
  lag: number | null;
  newestAppliedAtMs: number | null;
}

/** The later of two unix times, either of which may be unknown. */
function newest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

/** Unix time in ms of the latest of `events` (their occurred_at); null for none. */
export function newestEventAtMs(events: readonly OrderEvent[]): number | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (const event of events) newest = Math.max(newest, Date.parse(event.occurred_at));
  return Number.isFinite(newest) ? newest : null;
}

/** How long ago the earliest of `events` happened, by the clock of this process; null for none. */
export function oldestEventAgeMs(events: readonly OrderEvent[]): number | null {
  let oldest = Number.POSITIVE_INFINITY;
  for (const event of events) oldest = Math.min(oldest, Date.parse(event.occurred_at));
  return Number.isFinite(oldest) ? Math.max(0, Date.now() - oldest) : null;
}
