import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

/** The rows of the suite, in the order they run; `--only` picks some. */
export const SUITES = ['get', 'auth', 'post', 'lag', 'projector', 'replay', 'scale-out', 'rolling-restart', 'tracing', 'soak'] as const;
export type SuiteName = (typeof SUITES)[number];

export interface BenchOptions {
  /** Every row for a second or two with tiny counts; checks nothing and does not touch docs/. */
  smoke: boolean;
  /** Seconds of each timed HTTP or pgbench run. */
  durationSeconds: number;
  /** Interleaved runs per comparison; the figure is their median. */
  runs: number;
  /** Concurrent connections of the read benchmarks (and of their pgbench baseline). */
  connections: number;
  /** Concurrent connections of the POST ceiling run and of its pgbench baseline (the issue fixes c=8). */
  writeConnections: number;
  /** Orders seeded for the read benchmarks. */
  seedOrders: number;
  /** Events on the topic the projector and the replay read. */
  replayEvents: number;
  /** Orders per second of the paced POST runs (latency and projection lag). */
  pacedRate: number;
  /** Longest the one-SET-per-event baseline runs, in seconds; its rate is what it managed by then. */
  naiveLoopSeconds: number;
  /** CPU-profiles the API for each HTTP row whose target was missed. */
  profile: boolean;
  only: readonly SuiteName[];
  /** Where the report goes, relative to the repository root. */
  output: string;
  /** Pins servers to core 0 and the load generator to core 1; off on a one-core machine. */
  pin: boolean;
  /** The command line as given, for the report. */
  argv: readonly string[];
}

const USAGE = `Usage: scripts/bench [options]

Runs the performance suite against the local stack (PostgreSQL, Redis, Kafka on
loopback) and writes docs/PERFORMANCE.md. Servers run on core 0, the load
generator on core 1; every figure is the median of interleaved runs and a ratio
against a baseline measured in the same run.

  --smoke                 every row for a second or two, no thresholds; writes
                          test-results/performance-smoke.md instead
  --duration <s>          seconds per timed run                      (default 6; smoke 1)
  --runs <n>              interleaved runs per comparison, >= 3      (default 3; smoke 1)
  --connections <n>       connections of the read benchmarks         (default 16)
  --seed-orders <n>       orders seeded for the read benchmarks      (default 5000; smoke 100)
  --replay-events <n>     events on the replay topic; 1000000 for the
                          published figure                           (default 100000; smoke 2000)
  --paced-rate <n>        orders/s of the paced POST runs            (default 500)
  --naive-seconds <s>     time bound of the one-SET-per-event loop   (default 15; smoke 2)
  --no-profile            skip the CPU profile of rows that miss their target
  --only <rows>           comma-separated subset of: ${SUITES.join(', ')}
  --output <path>         report path                                (default docs/PERFORMANCE.md)
  -h, --help              show this help
`;

export class UsageError extends Error {}

export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      smoke: { type: 'boolean', default: false },
      duration: { type: 'string' },
      runs: { type: 'string' },
      connections: { type: 'string' },
      'seed-orders': { type: 'string' },
      'replay-events': { type: 'string' },
      'paced-rate': { type: 'string' },
      'naive-seconds': { type: 'string' },
      'no-profile': { type: 'boolean', default: false },
      only: { type: 'string' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const smoke = values.smoke;
  const only = values.only === undefined ? [...SUITES] : values.only.split(',').map((name) => name.trim());
  for (const name of only) {
    if (!(SUITES as readonly string[]).includes(name)) throw new UsageError(`--only: unknown row ${JSON.stringify(name)}`);
  }
  const runs = positiveInteger('--runs', values.runs, smoke ? 1 : 3);
  if (!smoke && runs < 3) throw new UsageError('--runs must be at least 3: every figure is the median of at least 3 interleaved runs');
  return {
    smoke,
    durationSeconds: positiveInteger('--duration', values.duration, smoke ? 1 : 6),
    runs,
    connections: positiveInteger('--connections', values.connections, 16),
    writeConnections: 8,
    seedOrders: positiveInteger('--seed-orders', values['seed-orders'], smoke ? 100 : 5000),
    replayEvents: positiveInteger('--replay-events', values['replay-events'], smoke ? 2000 : 100_000),
    pacedRate: positiveInteger('--paced-rate', values['paced-rate'], 500),
    naiveLoopSeconds: positiveInteger('--naive-seconds', values['naive-seconds'], smoke ? 2 : 15),
    profile: !smoke && !values['no-profile'],
    only: only as SuiteName[],
    output: values.output ?? (smoke ? 'test-results/performance-smoke.md' : 'docs/PERFORMANCE.md'),
    // Not availableParallelism(): this process is itself pinned to one core.
    pin: cpus().length >= 2,
    argv,
  };
}

export function usage(): string {
  return USAGE;
}

function positiveInteger(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}
