import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from '../support/bench-context.js';
import { LOAD_CORES, SERVER_CORES } from '../support/child-processes.js';
import { summariseCpuProfile } from '../support/cpu-profile.js';
import { cpuPerOperation, describeCpuPerOperation } from '../support/cpu-per-operation.js';
import { cpuBetween, describeCpu, snapshotCpu, type CpuUsage } from '../support/cpu-usage.js';
import { interleave, medianRatio } from '../support/interleave.js';
import { progress } from '../support/progress-log.js';
import { deleteKeys } from '../support/redis-connection.js';
import type { RowReport } from '../support/report.js';
import { formatNumber, formatRatio, median } from '../support/statistics.js';

interface RebuildRun {
  events: number;
  eventsPerSecond: number;
  seconds: number;
  wallSeconds: number;
  cpu: CpuUsage;
}

/** Runs one child to its end on the servers' core and returns the JSON line whose `msg` is `finishedMessage`. */
async function runToSummary(
  context: BenchContext,
  spec: { name: string; args: string[]; env: Record<string, string>; cores?: string },
  finishedMessage: string,
): Promise<RebuildRun> {
  const startedAt = performance.now();
  const child = context.children.start({ name: spec.name, command: process.execPath, args: spec.args, env: spec.env, cores: spec.cores ?? SERVER_CORES });
  const watch = new Map([[spec.name, child.pid]]);
  const before = snapshotCpu(watch, context.stackProcesses);
  let after = before;
  // Sample while it runs: /proc/<pid>/stat is gone once it has exited.
  const sampler = setInterval(() => (after = snapshotCpu(watch, context.stackProcesses)), 100);
  const code = await child.exited.finally(() => clearInterval(sampler));
  const wallSeconds = (performance.now() - startedAt) / 1000;
  if (code !== 0) throw new Error(`${spec.name} exited with ${String(code)}:\n${child.tail()}`);
  const summary = child.jsonLines().find((line) => line.msg === finishedMessage);
  if (summary === undefined) throw new Error(`${spec.name} printed no "${finishedMessage}" line:\n${child.tail()}`);
  return {
    events: Number(summary.events),
    eventsPerSecond: Number(summary.events_per_second),
    seconds: Number(summary.seconds),
    wallSeconds,
    cpu: cpuBetween(before, after),
  };
}

/**
 * Row 7: `scripts/replay-cache` (the compiled CLI) rebuilding the cache from
 * the whole topic into a new generation, against the naive rebuild (one
 * awaited SET per event) over the same topic, interleaved.
 */
