/**
 * The write path's CPU per created order before it was cut (issue 13.3), as
 * the POST row measures it now (API with its relay, PostgreSQL's backends and
 * the broker, from each ceiling run's start until the outbox is drained). The
 * POST row's target is a ratio against it; it was measured once, at the head
 * named here, and is kept so that every later run compares with the same figure.
 */
export const WRITE_PATH_BEFORE = {
  commit: 'b99b6e9',
  measuredOn: 'PENDING',
  command: './scripts/bench --only post --no-profile',
  totalMicros: Number.NaN,
  breakdown: 'PENDING',
} as const;
