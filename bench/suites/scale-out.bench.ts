import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxConfig } from '../../scripts/lib/nginx-config.js';
import type { BenchContext } from '../support/bench-context.js';
import { freePort, startApi, waitForReady, type ApiVariant } from '../support/bench-servers.js';
import { cpuPerOperation, describeCpuPerOperation } from '../support/cpu-per-operation.js';
import { describeCpu } from '../support/cpu-usage.js';
import { runLoad, warmUp } from '../support/http-load.js';
import type { LoadResult, LoadSpec } from '../support/load-spec.js';
import { interleave, medianRatio } from '../support/interleave.js';
import { progress } from '../support/progress-log.js';
import type { RowReport } from '../support/report.js';
import { readAll, seededPaths } from '../support/seed-orders.js';
import { formatNumber, formatRatio, median } from '../support/statistics.js';
import { ensureSeeded } from './get-reads.bench.js';

/** Both API processes may use either core: pinning two servers to one core would measure nothing. */
const ANY_CORE = '0,1';

/** Row 8: GET (LRU hit) through nginx to two API processes against one, CPU use reported. */
export async function scaleOutBench(context: BenchContext): Promise<RowReport[]> {
  const { options, children, stack } = context;
  const topic = context.topicName('get');
  await context.topics.create(topic);
  const keyPrefix = context.keyPrefix('scale');
  const variant = (name: string): ApiVariant => ({
    name,
    topic,
    cacheBackend: 'redis',
    keyPrefix,
    invalidationChannel: `${keyPrefix}:invalidate`,
    lruTtlMs: 3_600_000,
    cores: ANY_CORE,
  });
  progress('starting two API processes and nginx in front of them');
  const { uidPrefix, count } = await ensureSeeded(context);
  const [first, second] = await Promise.all([startApi(children, stack, variant('api-a')), startApi(children, stack, variant('api-b'))]);
  await Promise.all([readAll(first.url, uidPrefix, count), readAll(second.url, uidPrefix, count)]);

  const [onePort, twoPort] = [await freePort(), await freePort()];
  const config = join(context.tmpDir, 'nginx.conf');
  writeFileSync(
    config,
    // The load balancer ./scripts/up runs, as one process (the same retry rules; GETs take its direct location).
    nginxConfig({
      dir: context.tmpDir,
      singleProcess: true,
      upstreams: [
        { name: 'one', ports: [first.port] },
        { name: 'two', ports: [first.port, second.port] },
      ],
      servers: [
        { port: onePort, upstream: 'one' },
        { port: twoPort, upstream: 'two' },
      ],
    }),
  );
  const nginx = children.start({
    name: 'nginx',
    command: 'nginx',
    args: ['-p', context.tmpDir, '-e', join(context.tmpDir, 'error.log'), '-c', config],
    cores: ANY_CORE,
  });
  // Through nginx to an API replica (/readyz is on the replicas' admin ports, which nginx does not proxy).
  await waitForReady(nginx, `http://127.0.0.1:${onePort}/healthz`);
  await waitForReady(nginx, `http://127.0.0.1:${twoPort}/healthz`);

  const paths = seededPaths(uidPrefix, count, Math.min(2000, count * 2));
  const watch = new Map([
    ['api-a', first.child.pid],
    ['api-b', second.child.pid],
    ['nginx', nginx.pid],
    ['load generator', process.pid],
  ]);
  const connections = options.connections * 2;
  const load = (port: number, durationSeconds = options.durationSeconds): LoadSpec => ({
    url: `http://127.0.0.1:${port}`,
    connections,
    durationSeconds,
    paths,
    watch,
  });
  if (!options.smoke) {
    progress('warming up');
    await warmUp(load(twoPort), 2);
    await warmUp(load(onePort), 2);
  }

  progress(`measuring: ${options.runs} interleaved rounds of ${options.durationSeconds} s at c=${connections}`);
  const results = { one: [] as LoadResult[], two: [] as LoadResult[] };
  await interleave(options.runs, [
    { name: '1 API process behind nginx', run: async () => void results.one.push(await runLoad(load(onePort))) },
    { name: '2 API processes behind nginx', run: async () => void results.two.push(await runLoad(load(twoPort))) },
  ]);
  await Promise.all([nginx.stop(), first.child.stop(), second.child.stop()]);

  const rps = (runs: readonly LoadResult[]): number[] => runs.map((run) => run.requestsPerSecond);
  const ratio = medianRatio(rps(results.two), rps(results.one));
  const describe = (run: LoadResult): string => `${formatNumber(run.requestsPerSecond)} req/s, p99 ${run.latencyMs.p99} ms (${describeCpu(run.cpu)})`;
  const twoCpu = cpuPerOperation(
    'GET through nginx to 2 API processes, LRU hit',
    `scale-out row, c=${connections}`,
    results.two.map((run) => ({ usage: run.cpu, operations: run.ok })),
    ['api', 'nginx'],
  );
  const lessBusyCore = median(results.two.map((run) => Math.min(...run.cpu.cores)));
  return [
    {
      key: 'scale-out',
      path: 'scale-out',
      measuredAs: `GET (LRU hit) through nginx: 2 API processes behind the load balancer against 1 (c=${connections})`,
      figure: `2 processes: ${formatNumber(median(rps(results.two)))} req/s`,
      baseline: `1 process: ${formatNumber(median(rps(results.one)))} req/s`,
      ratio: formatRatio(ratio),
      target: 'reported, with CPU saturation noted',
      checks: [],
      runs: results.one.map((run, i) => `round ${i + 1}: 1 process ${describe(run)}; 2 processes ${results.two[i] ? describe(results.two[i]) : 'n/a'}`),
      cpu: [twoCpu],
      notes: [
        `CPU: ${describeCpuPerOperation(twoCpu)}.`,
        `CPU saturation: with two API processes the less busy core was still ${Math.round(lessBusyCore * 100)}% busy (median over the rounds): the two cores are shared by both API processes, nginx, the load generator, Redis and PostgreSQL, so a second process can only take what the load generator and nginx leave. On this 2-core machine the row shows the load balancer and the second process work, not how far the API scales; on a machine with a core per process the ratio is what to watch.`,
        'nginx runs as one process (master_process off) with keep-alive connections to the upstreams; the APIs are not pinned (either core), the load generator stays on core 1.',
      ],
    },
  ];
}