export async function replayBench(context: BenchContext): Promise<RowReport[]> {
  const { options, stack } = context;
  const topic = await context.eventsTopic(options.replayEvents);
  const env = { REDIS_URL: stack.redisUrl, KAFKA_BROKERS: stack.brokers.join(','), NODE_ENV: 'production', LOG_LEVEL: 'info', LOG_PRETTY: 'false' };
  let round = 0;
  const replay = async (from = topic, cpuProfileDir?: string, workers = 1): Promise<RebuildRun> => {
    round += 1;
    const keyPrefix = context.keyPrefix(`replay${round}`);
    try {
      return await runToSummary(
        context,
        {
          name: 'replay-cache',
          args: [
            ...(cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir]),
            'apps/cache-projector/dist/cli/replay-cache.js',
            '--topic',
            from,
            '--key-prefix',
            keyPrefix,
            '--workers',
            String(workers),
          ],
          env: { ...env, KAFKA_GROUP_ID: `${stack.runId}-replay` },
          // Several workers get both cores (nothing else runs during this row): on one core they could only take turns.
          ...(workers > 1 && { cores: `${SERVER_CORES},${LOAD_CORES}` }),
        },
        'replay finished',
      );
    } finally {
      await deleteKeys(context.redis, keyPrefix);
    }
  };
  const naive = async (): Promise<RebuildRun> => {
    round += 1;
    const keyPrefix = context.keyPrefix(`naive${round}`);
    const groupId = `${stack.runId}-naive-${round}`;
    context.topics.forgetGroupLater(groupId);
    try {
      return await runToSummary(
        context,
        {
          name: 'set-per-event',
          args: ['--conditions=source', '--import', 'tsx', 'bench/workers/set-per-event.worker.ts'],
          env: {
            ...env,
            BENCH_TOPIC: topic,
            BENCH_KEY_PREFIX: keyPrefix,
            BENCH_GROUP_ID: groupId,
            BENCH_EVENTS: String(options.replayEvents),
            BENCH_MAX_SECONDS: String(options.naiveLoopSeconds),
          },
        },
        'set-per-event finished',
      );
    } finally {
      await deleteKeys(context.redis, keyPrefix);
    }
  };

  progress(`measuring: ${options.runs} interleaved rounds of the replay and the one-SET-per-event loop over ${formatNumber(options.replayEvents)} events`);
  const results = { replay: [] as RebuildRun[], replay2: [] as RebuildRun[], naive: [] as RebuildRun[] };
  await interleave(options.runs, [
    { name: 'scripts/replay-cache', run: async () => void results.replay.push(await replay()) },
    { name: 'scripts/replay-cache --workers 2', run: async () => void results.replay2.push(await replay(topic, undefined, 2)) },
    { name: 'one SET per event', run: async () => void results.naive.push(await naive()) },
  ]);
  const rate = median(results.replay.map((run) => run.eventsPerSecond));
  const naiveRate = median(results.naive.map((run) => run.eventsPerSecond));
  const rate2 = median(results.replay2.map((run) => run.eventsPerSecond));
  const ratio2 = medianRatio(
    results.replay2.map((run) => run.eventsPerSecond),
    results.naive.map((run) => run.eventsPerSecond),
  );
  const ratio = medianRatio(
    results.replay.map((run) => run.eventsPerSecond),
    results.naive.map((run) => run.eventsPerSecond),
  );
  const published = options.replayEvents >= 1_000_000;
  const replayCpu = cpuPerOperation(
    'per replayed event',
    'replay row, the whole rebuild',
    results.replay.map((run) => ({ usage: run.cpu, operations: run.events })),
    ['projector', 'redis', 'broker'],
  );
  return [
    {
      key: 'replay',
      path: 'replay',
      measuredAs: `events/s rebuilding from the topic (${formatNumber(options.replayEvents)} orders${published ? '' : '; the published figure uses 1,000,000'})`,
      figure: `${formatNumber(rate)} events/s`,
      baseline: `one SET per event ${formatNumber(naiveRate)} events/s`,
      ratio: formatRatio(ratio),
      target: '≥ 20,000 events/s, and ≥ 5 × a one-SET-per-event loop of the same run',
      checks: [
        { description: `${formatNumber(rate)} events/s ≥ 20,000`, met: rate >= 20_000 },
        { description: `${formatRatio(ratio)} the one-SET-per-event loop ≥ 5×`, met: ratio >= 5 },
      ],
      runs: results.replay.map((run, i) => {
        const baseline = results.naive[i];
        return (
          `round ${i + 1}: replay ${formatNumber(run.events)} events in ${run.seconds.toFixed(2)} s = ${formatNumber(run.eventsPerSecond)} events/s (process ${run.wallSeconds.toFixed(2)} s, ${describeCpu(run.cpu)}); ` +
          (baseline
            ? `one SET per event ${formatNumber(baseline.events)} events in ${baseline.seconds.toFixed(2)} s = ${formatNumber(baseline.eventsPerSecond)} events/s (${describeCpu(baseline.cpu)})`
            : 'no baseline')
        );
      }),
      cpu: [replayCpu],
      notes: [
        `\`--workers 2\` (two worker processes splitting the partitions, one switch; on cores 0 and 1, as the row runs alone): ${formatNumber(rate2)} events/s, ${formatRatio(ratio2)} the one-SET-per-event loop, ${formatRatio(rate > 0 ? rate2 / rate : 0)} one worker; rounds: ${results.replay2.map((run) => `${formatNumber(run.eventsPerSecond)} events/s`).join(', ')}.`,
        `CPU: ${describeCpuPerOperation(replayCpu)}, over each rebuild from the process start.`,
        'The replay is the compiled `scripts/replay-cache` CLI with its defaults (batches of up to 2,000 records from all partitions at once, one Lua script call per 500 events, pipelined); its figure is its own summary: events applied over the whole run, from connecting to Kafka and Redis to switching the generation.',
        `The baseline (bench/workers/set-per-event.worker.ts) reads the same topic with the same client and decodes every record the same way, then writes each order's document with one awaited SET; it runs until it has applied every event or for ${options.naiveLoopSeconds} s, and its rate is taken from its first record on, which leaves its start-up out (in the baseline's favour). Both run on core 0.`,
      ],
      profileSubject: async () => {
        const dir = join(context.profileDir, 'replay-cache');
        mkdirSync(dir, { recursive: true });
        // At most 100,000 events: the profile of a longer replay says the same, later.
        await replay(await context.eventsTopic(Math.min(options.replayEvents, 100_000)), dir);
        return summariseCpuProfile(dir);
      },
    },
  ];
}
