// One point of the operations view, computed from two consecutive scrapes of the apps' metrics: pure functions.
import type { MetricSample } from './prometheus-text.js';

/** What one sampling read: the API's own samples and every projector's. */
export interface Scrape {
  atMs: number;
  api: MetricSample[];
  projectors: MetricSample[];
}

/** One point of every chart; null where the interval gave nothing to say (no reads, no requests, no projector answering). */
export interface OperationsPoint {
  at: string;
  outboxBacklogRows: number | null;
  outboxOldestAgeSeconds: number | null;
  /** How long the cache has lacked a published event (0 when it lacks none); as the ProjectionStale alert computes it. */
  stalenessSeconds: number | null;
  /** Mean age of the batches the projectors applied during the interval (projection_event_age_seconds). */
  eventAgeSeconds: number | null;
  /** Per partition, how long ago its newest applied event happened (its occurred_at), by the projector that owns it; an idle partition's grows too. */
  stalenessByPartition: Record<string, number>;
  /** Records behind, per partition, summed over the projectors that own them. */
  lagByPartition: Record<string, number>;
  /** Share of the interval's reads each tier answered. */
  hitRatioByTier: Record<string, number>;
  requestsPerSecond: number | null;
  p99Seconds: number | null;
  deadLettersTotal: number | null;
  deadLettersPerSecond: number | null;
}

/** What a sampler remembers between points: the newest applied event seen, while every projector may be down. */
export interface SamplerMemory {
  newestAppliedSeconds: number | null;
}

const sum = (samples: MetricSample[], name: string, match: (labels: Record<string, string>) => boolean = () => true): number | null => {
  const found = samples.filter((s) => s.name === name && match(s.labels));
  return found.length === 0 ? null : found.reduce((total, s) => total + s.value, 0);
};
const max = (samples: MetricSample[], name: string): number | null => {
  const found = samples.filter((s) => s.name === name);
  return found.length === 0 ? null : Math.max(...found.map((s) => s.value));
};
/** Per value of `label`, the samples of `name` folded with `combine` (summed by default). */
const byLabel = (samples: MetricSample[], name: string, label: string, combine: (a: number, b: number) => number = (a, b) => a + b): Map<string, number> => {
  const out = new Map<string, number>();
  for (const s of samples) {
    const key = s.labels[label];
    if (s.name !== name || key === undefined) continue;
    const known = out.get(key);
    out.set(key, known === undefined ? s.value : combine(known, s.value));
  }
  return out;
};
/** A counter's increase; a counter that went down was reset (a restart), so all of its value is new. */
const increase = (now: number | null, before: number | null): number | null => {
  if (now === null) return null;
  if (before === null || now < before) return now;
  return now - before;
};

/**
 * The point between `previous` and `current`. Rates and ratios are over the
 * interval between the two scrapes, like Prometheus' rate() over one step.
 */
export function operationsPoint(previous: Scrape | null, current: Scrape, memory: SamplerMemory): OperationsPoint {
  const { api, projectors } = current;
  const seconds = previous ? (current.atMs - previous.atMs) / 1000 : 0;

  const applied = max(projectors, 'projection_last_applied_event_timestamp_seconds');
  if (applied !== null) memory.newestAppliedSeconds = Math.max(memory.newestAppliedSeconds ?? 0, applied);
  const published = max(api, 'outbox_last_published_event_timestamp_seconds');
  let stalenessSeconds: number | null = null;
  if (published !== null) {
    const newest = memory.newestAppliedSeconds;
    stalenessSeconds = published > 0 && (newest === null || published > newest) ? Math.max(0, current.atMs / 1000 - (newest ?? published)) : 0;
  }

  const ageSum = increase(sum(projectors, 'projection_event_age_seconds_sum'), previous ? sum(previous.projectors, 'projection_event_age_seconds_sum') : null);
  const ageCount = increase(
    sum(projectors, 'projection_event_age_seconds_count'),
    previous ? sum(previous.projectors, 'projection_event_age_seconds_count') : null,
  );

  // While a partition moves between workers both may report it: the newer event is the cache's.
  const appliedByPartition = byLabel(projectors, 'projection_partition_last_applied_event_timestamp_seconds', 'partition', Math.max);
  const stalenessByPartition = Object.fromEntries([...appliedByPartition].map(([partition, at]) => [partition, Math.max(0, current.atMs / 1000 - at)]));

  const hitRatioByTier: Record<string, number> = {};
  if (previous) {
    const now = byLabel(api, 'order_reads_total', 'tier');
    const before = byLabel(previous.api, 'order_reads_total', 'tier');
    const reads = new Map([...now].map(([tier, value]) => [tier, increase(value, before.get(tier) ?? null) ?? 0]));
    const total = [...reads.values()].reduce((a, b) => a + b, 0);
    if (total > 0) for (const [tier, n] of reads) hitRatioByTier[tier] = n / total;
  }

  const requests = previous ? increase(sum(api, 'http_request_duration_seconds_count'), sum(previous.api, 'http_request_duration_seconds_count')) : null;
  const deadLettersTotal = sum(projectors, 'projection_dead_letters_total');
  const deadLetters = previous ? increase(deadLettersTotal, sum(previous.projectors, 'projection_dead_letters_total')) : null;

  return {
    at: new Date(current.atMs).toISOString(),
    outboxBacklogRows: max(api, 'outbox_backlog_rows'),
    outboxOldestAgeSeconds: max(api, 'outbox_oldest_age_seconds'),
    stalenessSeconds,
    eventAgeSeconds: ageSum !== null && ageCount !== null && ageCount > 0 ? ageSum / ageCount : null,
    stalenessByPartition,
    lagByPartition: Object.fromEntries(byLabel(projectors, 'projection_consumer_lag', 'partition')),
    hitRatioByTier,
    requestsPerSecond: requests !== null && seconds > 0 ? requests / seconds : null,
    p99Seconds: previous ? histogramQuantile(0.99, bucketIncreases(previous.api, api, 'http_request_duration_seconds_bucket')) : null,
    deadLettersTotal,
    deadLettersPerSecond: deadLetters !== null && seconds > 0 ? deadLetters / seconds : null,
  };
}

/** Per `le`, the increase of a histogram's buckets over every series, in ascending order of le. */
function bucketIncreases(before: MetricSample[], now: MetricSample[], name: string): Array<{ le: number; count: number }> {
  const key = (s: MetricSample): string => JSON.stringify(Object.entries(s.labels).sort());
  const earlier = new Map(before.filter((s) => s.name === name).map((s) => [key(s), s.value]));
  const byLe = new Map<number, number>();
  for (const s of now) {
    if (s.name !== name || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + (increase(s.value, earlier.get(key(s)) ?? null) ?? 0));
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside the
 * bucket it falls in, as Prometheus' histogram_quantile does; the highest
 * finite bound when it falls in +Inf; null without observations.
 */
export function histogramQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerBound;
      return lowerBound + (le - lowerBound) * ((rank - lowerCount) / Math.max(count - lowerCount, Number.MIN_VALUE));
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}
