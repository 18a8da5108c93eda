/**
 * The write path's CPU per created order before it was cut (issue 13.3), as
 * the POST row measures it now (API with its relay, PostgreSQL's backends and
 * the broker, from each ceiling run's start until the outbox is drained). The
 * POST row's target is a ratio against it; it was measured once, at the head
 * named here, and is kept so that every later run compares with the same figure.
 */
export const WRITE_PATH_BEFORE = {
  commit: 'b99b6e9',
  measuredOn: '2026-12-01 12:54 UTC, load average 4 on the 2 cores',
  command: './scripts/bench --only post --no-profile --runs 3 --duration 5 (this suite, on the apps of b99b6e9)',
  totalMicros: 1019,
  breakdown: 'API 431 + PostgreSQL 514 + Kafka broker 90 = 1,019 µs of CPU per order at 1,550 orders/s',
} as const;
