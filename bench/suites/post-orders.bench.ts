import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Order } from '../../packages/domain/src/index.js';
import { OUTBOX_SLOTS } from '../../packages/postgres/src/index.js';
import type { BenchContext, Database } from '../support/bench-context.js';
import { startApi, type ApiVariant } from '../support/bench-servers.js';
import { LOAD_CORES } from '../support/child-processes.js';
import { summariseCpuProfile } from '../support/cpu-profile.js';
import { cpuPerOperation, describeCpuPerOperation, type CpuPerOperation } from '../support/cpu-per-operation.js';
import { cpuBetween, describeCpu, snapshotCpu, type CpuUsage } from '../support/cpu-usage.js';
import { runLoad, warmUp } from '../support/http-load.js';
import type { LoadResult, LoadSpec } from '../support/load-spec.js';
import { interleave, medianRatio } from '../support/interleave.js';
import { benchOrder } from '../support/order-generator.js';
import { runPgbench, scriptForReport, writeCreateScript, type PgbenchResult } from '../support/pgbench.js';
import { progress } from '../support/progress-log.js';
import type { RowReport } from '../support/report.js';
import { formatNumber, formatRatio, median } from '../support/statistics.js';
import { WRITE_PATH_BEFORE } from '../support/write-path-before.js';

/** The share of the POST ceiling the paced runs go at: latency measured at half the machine's own ceiling. */
export const PACED_SHARE_OF_CEILING = 0.5;

/** The rate of the paced runs: half the POST ceiling of this run, or `fallback` when the ceiling was not measured. */
export function pacedRateOf(context: BenchContext, fallback: number): number {
  return context.postCeiling === undefined ? fallback : Math.max(1, Math.round(context.postCeiling * PACED_SHARE_OF_CEILING));
}

/** The order every POST of the suite sends (and pgbench inserts): three items, like a typical order. */
export function templateOrder(): Order {
  for (let index = 1; ; index += 1) {
    const order = benchOrder(index, 'template');
    if (order.items.length === 3) return order;
  }
}

/** The template as a client sends it: no uid, date or signature, so the server assigns them (a UUIDv7 uid). */
export function templateBody(): string {
  const { order_uid: _uid, date_created: _created, internal_signature: _signature, ...draft } = templateOrder();
  return JSON.stringify(draft);
}

