/**
 * The write path's CPU per created order before it was cut (issue 13.3), as
 * the POST row measures it now (API with its relay, PostgreSQL's backends and
 * the broker, from each ceiling run's start until the outbox is drained). The
 * POST row's target is a ratio against it, so it must come from the machine
 * the suite runs on: CPU per order differs between machines as much as the cut
 * asked for (the same apps cost 1,019 µs per order on an AMD EPYC at 2.6 GHz at
 * 12:54 UTC, 1,794 to 1,842 µs on an Intel Xeon at 2.6 GHz at 17:15, 2,389 to
 * 2,552 µs on the Intel Xeon at 2.1 GHz of the runs from 20:00; on that last
 * one the same run of the head gave 1,723 to 2,356 µs minutes apart, so take
 * the figure from runs alternated with the head's). Measure it again on a new machine: build the apps of `commit` in a
 * worktree (`git checkout <commit> -- apps packages infra`, drop the files the
 * head added, keep the head's package.json files, `pnpm build`), put the head's
 * sources back without rebuilding, so that the suite is the head's and the
 * servers run the old compiled apps, and run the POST row there on a database
 * of its own, twice; the lower figure is kept.
 */
export const WRITE_PATH_BEFORE = {
  commit: 'b99b6e9',
  measuredOn: '2026-12-01 20:20 and 20:24 UTC on this Intel Xeon at 2.1 GHz, load average 3, alternating with runs of the head (2,356 and 1,723 µs)',
  command:
    'BENCH_DATABASE_URL=…/orders_bench_before node --conditions=source --import tsx bench/run.ts --only post --no-profile (this suite, on the compiled apps of b99b6e9)',
  totalMicros: 2389,
  breakdown: 'API 1,128 + PostgreSQL 1,087 + Kafka broker 175 = 2,389 µs of CPU per order at 651 orders/s (2,552 in the first run)',
} as const;
