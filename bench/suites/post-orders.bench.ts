import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Order } from '../../packages/domain/src/index.js';
import { OUTBOX_SLOTS } from '../../packages/postgres/src/index.js';
import type { BenchContext, Database } from '../support/bench-context.js';
import { startApi, type ApiVariant } from '../support/bench-servers.js';
import { LOAD_CORES } from '../support/child-processes.js';
import { summariseCpuProfile } from '../support/cpu-profile.js';
import { describeCpu } from '../support/cpu-usage.js';
import { runLoad, warmUp, type LoadResult, type LoadSpec } from '../support/http-load.js';
import { interleave, medianRatio } from '../support/interleave.js';
import { benchOrder } from '../support/order-generator.js';
import { runPgbench, scriptForReport, writeCreateScript, type PgbenchResult } from '../support/pgbench.js';
import { progress } from '../support/progress-log.js';
import type { RowReport } from '../support/report.js';
import { formatNumber, formatRatio, median } from '../support/statistics.js';

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
  const results = { api: [] as LoadResult[], drains: [] as number[], pgbench: [] as PgbenchResult[], paced: [] as LoadResult[], pacedDrains: [] as number[] };
  await interleave(options.runs, [
    {
      name: 'POST /orders',
      run: async () => {
        results.api.push(await runLoad(post(options.durationSeconds)));
        // The relay publishes what the run wrote before the baseline runs, not during it.
        results.drains.push(await drainOutbox(context.db));
      },
    },
    { name: 'pgbench, the same transaction', run: async () => void results.pgbench.push(await pgbench(options.durationSeconds)) },
  ]);

  progress(`measuring latency at ${options.pacedRate} orders/s: ${options.runs} runs of ${options.durationSeconds} s`);
  for (let run = 0; run < options.runs; run += 1) {
    results.paced.push(await runLoad(post(options.durationSeconds, { overallRate: options.pacedRate, connections: 16 })));
    results.pacedDrains.push(await drainOutbox(context.db));
  }
  await api.child.stop();

  const ceiling = median(results.api.map((run) => run.requestsPerSecond));
  context.postCeiling = ceiling;
  const ratio = medianRatio(
    results.api.map((run) => run.requestsPerSecond),
    results.pgbench.map((run) => run.tps),
  );
  const pacedP99 = median(results.paced.map((run) => run.latencyMs.p99));
  const pacedRate = median(results.paced.map((run) => run.requestsPerSecond));
  const sustained = pacedRate >= 0.95 * options.pacedRate;
  const describe = (run: LoadResult): string =>
    `${formatNumber(run.requestsPerSecond)} orders/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (${describeCpu(run.cpu)})`;

  return [
    {
      key: 'post',
      path: 'POST /orders (order, items, outbox row)',
      measuredAs: `orders/s against pgbench running the identical transaction at c=${clients}; p99 at ${options.pacedRate} orders/s`,
      figure: `${formatNumber(ceiling)} orders/s; p99 ${formatNumber(pacedP99, 1)} ms at ${formatNumber(pacedRate)} orders/s`,
      baseline: `pgbench ${formatNumber(median(results.pgbench.map((run) => run.tps)))} tps`,
      ratio: formatRatio(ratio),
      target: `≥ 0.60; p99 ≤ 25 ms at ${options.pacedRate} orders/s`,
      checks: [
        { description: `orders/s ratio ${formatRatio(ratio)} ≥ 0.60`, met: ratio >= 0.6 },
        {
          description: `p99 ${formatNumber(pacedP99, 1)} ms ≤ 25 ms at ${options.pacedRate} orders/s (sustained ${formatNumber(pacedRate)} orders/s)`,
          met: sustained && pacedP99 <= 25,
        },
      ],
      runs: [
        ...results.api.map(
          (run, i) =>
            `round ${i + 1}: API ${describe(run)}, outbox drained ${formatNumber(results.drains[i] ?? Number.NaN, 2)} s after the run; pgbench ${formatNumber(results.pgbench[i]?.tps ?? Number.NaN)} tps, latency average ${results.pgbench[i]?.latencyAverageMs ?? 'n/a'} ms`,
        ),
        ...results.paced.map(
          (run, i) => `paced run ${i + 1}: ${describe(run)}, outbox drained ${formatNumber(results.pacedDrains[i] ?? Number.NaN, 2)} s after the run`,
        ),
      ],
      notes: [
        'Each POST validates the body, assigns a UUIDv7 uid, and runs one statement (apps/api/src/adapters/create-order-statement.ts) that takes the tombstone, inserts the order, its delivery, payment and three items, and appends the event to the outbox with pg_notify; the outbox relay publishes to Kafka meanwhile (and its deletes count against the API). pgbench runs the same statement with the same values in a database of its own (so that no relay publishes its rows), one per order:',
        `\`${results.pgbench[0]?.commandLine ?? 'pgbench'}\` with this script (bench/support/pgbench.ts writes it; the payload is the template's encoded event):`,
        scriptForReport(script),
        `The paced runs are open-loop (bench/support/paced-load.ts): one POST every ${formatNumber(1000 / options.pacedRate, 2)} ms, sent when due whatever the earlier ones are doing, over up to 16 keep-alive connections; each latency counts from the time its request was due, so none is hidden by a slow predecessor (no coordinated omission).`,
      ],
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
