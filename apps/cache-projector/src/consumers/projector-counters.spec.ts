// What the projector's counters keep per owned partition: its lag and the newest event applied from it.
import { expect } from 'chai';
import { ProjectorCounters, type BatchReport } from './projector-counters.js';

const aBatch = (report: Partial<BatchReport>): BatchReport => ({
  topic: 'orders-events',
  partition: 0,
  applied: 1,
  stale: 0,
  deadLettered: 0,
  tombstones: 0,
  latencyMs: 2,
  lag: 0,
  oldestEventAgeMs: 5,
  newestEventAtMs: 1_000,
  ...report,
});

describe('ProjectorCounters per partition', () => {
  it("keeps each partition's newest applied event, never going back for an older batch, beside the topic's", () => {
    const counters = new ProjectorCounters();
    counters.recordBatch(aBatch({ partition: 0, newestEventAtMs: 1_000 }));
    counters.recordBatch(aBatch({ partition: 1, newestEventAtMs: 3_000 }));
    // A redelivered, older batch of partition 0, and one of tombstones only (no events).
    counters.recordBatch(aBatch({ partition: 0, newestEventAtMs: 500 }));
    counters.recordBatch(aBatch({ partition: 0, newestEventAtMs: null, lag: 4 }));
    expect(counters.newestAppliedEventsByPartition()).to.deep.equal([
      { topic: 'orders-events', partition: 0, atMs: 1_000 },
      { topic: 'orders-events', partition: 1, atMs: 3_000 },
    ]);
    expect(counters.newestAppliedEvents()).to.deep.equal([{ topic: 'orders-events', atMs: 3_000 }]);
    expect(counters.lags()).to.deep.equal([
      { topic: 'orders-events', partition: 0, lag: 4 },
      { topic: 'orders-events', partition: 1, lag: 0 },
    ]);
  });

  it('reports no lag for a partition until the client knew it, and keeps the last known one', () => {
    const counters = new ProjectorCounters();
    counters.recordBatch(aBatch({ partition: 2, lag: null }));
    expect(counters.lags()).to.deep.equal([]);
    counters.recordBatch(aBatch({ partition: 2, lag: 7 }));
    counters.recordBatch(aBatch({ partition: 2, lag: null }));
    expect(counters.lags()).to.deep.equal([{ topic: 'orders-events', partition: 2, lag: 7 }]);
  });

  it('forgets the partitions given to another worker, keeping the newest event of the topic', () => {
    const counters = new ProjectorCounters();
    counters.recordBatch(aBatch({ partition: 0, newestEventAtMs: 1_000 }));
    counters.recordBatch(aBatch({ partition: 1, newestEventAtMs: 2_000 }));
    counters.forgetPartitions([{ topic: 'orders-events', partition: 1 }]);
    expect(counters.newestAppliedEventsByPartition()).to.deep.equal([{ topic: 'orders-events', partition: 0, atMs: 1_000 }]);
    expect(counters.lags()).to.deep.equal([{ topic: 'orders-events', partition: 0, lag: 0 }]);
    expect(counters.newestAppliedEvents()).to.deep.equal([{ topic: 'orders-events', atMs: 2_000 }]);
  });
});
