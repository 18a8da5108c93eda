// The operations view's arithmetic: rates, ratios, the p99 and the staleness from two scrapes of real-shaped text.
import { expect } from 'chai';
import { histogramQuantile, operationsPoint, type Scrape } from './operations-point.js';
import { parsePrometheusText } from './prometheus-text.js';

const apiText = (reads: { lru: number; redis: number; postgres: number }, fast: number, slow: number, published: number): string => `
# HELP order_reads_total Order reads by the tier that answered.
# TYPE order_reads_total counter
order_reads_total{tier="lru",service="order-api"} ${reads.lru}
order_reads_total{tier="redis",service="order-api"} ${reads.redis}
order_reads_total{tier="postgres",service="order-api"} ${reads.postgres}
http_request_duration_seconds_bucket{le="0.01",method="GET",route="/orders/:uid",status="200",service="order-api"} ${fast}
http_request_duration_seconds_bucket{le="1",method="GET",route="/orders/:uid",status="200",service="order-api"} ${fast + slow}
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/orders/:uid",status="200",service="order-api"} ${fast + slow}
http_request_duration_seconds_count{method="GET",route="/orders/:uid",status="200",service="order-api"} ${fast + slow}
outbox_backlog_rows{service="order-api"} 7
outbox_oldest_age_seconds{service="order-api"} 1.5
outbox_last_published_event_timestamp_seconds{service="order-api"} ${published}
`;
const projectorText = (applied: number, deadLetters: number): string => `
projection_last_applied_event_timestamp_seconds{topic="orders-events",service="order-cache-projector"} ${applied}
projection_partition_last_applied_event_timestamp_seconds{topic="orders-events",partition="0",service="order-cache-projector"} ${applied}
projection_partition_last_applied_event_timestamp_seconds{topic="orders-events",partition="1",service="order-cache-projector"} ${applied - 4}
projection_consumer_lag{topic="orders-events",partition="0",service="order-cache-projector"} 3
projection_consumer_lag{topic="orders-events",partition="1",service="order-cache-projector"} 0
projection_dead_letters_total{service="order-cache-projector"} ${deadLetters}
projection_event_age_seconds_sum{service="order-cache-projector"} ${deadLetters * 0.5}
projection_event_age_seconds_count{service="order-cache-projector"} ${deadLetters}
`;

describe('parsePrometheusText', () => {
  it('reads names, labels (unescaped) and values, skipping comments', () => {
    const samples = parsePrometheusText('# HELP x y\nx_total{a="1",b="q\\"uote"} 3\nup 1 1700000000\nh_bucket{le="+Inf"} +Inf\n');
    expect(samples).to.deep.equal([
      { name: 'x_total', labels: { a: '1', b: 'q"uote' }, value: 3 },
      { name: 'up', labels: {}, value: 1 },
      { name: 'h_bucket', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY },
    ]);
  });
});

describe('operationsPoint', () => {
  const first: Scrape = {
    atMs: 100_000,
    api: parsePrometheusText(apiText({ lru: 10, redis: 0, postgres: 0 }, 100, 0, 90)),
    projectors: parsePrometheusText(projectorText(90, 1)),
  };
  const second: Scrape = {
    atMs: 110_000,
    api: parsePrometheusText(apiText({ lru: 70, redis: 30, postgres: 10 }, 150, 50, 108)),
    projectors: parsePrometheusText(projectorText(100, 3)),
  };

  it('computes rates and the hit ratio per tier over the interval, the p99 from the bucket increases', () => {
    const point = operationsPoint(first, second, { newestAppliedSeconds: null });
    expect(point.requestsPerSecond).to.equal(10);
    expect(point.hitRatioByTier).to.deep.equal({ lru: 0.6, redis: 0.3, postgres: 0.1 });
    // 100 requests in the interval, 50 of them slower than 10 ms: the p99 lies in (0.01, 1].
    expect(point.p99Seconds).to.be.closeTo(0.01 + 0.99 * (49 / 50), 1e-9);
    expect(point.lagByPartition).to.deep.equal({ '0': 3, '1': 0 });
    // Partition 0's newest event was applied at 100 s, partition 1's at 96 s: 10 and 14 s old at 110 s.
    expect(point.stalenessByPartition).to.deep.equal({ '0': 10, '1': 14 });
    expect(point).to.include({ outboxBacklogRows: 7, outboxOldestAgeSeconds: 1.5, deadLettersTotal: 3, deadLettersPerSecond: 0.2, eventAgeSeconds: 0.5 });
    // Published at 108 s, applied up to 100 s: the cache lacks an event, for at most 110 - 100 s.
    expect(point.stalenessSeconds).to.equal(10);
  });

  it('keeps the newest applied event while no projector answers, and says 0 once nothing newer was published', () => {
    const memory = { newestAppliedSeconds: null };
    operationsPoint(null, first, memory);
    const down = operationsPoint(
      first,
      { atMs: 130_000, api: parsePrometheusText(apiText({ lru: 10, redis: 0, postgres: 0 }, 100, 0, 120)), projectors: [] },
      memory,
    );
    expect(down.stalenessSeconds).to.equal(40);
    expect(down.hitRatioByTier).to.deep.equal({});
    expect(down.stalenessByPartition, 'no projector answering: no partition to speak of').to.deep.equal({});
    const caughtUp = operationsPoint(first, { ...first, atMs: 140_000 }, memory);
    expect(caughtUp.stalenessSeconds).to.equal(0);
  });

  it("takes a partition's newest applied event from whichever worker applied it last while two report it (a rebalance)", () => {
    const leaving = 'projection_partition_last_applied_event_timestamp_seconds{topic="orders-events",partition="2"} 95\n';
    const joining = 'projection_partition_last_applied_event_timestamp_seconds{topic="orders-events",partition="2"} 99\n';
    const point = operationsPoint(null, { atMs: 100_000, api: [], projectors: parsePrometheusText(leaving + joining) }, { newestAppliedSeconds: null });
    expect(point.stalenessByPartition).to.deep.equal({ '2': 1 });
  });

  it('has no rates for the first point', () => {
    const point = operationsPoint(null, first, { newestAppliedSeconds: null });
    expect(point).to.include({ requestsPerSecond: null, p99Seconds: null, deadLettersPerSecond: null });
  });
});

describe('histogramQuantile', () => {
  it('interpolates in the bucket the rank falls in, and gives the highest finite bound for +Inf', () => {
    expect(
      histogramQuantile(0.5, [
        { le: 1, count: 0 },
        { le: 2, count: 10 },
        { le: Infinity, count: 10 },
      ]),
    ).to.equal(1.5);
    expect(
      histogramQuantile(0.99, [
        { le: 1, count: 0 },
        { le: Infinity, count: 10 },
      ]),
    ).to.equal(1);
    expect(histogramQuantile(0.99, [{ le: Infinity, count: 0 }])).to.equal(null);
  });
});
