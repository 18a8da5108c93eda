import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { authorizationHeader } from '../support/bench-auth.js';
import type { BenchContext } from '../support/bench-context.js';
import { freePort, startApi, waitForReady, type ApiVariant, type RunningServer } from '../support/bench-servers.js';
import { LOAD_CORES, SERVER_CORES } from '../support/child-processes.js';
import { summariseCpuProfile } from '../support/cpu-profile.js';
import { cpuPerOperation, processMicrosPerOperation, describeCpuPerOperation, type CpuColumn } from '../support/cpu-per-operation.js';
import { describeCpu } from '../support/cpu-usage.js';
import { runLoad, warmUp } from '../support/http-load.js';
import type { LoadResult } from '../support/load-spec.js';
import { interleave, medianRatio } from '../support/interleave.js';
import { seededUid } from '../support/order-generator.js';
import { runPgbench, scriptForReport, writeReadScript, type PgbenchResult } from '../support/pgbench.js';
import { progress } from '../support/progress-log.js';
import type { RowReport } from '../support/report.js';
import { readAll, seedOrders, seededPaths } from '../support/seed-orders.js';
import { formatNumber, formatRatio, median } from '../support/statistics.js';

const HOUR_MS = 3_600_000;
/** Headers of an answer that belong to its connection or its moment, not to the order: the bare app's express sets its own. */
const PER_CONNECTION_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'x-request-id']);
/** CACHE_LRU_MAX_BYTES of 1: no serialised order fits, so the in-process tier never holds one. */
const LRU_OFF = 1;

/** Makes sure the read benchmarks' orders exist: seeds them once per suite run. */
export async function ensureSeeded(context: BenchContext): Promise<{ uidPrefix: string; count: number }> {
  if (context.seeded) return context.seeded;
  const uidPrefix = 'bench';
  const count = context.options.seedOrders;
  progress(`seeding ${count} orders`);
  // The previous run's orders go first: the seeded uids are the same every run.
  await context.db.raw('truncate orders, order_tombstones, outbox, idempotency_keys cascade');
  await seedOrders(context.db, uidPrefix, count);
  context.seeded = { uidPrefix, count };
  return context.seeded;
}

