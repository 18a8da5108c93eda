import { LATENCY_BUCKETS, prometheus, type MetricsRegistry } from '@order-service/metrics';
import type { BatchReport, ProjectorCounters } from '../consumers/projector-counters.js';

/** From tens of milliseconds (a healthy pipeline) to minutes (a backlog after an outage or a replay). */
const EVENT_AGE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The projector's Prometheus metrics: totals read from its counters at scrape
 * time, and the apply latency and oldest event age of every batch.
 */
export class ProjectorMetrics {
  private readonly applyLatency: prometheus.Histogram;
  private readonly eventAge: prometheus.Histogram;

  constructor(readonly registry: MetricsRegistry) {
    this.applyLatency = new prometheus.Histogram({
      name: 'projection_apply_duration_seconds',
      help: 'From receiving a batch to having it in Redis (retries included).',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.eventAge = new prometheus.Histogram({
      name: 'projection_event_age_seconds',
      help: "Age of each applied batch's oldest event (since its commit in PostgreSQL, the event's occurred_at) once the batch was in Redis: how far the cache trails the database.",
      buckets: EVENT_AGE_BUCKETS,
      registers: [registry],
    });
  }

  observeBatch(report: BatchReport): void {
    this.applyLatency.observe(report.latencyMs / 1000);
    if (report.oldestEventAgeMs !== null) this.eventAge.observe(report.oldestEventAgeMs / 1000);
  }

  /** Registers the counter-backed metrics; call once the counters exist. */
  track(counters: ProjectorCounters): void {
    const total = (name: string, help: string, read: () => number): void => {
      new prometheus.Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    total('projection_events_applied_total', 'Events written to the cache (newer than what it held).', () => counters.applied);
    total('projection_events_stale_total', 'Events the cache already had or had newer.', () => counters.stale);
    total('projection_dead_letters_total', 'Records sent to the dead-letter topic.', () => counters.deadLettered);
    total('projection_batches_total', 'Batches applied and committed.', () => counters.batches);
    total('projection_failed_attempts_total', 'Batch attempts that failed and were retried.', () => counters.failedAttempts);
    /** A gauge read from the counters at scrape time: one series per entry `read` returns, none when it returns none. */
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], read: () => Array<[Record<L, string>, number]>): void => {
      new prometheus.Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.set(labels, value);
        },
      });
    };
    gauge(
      'projection_last_applied_event_timestamp_seconds',
      "Unix time of the newest event (its occurred_at) this process put in Redis; absent before the first. With the API's outbox_last_published_event_timestamp_seconds it gives the cache's staleness even while no projector runs.",
      ['topic'],
      () => counters.newestAppliedEvents().map(({ topic, atMs }) => [{ topic }, atMs / 1000]),
    );
    gauge(
      'projection_partition_last_applied_event_timestamp_seconds',
      "Unix time of the newest event (its occurred_at) this worker put in Redis from each partition it owns: the age of that partition's part of the cache is the time since.",
      ['topic', 'partition'],
      () => counters.newestAppliedEventsByPartition().map(({ topic, partition, atMs }) => [{ topic, partition: String(partition) }, atMs / 1000]),
    );
    gauge('projection_consumer_lag', 'Records behind on each partition this worker owns, after its last batch.', ['topic', 'partition'], () =>
      counters.lags().map(({ topic, partition, lag }) => [{ topic, partition: String(partition) }, lag]),
    );
  }
}
