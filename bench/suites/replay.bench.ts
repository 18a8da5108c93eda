import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from '../support/bench-context.js';
import { LOAD_CORES, SERVER_CORES } from '../support/child-processes.js';
import { summariseCpuProfile } from '../support/cpu-profile.js';
import { cpuPerOperation, describeCpuPerOperation } from '../support/cpu-per-operation.js';
import { cpuBetween, describeCpu, processTicks, snapshotCpu, TICKS_PER_SECOND, type CpuUsage } from '../support/cpu-usage.js';
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

/** The pids of a process's children, from /proc; none once it is gone. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The usage with the worker processes' CPU time (clock ticks per pid) as one more process. */
function withWorkers(usage: CpuUsage, name: string, ticks: ReadonlyMap<number, number>): CpuUsage {
  if (ticks.size === 0 || usage.seconds <= 0) return usage;
  const used = [...ticks.values()].reduce((sum, value) => sum + value, 0);
  return { ...usage, processes: new Map([...usage.processes, [name, used / TICKS_PER_SECOND / usage.seconds]]) };
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
  // The child's own children (the worker processes of `--workers N`) start after it and end
  // before it: each counts in full, as its CPU time last seen.
  const workerTicks = new Map<number, number>();
  const sample = (): void => {
    after = snapshotCpu(watch, context.stackProcesses);
    for (const pid of childrenOf(child.pid)) {
      const ticks = processTicks(pid);
      if (ticks !== undefined) workerTicks.set(pid, ticks);
    }
  };
  // Sample while it runs: /proc/<pid>/stat is gone once it has exited.
  const sampler = setInterval(sample, 100);
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
    cpu: withWorkers(cpuBetween(before, after), `${spec.name}-workers`, workerTicks),
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
  const naiveRates = results.naive.map((run) => run.eventsPerSecond);
  const naiveRate = median(naiveRates);
  // Each configuration against the baseline runs of the same rounds; the row's verdict is the better one's.
  const configurations = [
    { name: '1 worker', runs: results.replay },
    { name: '2 workers', runs: results.replay2 },
  ].map(({ name, runs }) => {
    const rates = runs.map((run) => run.eventsPerSecond);
    return { name, runs, rate: median(rates), ratio: medianRatio(rates, naiveRates) };
  });
  const [one, two] = configurations as [(typeof configurations)[number], (typeof configurations)[number]];
  const best = two.ratio > one.ratio ? two : one;
  const published = options.replayEvents >= 1_000_000;
  const cpuOf = (runs: readonly RebuildRun[], workers: string) =>
    cpuPerOperation(
      `per replayed event, ${workers}`,
      'replay row, the whole rebuild',
      runs.map((run) => ({ usage: run.cpu, operations: run.events })),
      ['projector', 'redis', 'broker'],
    );
  const replayCpu = cpuOf(results.replay, '1 worker');
  const replay2Cpu = cpuOf(results.replay2, '2 workers');
  const describeRun = (run: RebuildRun): string =>
    `${formatNumber(run.events)} events in ${run.seconds.toFixed(2)} s = ${formatNumber(run.eventsPerSecond)} events/s (process ${run.wallSeconds.toFixed(2)} s, ${describeCpu(run.cpu)})`;
  return [
    {
      key: 'replay',
      path: 'replay',
      measuredAs: `events/s rebuilding from the topic (${formatNumber(options.replayEvents)} orders${published ? '' : '; the published figure uses 1,000,000'}), the better of 1 and 2 worker processes`,
      figure: `${best.name}: ${formatNumber(best.rate)} events/s (1 worker ${formatNumber(one.rate)}, 2 workers ${formatNumber(two.rate)})`,
      baseline: `one SET per event ${formatNumber(naiveRate)} events/s`,
      ratio: formatRatio(best.ratio),
      target: '≥ 20,000 events/s, and ≥ 5 × a one-SET-per-event loop of the same run',
      checks: [
        { description: `${formatNumber(best.rate)} events/s (${best.name}) ≥ 20,000`, met: best.rate >= 20_000 },
        { description: `${formatRatio(best.ratio)} the one-SET-per-event loop (${best.name}) ≥ 5×`, met: best.ratio >= 5 },
      ],
      runs: results.replay.map((run, i) => {
        const baseline = results.naive[i];
        const two = results.replay2[i];
        return (
          `round ${i + 1}: replay, 1 worker ${describeRun(run)}; ` +
          (two ? `2 workers ${describeRun(two)}; ` : '') +
          (baseline ? `one SET per event ${describeRun(baseline)}` : 'no baseline')
        );
      }),
      cpu: [replayCpu, replay2Cpu],
      notes: [
        `1 worker: ${formatNumber(one.rate)} events/s, ${formatRatio(one.ratio)} the one-SET-per-event loop. 2 workers (two processes, each reading half the partitions, one switch; on cores 0 and 1, as the row runs alone): ${formatNumber(two.rate)} events/s, ${formatRatio(two.ratio)} the loop, ${formatRatio(one.rate > 0 ? two.rate / one.rate : 0)} one worker. Ratios are medians of each round's replay over the same round's loop.`,
        `CPU, 1 worker: ${describeCpuPerOperation(replayCpu)}; 2 workers: ${describeCpuPerOperation(replay2Cpu)}; over each rebuild from the process start.`,
        "The replay is the compiled `scripts/replay-cache` CLI with its defaults (partitions assigned by hand from their first to their end offsets, batches of up to 2,000 records from librdkafka's consume(n), up to 3 batches applied at once, each upsert's document written as the record's bytes, one Lua script call per 500 events, pipelined); its figure is its own summary: events applied over the whole run, from connecting to Kafka and Redis to switching the generation.",
        `The baseline (bench/workers/set-per-event.worker.ts) reads the same topic with the KafkaJS-style consumer and decodes every record whole, then writes each order's document with one awaited SET; it runs until it has applied every event or for ${options.naiveLoopSeconds} s, and its rate is taken from its first record on, which leaves its start-up out (in the baseline's favour). Both run on core 0.`,
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
