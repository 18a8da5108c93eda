import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../support/bench-context.js';
import { startProjector, type ProjectorVariant } from '../support/bench-servers.js';
import { summariseCpuProfile } from '../support/cpu-profile.js';
import { cpuPerOperation, describeCpuPerOperation } from '../support/cpu-per-operation.js';
import { cpuBetween, describeCpu, snapshotCpu, type CpuUsage } from '../support/cpu-usage.js';
import { progress } from '../support/progress-log.js';
import { connectRedis, deleteKeys } from '../support/redis-connection.js';
import type { RowReport } from '../support/report.js';
import { formatNumber, formatRatio, median } from '../support/statistics.js';

interface ProjectorRun {
  events: number;
  /** Events per second between the first and the last batch the worker announced. */
  steadyRate: number;
  /** Events per second from the process start (connect, group join) to the last batch. */
  overallRate: number;
  cpu: CpuUsage;
}

/**
 * One projector worker (the compiled app, its own consumer group) starts on a
 * topic that already holds the events and applies them all. Progress is read
 * from its invalidation channel: every batch it has written to Redis, it
 * announces there with the uids it applied.
 */
export async function projectOnce(context: BenchContext, name: string, cpuProfileDir?: string): Promise<ProjectorRun> {
  const { stack } = context;
  const events = projectorEvents(context);
  const topic = await context.eventsTopic(events);
  const keyPrefix = context.keyPrefix(name);
  const variant: ProjectorVariant = {
    name,
    topic,
    groupId: `${stack.runId}-${name}`,
    keyPrefix,
    invalidationChannel: `${keyPrefix}:invalidate`,
    ...(cpuProfileDir !== undefined && { cpuProfileDir }),
  };
  context.topics.forgetGroupLater(variant.groupId);
  const seen = { events: 0, firstAt: 0, firstEvents: 0, lastAt: 0 };
  const subscriber = await connectRedis(stack.redisUrl);
  await subscriber.subscribe(variant.invalidationChannel, (message) => {
    const at = performance.now();
    const { uids } = JSON.parse(message) as { uids: string[] };
    if (seen.events === 0) {
      seen.firstAt = at;
      seen.firstEvents = uids.length;
    }
    seen.events += uids.length;
    seen.lastAt = at;
  });
  try {
    const startedAt = performance.now();
    const projector = await startProjector(context.children, stack, variant);
    const before = snapshotCpu(new Map([['projector', projector.child.pid]]), context.stackProcesses);
    const deadline = performance.now() + 60_000 + events;
    while (seen.events < events) {
      if (!projector.child.running) throw new Error(`the projector exited:\n${projector.child.tail()}`);
      if (performance.now() > deadline) throw new Error(`the projector applied ${seen.events} of ${events} events in time`);
      await sleep(20);
    }
    const cpu = cpuBetween(before, snapshotCpu(new Map([['projector', projector.child.pid]]), context.stackProcesses));
    await projector.child.stop();
    const steadySeconds = (seen.lastAt - seen.firstAt) / 1000;
    return {
      events: seen.events,
      steadyRate: steadySeconds > 0 ? (seen.events - seen.firstEvents) / steadySeconds : Number.NaN,
      overallRate: seen.events / ((seen.lastAt - startedAt) / 1000),
      cpu,
    };
  } finally {
    await subscriber.close().catch(() => undefined);
    await deleteKeys(context.redis, keyPrefix);
  }
}

/** The projector's topic: the replay's events, but at most 100,000 (its rate is steady long before). */
function projectorEvents(context: BenchContext): number {
  return Math.min(context.options.replayEvents, 100_000);
}

/** Row 6: events/s one projector worker applies, against the POST ceiling of the same run. */
export async function projectorThroughputBench(context: BenchContext): Promise<RowReport[]> {
  const { options } = context;
  const events = projectorEvents(context);
  await context.eventsTopic(events);
  progress(`measuring: ${options.runs} runs of one worker applying ${formatNumber(events)} events`);
  const runs: ProjectorRun[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    progress(`  run ${run + 1}/${options.runs}`);
    runs.push(await projectOnce(context, `projector-${run + 1}`));
  }
  const rate = median(runs.map((run) => run.steadyRate));
  const ceiling = context.postCeiling;
  const ratio = ceiling === undefined ? Number.NaN : rate / ceiling;
  const projectedCpu = cpuPerOperation(
    'per projected event',
    'projector row, from the worker ready to its last batch',
    runs.map((run) => ({ usage: run.cpu, operations: run.events })),
    ['projector', 'redis', 'broker'],
  );
  return [
    {
      key: 'projector',
      path: 'projector steady state',
      measuredAs: 'events/s applied by one worker',
      figure: `${formatNumber(rate)} events/s`,
      baseline: ceiling === undefined ? 'no POST ceiling in this run (run the post row too)' : `POST ceiling ${formatNumber(ceiling)} orders/s`,
      ratio: formatRatio(ratio),
      target: '≥ 1.5 × the POST ceiling of the same run',
      checks: [{ description: `${formatRatio(ratio)} the POST ceiling ≥ 1.5×`, met: ceiling === undefined ? undefined : ratio >= 1.5 }],
      runs: runs.map(
        (run, i) =>
          `run ${i + 1}: ${formatNumber(run.events)} events, ${formatNumber(run.steadyRate)} events/s between the first and last batch, ${formatNumber(run.overallRate)} events/s from process start (${describeCpu(run.cpu)})`,
      ),
      cpu: [projectedCpu],
      notes: [
        `CPU: ${describeCpuPerOperation(projectedCpu)}.`,
        `The worker is the compiled cache projector with its defaults (batches of up to 2,000 records, 3 partitions applied concurrently, one Lua script call per 500 events, pipelined), started on a 6-partition topic that already holds ${formatNumber(events)} order.upserted events of 1 to 5 items, so it runs flat out; each batch is decoded and validated, applied to Redis, announced on the invalidation channel and committed. Its rate is taken between the first and the last batch it announced, leaving out process start and the group join.`,
      ],
      profileSubject: async () => {
        const dir = join(context.profileDir, 'projector');
        await projectOnce(context, 'projector-profiled', dir);
        return summariseCpuProfile(dir);
      },
    },
  ];
}
