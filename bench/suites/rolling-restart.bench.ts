/**
 * Rolling restart rows: the run of test/e2e/rolling-restart.test.ts
 * (bench/support/rolling-restart-run.ts) — ./scripts/up with 2 API replicas
 * behind nginx and 2 projector workers, a paced mixed load through nginx, and
 * ./scripts/restart-rolling under it — reported as the p99 during the restart
 * against the steady p99 before it, and the projection staleness while the
 * workers restart against the steady staleness.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../support/bench-context.js';
import { progress } from '../support/progress-log.js';
import type { RowReport } from '../support/report.js';
import { describeFigures, figuresOf, runRollingRestart } from '../support/rolling-restart-run.js';
import { formatNumber, formatRatio } from '../support/statistics.js';
import { ROOT } from '../support/workspace.js';

/** Ports of the suite's stack (scripts/lib/apps.sh layout from here): nginx, workers, replicas, issuer. */
const PORT_BASE = 19_750;
/** The apps may use either core; the load generator stays where scripts/bench pinned it. */
const ANY_CORE = ['taskset', '-c', '0,1'];

export async function rollingRestartBench(context: BenchContext): Promise<RowReport[]> {
  const { options, stack } = context;
  const topic = context.topicName('rolling');
  await context.topics.create(topic);
  const keyPrefix = context.keyPrefix('rolling');
  const channel = `${keyPrefix}:invalidate`;
  const runDir = mkdtempSync(join(context.tmpDir, 'rolling-'));
  const rate = options.smoke ? 100 : 200;
  const steadySeconds = options.smoke ? 4 : 20;
  const run = await runRollingRestart({
    root: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      RUN_DIR: runDir,
      PORT: String(PORT_BASE),
      PROJECTOR_PORT: String(PORT_BASE + 1),
      ADMIN_PORT: String(PORT_BASE + 2),
      DEV_ISSUER_PORT: String(PORT_BASE + 10),
      REPLICA_PORT_BASE: String(PORT_BASE + 20),
      WORKER_PORT_BASE: String(PORT_BASE + 30),
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redisUrl,
      KAFKA_BROKERS: stack.brokers.join(','),
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: `${stack.runId}-rolling`,
      REDIS_KEY_PREFIX: keyPrefix,
      CACHE_INVALIDATION_CHANNEL: channel,
      RATE_LIMIT_PER_SUBJECT: '0',
      RATE_LIMIT_PER_ADDRESS: '0',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
    },
    launcher: ANY_CORE,
    replicas: 2,
    workers: 2,
    publicUrl: `http://127.0.0.1:${PORT_BASE}`,
    redisUrl: stack.redisUrl,
    invalidationChannel: channel,
    rate,
    steadySeconds,
    tailSeconds: options.smoke ? 1 : 5,
    customerId: `${stack.runId}-rolling`,
    progress,
  });
  try {
    const figures = figuresOf(run);
    const lines = describeFigures(figures);
    for (const line of lines) progress(line);
    const ms = (value: number): string => `${formatNumber(value)} ms`;
    const served = `${formatNumber(figures.requests)} requests: ${figures.connectionErrors} connection errors, ${figures.serverErrors} 5xx`;
    const common = [
      `One run (not interleaved: a restart is an event, not a steady state): ./scripts/up --detach --replicas 2 --workers 2 on ports ${PORT_BASE}-${PORT_BASE + 31}, then ${rate} requests/s (half GETs, 30% POSTs each with its own Idempotency-Key, 20% PUTs with If-Match) through nginx, open loop with latency from when a request was due; ./scripts/restart-rolling after ${steadySeconds} s, restarting api-1, api-2, projector-1, projector-2 one at a time.`,
      `The apps run on either core (taskset -c 0,1), the load generator on core 1. ${served}.`,
    ];
    return [
      {
        key: 'rolling-restart',
        path: 'rolling-restart',
        measuredAs: 'p99 during rolling restart vs steady p99 (2 API replicas behind nginx, then 2 workers, restarted one at a time under load)',
        figure: `during the restart: p99 ${ms(figures.restartP99Ms)}`,
        baseline: `steady: p99 ${ms(figures.steadyP99Ms)}`,
        ratio: formatRatio(figures.restartP99Ms / figures.steadyP99Ms),
        target: 'reported; the client sees no error (checked by test/e2e/rolling-restart.test.ts)',
        checks: [],
        runs: [lines[0] ?? '', lines[1] ?? ''],
        notes: [
          ...common,
          `While the replicas restarted: p99 ${ms(figures.apiRestartP99Ms)}; while the workers did: ${ms(figures.workerRestartP99Ms)}; the restart took ${figures.restartSeconds.toFixed(1)} s (each replica drains 3 s, the delay up sets behind its nginx).`,
        ],
      },
      {
        key: 'rolling-restart-staleness',
        path: 'rolling-restart staleness',
        measuredAs: "projection staleness p99/max during workers' restart (acknowledged write to announced in Redis)",
        figure: `workers restarting: p99 ${ms(figures.workersStalenessP99Ms)}, max ${ms(figures.workersStalenessMaxMs)}`,
        baseline: `steady: p99 ${ms(figures.steadyStalenessP99Ms)}, max ${ms(figures.steadyStalenessMaxMs)}`,
        ratio: formatRatio(figures.workersStalenessP99Ms / figures.steadyStalenessP99Ms),
        target: "reported: about one worker's restart time (its partitions wait for it under static membership)",
        checks: [],
        runs: [lines[2] ?? ''],
        notes: [
          ...common,
          `Staleness of a write: from the client's answer to the projector's invalidation message naming that version, which it publishes once the batch is in Redis; ${formatNumber(figures.workersWrites)} writes were acknowledged while the workers restarted.`,
        ],
      },
    ];
  } finally {
    await run.staleness.stop();
    await run.down();
  }
}