/** Waits until the outbox relay has published everything (the outbox is empty); returns the seconds it took. */
export async function drainOutbox(db: Database, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const result = (await db.raw('select exists (select 1 from outbox) as pending')) as { rows: Array<{ pending: boolean }> };
    if (result.rows[0]?.pending !== true) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) throw new Error(`the outbox was not drained within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Why the ceiling stays below pgbench's on a machine whose cores everything
 * shares: pgbench's transaction costs PostgreSQL's work alone, a POST costs it
 * plus the API's and the broker's, all from the same cores.
 */
function boundNote(writeCpu: CpuPerOperation): string {
  const postgres = writeCpu.micros.postgres ?? 0;
  const bound = writeCpu.total > 0 ? postgres / writeCpu.total : Number.NaN;
  const others = writeCpu.total - postgres;
  return `What bounds the ratio, from this run: an order cost PostgreSQL ${formatNumber(postgres)} µs of CPU of its ${formatNumber(writeCpu.total)} µs, and pgbench's transaction is the same statement, which costs PostgreSQL about the same (less: no relay claims and deletes its outbox rows) and nothing else. With the API, PostgreSQL and the broker on the same two cores, the POST ceiling over pgbench's cannot pass PostgreSQL's share of the order's CPU, ${formatRatio(bound)} here; 0.50 needs the API and the broker together (${formatNumber(others)} µs here) to cost no more than PostgreSQL does. On a deployment where PostgreSQL has cores of its own, the bound is the API's CPU per order against PostgreSQL's instead.`;
}

function describePacedPgbench(run: PgbenchResult | undefined): string {
  if (run?.latencyPercentilesMs === undefined) return 'n/a';
  return `${formatNumber(run.tps)} tps, p50 ${formatNumber(run.latencyPercentilesMs.p50, 1)} ms, p99 ${formatNumber(run.latencyPercentilesMs.p99, 1)} ms`;
}

/** Keep-alive connections of the paced runs, and of pgbench paced beside them. */
const PACED_CONNECTIONS = 16;

/** Row 4: POST /orders against pgbench running the same transaction, and its latency at the paced rate. */
export async function postOrdersBench(context: BenchContext): Promise<RowReport[]> {
  const { options, children, stack } = context;
  const topic = context.topicName('post');
  await context.topics.create(topic);
  const keyPrefix = context.keyPrefix('post');
  const variant: ApiVariant = { name: 'api-write', topic, cacheBackend: 'redis', keyPrefix, invalidationChannel: `${keyPrefix}:invalidate` };
  const clients = options.writeConnections;

  const template = templateOrder();
  const script = writeCreateScript(context.tmpDir, template, OUTBOX_SLOTS);
  await context.pgbenchDb.raw('truncate orders, order_tombstones, outbox, idempotency_keys cascade');

  progress('starting the API');
  const api = await startApi(children, stack, variant);
  const body = templateBody();
  const post = (durationSeconds: number, patch: Partial<LoadSpec> = {}): LoadSpec => ({
    url: `${api.url}/orders`,
    method: 'POST',
    body,
    connections: clients,
    durationSeconds,
    watch: new Map([
      ['api', api.child.pid],
      ['load generator', process.pid],
    ]),
    ...patch,
  });
  const pgbench = (durationSeconds: number) =>
    runPgbench(children, { databaseUrl: stack.pgbenchDatabaseUrl, scriptPath: script, clients, durationSeconds, cores: LOAD_CORES });

  if (!options.smoke) {
    progress('warming up');
    await warmUp(post(2), 2);
    await drainOutbox(context.db);
    await pgbench(2);
  }

  progress(`measuring the ceiling: ${options.runs} interleaved rounds of ${options.durationSeconds} s at c=${clients}`);
  const results = {
    api: [] as LoadResult[],
    drains: [] as number[],
    writeCpu: [] as CpuUsage[],
    pgbench: [] as PgbenchResult[],
  };
  const cpuWatch = new Map([['api', api.child.pid]]);
  await interleave(options.runs, [
    {
      name: 'POST /orders',
      run: async () => {
        // Every round starts from a vacuumed outbox, whatever autovacuum managed on a shared cluster (see migration 006).
        await context.db.raw('vacuum outbox');
        const before = snapshotCpu(cpuWatch, context.stackProcesses);
        results.api.push(await runLoad(post(options.durationSeconds)));
        // The relay publishes what the run wrote before the baseline runs, not during it; its CPU counts against the run.
        results.drains.push(await drainOutbox(context.db));
        results.writeCpu.push(cpuBetween(before, snapshotCpu(cpuWatch, context.stackProcesses)));
      },
    },
    { name: 'pgbench, the same transaction', run: async () => void results.pgbench.push(await pgbench(options.durationSeconds)) },
  ]);

  const ceiling = median(results.api.map((run) => run.requestsPerSecond));
  context.postCeiling = ceiling;
  const halfRate = pacedRateOf(context, options.pacedRate);
  const paced = { half: [] as LoadResult[], drains: [] as number[], pgbench: [] as PgbenchResult[] };
  progress(`measuring latency at half the ceiling (${halfRate} orders/s): ${options.runs} runs of ${options.durationSeconds} s`);
  for (let run = 0; run < options.runs; run += 1) {
    paced.half.push(await runLoad(post(options.durationSeconds, { overallRate: halfRate, connections: PACED_CONNECTIONS })));
    paced.drains.push(await drainOutbox(context.db));
    // PostgreSQL's own tail at the same rate: the identical statement, paced and over as many connections.
    paced.pgbench.push(
      await runPgbench(children, {
        databaseUrl: stack.pgbenchDatabaseUrl,
        scriptPath: script,
        clients: PACED_CONNECTIONS,
        durationSeconds: options.durationSeconds,
        cores: LOAD_CORES,
        rate: halfRate,
        logDir: context.tmpDir,
      }),
    );
  }
  await api.child.stop();

  const ratio = medianRatio(
    results.api.map((run) => run.requestsPerSecond),
    results.pgbench.map((run) => run.tps),
  );
  const halfP99 = median(paced.half.map((run) => run.latencyMs.p99));
  const halfAchieved = median(paced.half.map((run) => run.requestsPerSecond));
  const pgbenchHalfP99 = median(paced.pgbench.map((run) => run.latencyPercentilesMs?.p99 ?? Number.NaN));
  const writeCpu = cpuPerOperation(
    'POST /orders: API (with its relay), PostgreSQL, broker',
    `POST row, c=${clients}, until the outbox is drained`,
    results.writeCpu.map((usage, i) => ({ usage, operations: results.api[i]?.ok ?? 0 })),
    ['api', 'postgres', 'broker'],
  );
  const cut = 1 - writeCpu.total / WRITE_PATH_BEFORE.totalMicros;
  const describe = (run: LoadResult): string =>
    `${formatNumber(run.requestsPerSecond)} orders/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (${describeCpu(run.cpu)})`;

  return [
    {
      key: 'post',
      path: 'POST /orders (order, items, outbox row)',
      measuredAs: `orders/s against pgbench running the identical transaction at c=${clients}; p99 at half that ceiling (at ${options.pacedRate} orders/s in the lag row); CPU per order against the head before this work`,
      figure: `${formatNumber(ceiling)} orders/s; p99 ${formatNumber(halfP99, 1)} ms at ${formatNumber(halfAchieved)} orders/s; ${formatNumber(writeCpu.total)} µs CPU per order`,
      baseline: `pgbench ${formatNumber(median(results.pgbench.map((run) => run.tps)))} tps; before: ${formatNumber(WRITE_PATH_BEFORE.totalMicros)} µs per order`,
      ratio: `${formatRatio(ratio)}; CPU ${formatRatio(writeCpu.total / WRITE_PATH_BEFORE.totalMicros)}`,
      target: `≥ 0.50; p99 ≤ 25 ms at half the ceiling; CPU per order ≤ 0.70 × before`,
      checks: [
        { description: `orders/s ratio ${formatRatio(ratio)} ≥ 0.50`, met: ratio >= 0.5 },
        {
          description: `p99 ${formatNumber(halfP99, 1)} ms ≤ 25 ms at half the ceiling, ${halfRate} orders/s (sustained ${formatNumber(halfAchieved)} orders/s)`,
          met: halfAchieved >= 0.95 * halfRate && halfP99 <= 25,
        },
        {
          description: `CPU per order ${formatNumber(writeCpu.total)} µs ≤ 0.70 × ${formatNumber(WRITE_PATH_BEFORE.totalMicros)} µs before (cut by ${formatNumber(cut * 100, 1)}%)`,
          met: cut >= 0.3,
        },
      ],
      runs: [
        ...results.api.map(
          (run, i) =>
            `round ${i + 1}: API ${describe(run)}, outbox drained ${formatNumber(results.drains[i] ?? Number.NaN, 2)} s after the run (with the drain: ${describeCpu(results.writeCpu[i] ?? run.cpu)}); pgbench ${formatNumber(results.pgbench[i]?.tps ?? Number.NaN)} tps, latency average ${results.pgbench[i]?.latencyAverageMs ?? 'n/a'} ms`,
        ),
        ...paced.half.map(
          (run, i) =>
            `paced run ${i + 1} at ${halfRate} orders/s (half the ceiling): ${describe(run)}, outbox drained ${formatNumber(paced.drains[i] ?? Number.NaN, 2)} s after the run; pgbench paced at the same rate: ${describePacedPgbench(paced.pgbench[i])}`,
        ),
      ],
      notes: [
        'Each POST validates the body, assigns a UUIDv7 uid, and runs one statement (apps/api/src/adapters/create-order-statement.ts) that takes the tombstone, inserts the order, its delivery, payment and three items, and appends the event to the outbox (no NOTIFY: the API wakes its own relay once the statement returned); the outbox relay publishes to Kafka meanwhile (and its deletes count against the API). pgbench runs the same statement with the same values in a database of its own (so that no relay publishes its rows), one per order:',
        `\`${results.pgbench[0]?.commandLine ?? 'pgbench'}\` with this script (bench/support/pgbench.ts writes it; the payload is the template's encoded event):`,
        scriptForReport(script),
        `CPU: ${describeCpuPerOperation(writeCpu)}, from each ceiling run's start (on a freshly vacuumed outbox) until the relay had emptied the outbox. Before this work (${WRITE_PATH_BEFORE.commit}, ${WRITE_PATH_BEFORE.measuredOn}, measured the same way): ${WRITE_PATH_BEFORE.breakdown}.`,
        boundNote(writeCpu),
        `What the tail at half the ceiling is made of, from this run: the POST p99 was ${formatNumber(halfP99, 1)} ms, and pgbench running the identical statement paced at the same ${halfRate} transactions/s over ${PACED_CONNECTIONS} connections (latency from each transaction's scheduled start, as for the POSTs) had p50 ${formatNumber(median(paced.pgbench.map((run) => run.latencyPercentilesMs?.p50 ?? Number.NaN)), 1)} ms and p99 ${formatNumber(pgbenchHalfP99, 1)} ms: ${pgbenchHalfP99 > 25 ? "PostgreSQL's own commit tail at this rate is already over the 25 ms target, on this machine's disk and cores" : `PostgreSQL's own tail fits the target, so ${formatNumber(Math.max(0, halfP99 - pgbenchHalfP99), 1)} ms of the POST p99 is spent outside PostgreSQL's statement: in the API process (HTTP, validation, an event loop it shares with the relay's publishing) and its connection pool, on the core the API shares with the suite's other servers`}.`,
        `The paced runs are open-loop (bench/support/paced-load.ts): one POST every ${formatNumber(1000 / halfRate, 2)} ms at half the ceiling, sent when due whatever the earlier ones are doing, over up to 16 keep-alive connections; each latency counts from the time its request was due, so none is hidden by a slow predecessor (no coordinated omission). A fixed rate is saturation on a slow machine and idle on a fast one; half the ceiling measured in the same run is the same load on both. The POST p99 at ${options.pacedRate} orders/s is reported by the lag row, whose runs at that rate are the same POSTs.`,
      ],
      cpu: [writeCpu],
      profileSubject: async () => {
        const dir = join(context.profileDir, 'api-write');
        const profiled = await startApi(children, stack, { ...variant, name: 'api-write-profiled', cpuProfileDir: dir });
        try {
          await runLoad({ url: `${profiled.url}/orders`, method: 'POST', body, connections: clients, durationSeconds: 6 });
          await drainOutbox(context.db);
        } finally {
          await profiled.child.stop();
        }
        return summariseCpuProfile(dir);
      },
    },
  ];
}
