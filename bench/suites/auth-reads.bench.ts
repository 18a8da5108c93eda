/**
 * The auth rows: GET /orders/{uid} from the LRU with a bearer token on every
 * request, against the same read without access control in the same run; and
 * the same read when every request's token must be verified (a fresh token
 * per request: 1,000 distinct tokens cycling through a verified-token cache of
 * one entry, so no request finds its token verified).
 */
import { ALL_SCOPES } from '@order-service/dev-issuer';
import { benchAuth } from '../support/bench-auth.js';
import type { BenchContext } from '../support/bench-context.js';
import { startApi, type ApiVariant, type RunningServer } from '../support/bench-servers.js';
import { describeCpu } from '../support/cpu-usage.js';
import { runLoad, warmUp } from '../support/http-load.js';
import type { LoadResult } from '../support/load-spec.js';
import { interleave, medianRatio } from '../support/interleave.js';
import { readAll, seededPaths } from '../support/seed-orders.js';
import { formatNumber, formatRatio, median } from '../support/statistics.js';
import { progress } from '../support/progress-log.js';
import type { RowReport } from '../support/report.js';
import { ensureSeeded } from './get-reads.bench.js';

const HOUR_MS = 3_600_000;
const FRESH_TOKENS = 1_000;
/** Limits no run reaches: the rows pay the rate limiter's work, as a deployment does, without its refusals. */
const UNREACHED_LIMIT = '1000000000';

export async function authReadsBench(context: BenchContext): Promise<RowReport[]> {
  const { options, children, stack } = context;
  const topic = context.topicName('auth');
  await context.topics.create(topic);
  const keyPrefix = context.keyPrefix('auth');
  const variant = (name: string, patch: Partial<ApiVariant>): ApiVariant => ({
    name,
    topic,
    cacheBackend: 'redis',
    keyPrefix,
    invalidationChannel: `${keyPrefix}:invalidate`,
    lruTtlMs: HOUR_MS,
    rateLimit: UNREACHED_LIMIT,
    ...patch,
  });
  const variants = {
    open: variant('api-lru-no-auth', { withoutAuth: true }),
    token: variant('api-lru-token', {}),
    fresh: variant('api-lru-fresh-token', { tokenCacheEntries: 1 }),
  };
  progress('starting the API three times in LRU-hit mode: without access control, with a reused token, verifying every token');
  const { uidPrefix, count } = await ensureSeeded(context);
  const [open, token, fresh] = await Promise.all([
    startApi(children, stack, variants.open),
    startApi(children, stack, variants.token),
    startApi(children, stack, variants.fresh),
  ]);
  const issuer = benchAuth().issuer;
  const tokens = await Promise.all(
    Array.from({ length: FRESH_TOKENS }, (_, i) =>
      issuer.sign({ subject: `staff:bench-${i}`, scopes: ALL_SCOPES, ttlSeconds: 24 * 3600, alg: i % 2 ? 'ES256' : 'RS256' }),
    ),
  );
  await Promise.all([open, token, fresh].map((server) => readAll(server.url, uidPrefix, count)));
  const paths = seededPaths(uidPrefix, count, Math.min(2000, count * 2));
  const load = (server: RunningServer, extra: { tokens?: readonly string[] } = {}) => ({
    url: server.url,
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    paths,
    ...extra,
    watch: new Map([
      [server.child.name, server.child.pid],
      ['load generator', process.pid],
    ]),
  });
  if (!options.smoke) {
    progress('warming up');
    await warmUp(load(open), 2);
    await warmUp(load(token), 2);
    await warmUp(load(fresh, { tokens }), 2);
  }
  progress(`measuring: ${options.runs} interleaved rounds of ${options.durationSeconds} s at c=${options.connections}`);
  const results = { open: [] as LoadResult[], token: [] as LoadResult[], fresh: [] as LoadResult[] };
  await interleave(options.runs, [
    { name: 'GET, LRU hit, no access control', run: async () => void results.open.push(await runLoad(load(open))) },
    { name: 'GET, LRU hit, reused token', run: async () => void results.token.push(await runLoad(load(token))) },
    { name: 'GET, LRU hit, fresh token', run: async () => void results.fresh.push(await runLoad(load(fresh, { tokens }))) },
  ]);
  await Promise.all([open, token, fresh].map((server) => server.child.stop()));

  const rps = (runs: readonly LoadResult[]): number[] => runs.map((run) => run.requestsPerSecond);
  const describe = (run: LoadResult): string =>
    `${formatNumber(run.requestsPerSecond)} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (${describeCpu(run.cpu)})`;
  const runLines = (subject: string, subjectRuns: readonly LoadResult[]): string[] =>
    subjectRuns.map((run, i) => `round ${i + 1}: ${subject} ${describe(run)}; no access control ${results.open[i] ? describe(results.open[i]) : 'n/a'}`);
  const tokenRatio = medianRatio(rps(results.token), rps(results.open));
  const freshRatio = medianRatio(rps(results.fresh), rps(results.open));
  const baseline = `no access control ${formatNumber(median(rps(results.open)))} req/s`;
  return [
    {
      key: 'auth-token',
      path: 'GET /orders/{uid}, LRU hit, the same bearer token on every request',
      measuredAs: `req/s against the same read without access control (AUTH_REQUIRED=false), same run (c=${options.connections})`,
      figure: `${formatNumber(median(rps(results.token)))} req/s`,
      baseline,
      ratio: formatRatio(tokenRatio),
      target: '≥ 0.90',
      checks: [{ description: `req/s ratio ${formatRatio(tokenRatio)} ≥ 0.90`, met: tokenRatio >= 0.9 }],
      runs: runLines('token', results.token),
      notes: [
        'Both APIs run in redis mode with a one-hour LRU TTL (every read an LRU hit) and the rate limiter at a limit no run reaches. The token (RS256) is verified once; later requests find it in the verified-token cache.',
      ],
    },
    {
      key: 'auth-fresh-token',
      path: 'GET /orders/{uid}, LRU hit, a token verified on every request',
      measuredAs: `req/s against the same read without access control, same run (c=${options.connections})`,
      figure: `${formatNumber(median(rps(results.fresh)))} req/s`,
      baseline,
      ratio: formatRatio(freshRatio),
      target: 'reported',
      checks: [],
      runs: runLines('fresh token', results.fresh),
      notes: [
        `${FRESH_TOKENS} distinct tokens (half RS256, half ES256) cycle through an API whose verified-token cache holds one entry (AUTH_TOKEN_CACHE_MAX_ENTRIES=1), so every request pays a signature check, as with a fresh token per request.`,
      ],
    },
  ];
}