/** Rows 1 to 3: GET /orders/{uid} from the LRU, from Redis, and from PostgreSQL, each against its baseline. */
export async function getReadsBench(context: BenchContext): Promise<RowReport[]> {
  const { options, children, stack } = context;
  const topic = context.topicName('get');
  await context.topics.create(topic);
  const keyPrefix = context.keyPrefix('get');
  const variant = (name: string, patch: Partial<ApiVariant>): ApiVariant => ({
    name,
    topic,
    cacheBackend: 'redis',
    keyPrefix,
    invalidationChannel: `${keyPrefix}:invalidate`,
    ...patch,
  });
  const variants = {
    lru: variant('api-lru-hit', { lruTtlMs: HOUR_MS }),
    redis: variant('api-redis-hit', { lruMaxBytes: LRU_OFF }),
    postgres: variant('api-postgres-miss', { cacheBackend: 'lru', lruMaxBytes: LRU_OFF }),
  };

  progress('starting the API three times (LRU hit, Redis hit with the LRU off, PostgreSQL with both caches off) and the bare express app');
  const { uidPrefix, count } = await ensureSeeded(context);
  const [lru, redis, postgres] = await Promise.all([
    startApi(children, stack, variants.lru),
    startApi(children, stack, variants.redis),
    startApi(children, stack, variants.postgres),
  ]);

  const sample = await fetch(`${lru.url}/orders/${seededUid(uidPrefix, 1)}`, { headers: authorizationHeader() });
  const bodyFile = join(context.tmpDir, 'order.json');
  writeFileSync(bodyFile, await sample.text());
  const startBare = async (name: string, extraArgs: string[]): Promise<RunningServer> => {
    const port = await freePort();
    const child = children.start({
      name,
      command: process.execPath,
      args: ['--import', 'tsx', 'bench/servers/bare-express.server.ts', String(port), bodyFile, ...extraArgs],
      cores: SERVER_CORES,
    });
    const server: RunningServer = { child, url: `http://127.0.0.1:${port}`, port };
    await waitForReady(child, `${server.url}/readyz`);
    return server;
  };
  const bare = await startBare('bare-express', []);

  progress('filling the caches: every seeded order read once through the LRU and the Redis API');
  await Promise.all([readAll(lru.url, uidPrefix, count), readAll(redis.url, uidPrefix, count)]);
  // The headers of an LRU hit as the API sends them, for the bare app that sends the same bytes.
  const lruHit = await fetch(`${lru.url}/orders/${seededUid(uidPrefix, 1)}`, { headers: authorizationHeader() });
  await lruHit.arrayBuffer();
  const apiHeaders = Object.fromEntries([...lruHit.headers].filter(([name]) => !PER_CONNECTION_HEADERS.has(name)));
  const headersFile = join(context.tmpDir, 'lru-hit-headers.json');
  writeFileSync(headersFile, JSON.stringify(apiHeaders));
  const bareWithHeaders = await startBare('bare-express-api-headers', [headersFile]);
  const paths = seededPaths(uidPrefix, count, Math.min(2000, count * 2));
  const load = (server: RunningServer, durationSeconds = options.durationSeconds) => ({
    url: server.url,
    connections: options.connections,
    durationSeconds,
    paths,
    watch: new Map([
      [server.child.name, server.child.pid],
      ['load generator', process.pid],
    ]),
    groups: context.stackProcesses,
  });
  const readScript = writeReadScript(context.tmpDir, uidPrefix, count);
  const pgbench = (durationSeconds: number) =>
    runPgbench(children, { databaseUrl: stack.databaseUrl, scriptPath: readScript, clients: options.connections, durationSeconds, cores: LOAD_CORES });

  if (!options.smoke) {
    progress('warming up');
    for (const server of [bare, bareWithHeaders, lru, redis, postgres]) await warmUp(load(server), 2);
    await pgbench(2);
  }

  progress(`measuring: ${options.runs} interleaved rounds of ${options.durationSeconds} s at c=${options.connections}`);
  const results = {
    bare: [] as LoadResult[],
    bareWithHeaders: [] as LoadResult[],
    lru: [] as LoadResult[],
    redis: [] as LoadResult[],
    postgres: [] as LoadResult[],
    pgbench: [] as PgbenchResult[],
  };
  await interleave(options.runs, [
    { name: 'bare express', run: async () => void results.bare.push(await runLoad(load(bare))) },
    { name: "bare express, the API's headers", run: async () => void results.bareWithHeaders.push(await runLoad(load(bareWithHeaders))) },
    { name: 'GET, LRU hit', run: async () => void results.lru.push(await runLoad(load(lru))) },
    { name: 'GET, Redis hit', run: async () => void results.redis.push(await runLoad(load(redis))) },
    { name: 'GET, PostgreSQL', run: async () => void results.postgres.push(await runLoad(load(postgres))) },
    { name: 'pgbench read', run: async () => void results.pgbench.push(await pgbench(options.durationSeconds)) },
  ]);
  await Promise.all([bare, bareWithHeaders, lru, redis, postgres].map((server) => server.child.stop()));

  const rps = (runs: readonly LoadResult[]): number[] => runs.map((run) => run.requestsPerSecond);
  const p99 = (runs: readonly LoadResult[]): number[] => runs.map((run) => run.latencyMs.p99);
  const describe = (run: LoadResult): string =>
    `${formatNumber(run.requestsPerSecond)} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (${describeCpu(run.cpu)})`;
  const runLines = (subject: string, subjectRuns: readonly LoadResult[], baseline: string, baselineRuns: readonly string[]): string[] =>
    subjectRuns.map((run, i) => `round ${i + 1}: ${subject} ${describe(run)}; ${baseline} ${baselineRuns[i] ?? 'n/a'}`);

  const lruRatio = medianRatio(rps(results.lru), rps(results.bare));
  const lruP99Ratio = medianRatio(p99(results.lru), p99(results.bare));
  const redisRatio = medianRatio(rps(results.redis), rps(results.lru));
  const pgbenchTps = results.pgbench.map((run) => run.tps);
  const postgresRatio = medianRatio(rps(results.postgres), pgbenchTps);
  const cpuOf = (operation: string, runs: readonly LoadResult[], involved: CpuColumn[]) =>
    cpuPerOperation(
      operation,
      `GET row, c=${options.connections}`,
      runs.map((run) => ({ usage: run.cpu, operations: run.ok })),
      involved,
    );
  const cpu = {
    lru: cpuOf('GET /orders/{uid}, LRU hit', results.lru, ['api']),
    redis: cpuOf('GET, Redis hit', results.redis, ['api', 'redis']),
    postgres: cpuOf('GET, miss served by PostgreSQL', results.postgres, ['api', 'postgres']),
  };
  const profileOf = (apiVariant: ApiVariant) => () => profileApi(context, apiVariant, paths);
  const bareMicros = (runs: readonly LoadResult[], name: string): number =>
    processMicrosPerOperation(
      runs.map((run) => ({ usage: run.cpu, operations: run.ok })),
      name,
    );
  const micros = {
    bare: bareMicros(results.bare, bare.child.name),
    headers: bareMicros(results.bareWithHeaders, bareWithHeaders.child.name),
    api: cpu.lru.total,
  };
  const headersNote = `What the gap is made of, from this run: the bare app used ${formatNumber(micros.bare, 1)} µs of CPU per read; sending the headers of the API's answer (${['x-request-id', ...Object.keys(apiHeaders)].join(', ')}) in place of its own five (x-request-id, etag, last-modified, cache-status, content-type) it used ${formatNumber(micros.headers, 1)} µs and reached ${formatNumber(median(rps(results.bareWithHeaders)))} req/s (${formatRatio(medianRatio(rps(results.bareWithHeaders), rps(results.bare)))} of the bare app); the API used ${formatNumber(micros.api, 1)} µs. Of the API's ${formatNumber(micros.api - micros.bare, 1)} µs above the bare app, ${formatNumber(micros.headers - micros.bare, 1)} µs are its headers (the security policy's among them) and ${formatNumber(micros.api - micros.headers, 1)} µs the rest of its chain: the request id, the metrics, the security and access middleware, routing, the LRU lookup and the conditional-request check. The profile below splits the same time by function.`;
  const generatorOnBare = median(results.bare.map((run) => run.cpu.processes.get('load generator') ?? 0));
  const generatorNote =
    generatorOnBare >= 0.8
      ? [
          `The load generator used ${generatorOnBare.toFixed(2)} cores (of its one) while loading the bare app: the baseline is partly bounded by the load generator, which understates the bare app and flatters the ratio.`,
        ]
      : [];

  return [
    {
      key: 'get-lru',
      path: 'GET /orders/{uid}, LRU hit',
      measuredAs: `req/s against a bare express app returning the same pre-serialised JSON, same Node, same run (c=${options.connections})`,
      figure: `${formatNumber(median(rps(results.lru)))} req/s, p99 ${formatNumber(median(p99(results.lru)), 1)} ms`,
      baseline: `${formatNumber(median(rps(results.bare)))} req/s, p99 ${formatNumber(median(p99(results.bare)), 1)} ms`,
      ratio: `${formatRatio(lruRatio)} req/s; p99 ${formatRatio(lruP99Ratio)}`,
      target: "≥ 0.80; p99 ≤ 1.5 × the bare app's",
      checks: [
        { description: `req/s ratio ${formatRatio(lruRatio)} ≥ 0.80`, met: lruRatio >= 0.8 },
        { description: `p99 ${formatRatio(lruP99Ratio)} the bare app's ≤ 1.5×`, met: lruP99Ratio <= 1.5 },
      ],
      runs: runLines('API', results.lru, 'bare', results.bare.map(describe)),
      notes: [
        "The API runs in redis mode with a one-hour LRU TTL, so every read is answered from the in-process LRU (Cache-Status: hit; detail=lru) with the order's serialised document as cached, through the whole middleware chain (request id, metrics, routing, ETag/If-None-Match).",
        ...generatorNote,
        `CPU: ${describeCpuPerOperation(cpu.lru)}.`,
        headersNote,
      ],
      cpu: [cpu.lru],
      profileSubject: profileOf(variants.lru),
    },
    {
      key: 'get-redis',
      path: 'GET, Redis hit (LRU off)',
      measuredAs: `req/s against the LRU path (c=${options.connections})`,
      figure: `${formatNumber(median(rps(results.redis)))} req/s, p99 ${formatNumber(median(p99(results.redis)), 1)} ms`,
      baseline: `LRU path ${formatNumber(median(rps(results.lru)))} req/s`,
      ratio: formatRatio(redisRatio),
      target: '≥ 0.70',
      checks: [{ description: `req/s ratio ${formatRatio(redisRatio)} ≥ 0.70`, met: redisRatio >= 0.7 }],
      runs: runLines('Redis', results.redis, 'LRU', results.lru.map(describe)),
      notes: [
        `The LRU is off (CACHE_LRU_MAX_BYTES=${LRU_OFF}: no order fits), so each read is one EVALSHA of the read script (generation pointer + HMGET) on Redis; concurrent reads share node-redis's pipeline.`,
        `CPU: ${describeCpuPerOperation(cpu.redis)}.`,
      ],
      cpu: [cpu.redis],
      profileSubject: profileOf(variants.redis),
    },
    {
      key: 'get-postgres',
      path: 'GET, miss served by PostgreSQL',
      measuredAs: `req/s against pgbench doing the same primary-key read at the same concurrency (c=${options.connections})`,
      figure: `${formatNumber(median(rps(results.postgres)))} req/s, p99 ${formatNumber(median(p99(results.postgres)), 1)} ms`,
      baseline: `pgbench ${formatNumber(median(results.pgbench.map((run) => run.tps)))} tps`,
      ratio: formatRatio(postgresRatio),
      target: '≥ 0.35',
      checks: [{ description: `req/s ratio ${formatRatio(postgresRatio)} ≥ 0.35`, met: postgresRatio >= 0.35 }],
      runs: runLines(
        'API',
        results.postgres,
        'pgbench',
        results.pgbench.map((run) => `${formatNumber(run.tps)} tps, latency average ${run.latencyAverageMs} ms`),
      ),
      notes: [
        "Both caches are off (CACHE_BACKEND=lru with CACHE_LRU_MAX_BYTES=1), so every read runs the repository's document read, in which PostgreSQL builds the order's document as JSON text (ORDER_DOCUMENT_SELECT of apps/api/src/adapters/order-rows.ts), and the API sends that text on as it comes. The misses that arrive in one turn of the API's event loop share one statement (`where o.order_uid = any($1)`, apps/api/src/adapters/batched-reads.ts), so at c=16 a statement usually carries several reads. pgbench runs the document read, prepared, one uid per transaction:",
        `\`${results.pgbench[0]?.commandLine ?? 'pgbench'}\` with this script:`,
        scriptForReport(readScript),
        `CPU: ${describeCpuPerOperation(cpu.postgres)}.`,
        `What bounds the ratio, from this run: the same API answering from its LRU (no database at all) reached ${formatRatio(medianRatio(rps(results.lru), pgbenchTps))} of pgbench's rate, and the bare express app sending a prepared body ${formatRatio(medianRatio(rps(results.bare), pgbenchTps))}; the miss path reached ${formatRatio(medianRatio(rps(results.postgres), rps(results.lru)))} of the LRU path. A read through express on one core costs more than PostgreSQL's prepared read of the document on its backends, so once the ratio approaches the LRU path's, what is left is HTTP, not the database.`,
      ],
      cpu: [cpu.postgres],
      profileSubject: profileOf(variants.postgres),
    },
  ];
}

/** The API of `variant` under `--cpu-prof`, loaded for a few seconds, then stopped so that it writes its profile. */
export async function profileApi(context: BenchContext, variant: ApiVariant, paths: readonly string[]) {
  const dir = join(context.profileDir, variant.name);
  const api = await startApi(context.children, context.stack, { ...variant, name: `${variant.name}-profiled`, cpuProfileDir: dir });
  try {
    await warmUp({ url: api.url, connections: context.options.connections, durationSeconds: 1, paths }, 1);
    await runLoad({ url: api.url, connections: context.options.connections, durationSeconds: 6, paths });
  } finally {
    await api.child.stop();
  }
  return summariseCpuProfile(dir);
}
