import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { authorizationHeader } from '../support/bench-auth.js';
import type { BenchContext } from '../support/bench-context.js';
import { startApi } from '../support/bench-servers.js';
import { sampleSum, scrapeMetrics } from '../support/metrics-scrape.js';
import { progress } from '../support/progress-log.js';
import type { RowReport } from '../support/report.js';
import { seededPaths } from '../support/seed-orders.js';
import { formatNumber } from '../support/statistics.js';
import { apiConfigSchema } from '../../apps/api/src/config.js';
import { processTicks } from '../support/cpu-usage.js';
import { ensureSeeded } from './get-reads.bench.js';
import { templateBody } from './post-orders.bench.js';

const MIB = 1024 * 1024;
/** RSS after the LRU is full may rise above what it was at the fill by this share, at most. */
const FLAT_WITHIN = 0.1;
/** The container size the default CACHE_LRU_MAX_BYTES is chosen for. */
const CONTAINER_BYTES = 512 * MIB;
/**
 * The V8 heap Node 24 gives itself in a 512 MiB container: it sizes the heap
 * from the cgroup's memory limit (heap_size_limit 259 MiB: 256 MiB of old
 * generation, 1 MiB semi-spaces), which these flags reproduce exactly. Without
 * them this 2-core machine's 23.5 GiB would give 4 GiB of old generation and
 * 64 MiB semi-spaces, and V8 lets the old generation grow to about four times
 * what survives a collection before it collects: RSS then climbs long after
 * the LRU is full with garbage no container would ever hold.
 */
const CONTAINER_HEAP_FLAGS = '--max-old-space-size=256 --max-semi-space-size=1';

interface MemorySample {
  at: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  arrayBufferBytes: number;
  lruBytes: number;
  lruEntries: number;
  cpuTicks: number;
}

/**
 * The LRU's memory bound (CACHE_LRU_MAX_BYTES at its default): one API process
 * with the heap of a 512 MiB container, under the mixed load of issue 13 (16
 * connections, 3 creates in every 10 requests, the rest reads of seeded
 * orders) until its LRU is full, then as long again, RSS sampled every second:
 * the highest RSS after the fill must stay within 10% of RSS at the fill, and
 * within the container.
 */
export async function lruSoakBench(context: BenchContext): Promise<RowReport[]> {
  const { options, children, stack } = context;
  const defaultMaxBytes = apiConfigSchema.cache.lruMaxBytes.default;
  const maxBytes = options.smoke ? 2 * MIB : defaultMaxBytes;
  const capSeconds = options.smoke ? 8 : 600;
  const topic = context.topicName('soak');
  await context.topics.create(topic);
  const keyPrefix = context.keyPrefix('soak');
  const { uidPrefix, count } = await ensureSeeded(context);
  progress(`starting the API (CACHE_BACKEND=lru, CACHE_LRU_MAX_BYTES=${maxBytes}, NODE_OPTIONS=${CONTAINER_HEAP_FLAGS})`);
  const api = await startApi(children, stack, {
    name: 'api-soak',
    topic,
    cacheBackend: 'lru',
    lruMaxBytes: maxBytes,
    keyPrefix,
    invalidationChannel: `${keyPrefix}:invalidate`,
    env: { NODE_OPTIONS: CONTAINER_HEAP_FLAGS },
  });

  const sample = async (): Promise<MemorySample | undefined> => {
    const metrics = await scrapeMetrics(`${api.adminUrl}/metrics`);
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readProcStatus(api.child.pid))?.[1];
    if (metrics === undefined || rss === undefined) return undefined;
    const gauge = (name: string): number => sampleSum(metrics, name) ?? Number.NaN;
    return {
      at: performance.now(),
      rssBytes: Number(rss) * 1024,
      heapUsedBytes: gauge('nodejs_heap_size_used_bytes'),
      heapTotalBytes: gauge('nodejs_heap_size_total_bytes'),
      externalBytes: gauge('nodejs_external_memory_bytes'),
      arrayBufferBytes: gauge('nodejs_array_buffers_bytes'),
      lruBytes: gauge('order_lru_bytes'),
      lruEntries: gauge('order_lru_entries'),
      cpuTicks: processTicks(api.child.pid) ?? Number.NaN,
    };
  };

  const start = await sample();
  const paths = seededPaths(uidPrefix, count, Math.min(5000, count));
  let next = 0;
  const body = templateBody();
  const headers = { ...authorizationHeader(), 'content-type': 'application/json' };
  const post: autocannon.Request = { method: 'POST', path: '/orders', body, headers };
  const get: autocannon.Request = {
    method: 'GET',
    headers,
    setupRequest: (request) => ({ ...request, path: paths[(next += 1) % paths.length] ?? '/orders' }),
  };
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: api.url,
        connections: 16,
        duration: capSeconds + 5,
        timeout: 10,
        requests: [post, get, get, post, get, get, get, post, get, get],
      },
      (error, result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)),
    );
  });
  progress(`mixed load until the LRU holds ${formatNumber(maxBytes / MIB)} MiB, then as long again (at most ${capSeconds} s in all)`);
  const startedAt = performance.now();
  let fill: MemorySample | undefined;
  const samples: MemorySample[] = [];
  for (;;) {
    await sleep(1_000);
    const now = await sample();
    if (now === undefined) continue;
    samples.push(now);
    const elapsed = (now.at - startedAt) / 1000;
    if (fill === undefined && now.lruBytes >= 0.95 * maxBytes) {
      fill = now;
      progress(`  full after ${elapsed.toFixed(0)} s: ${formatNumber(now.lruEntries)} orders, RSS ${formatNumber(now.rssBytes / MIB, 1)} MiB`);
    }
    if (fill !== undefined && now.at - startedAt >= 2 * (fill.at - startedAt)) break;
    if (elapsed >= capSeconds) break;
  }
  instance?.stop();
  const result = await finished;
  await api.child.stop();

  const last = samples.at(-1);
  const afterFill = fill === undefined ? [] : samples.slice(samples.indexOf(fill) + 1);
  const peak = afterFill.reduce<MemorySample | undefined>((high, s) => (high === undefined || s.rssBytes > high.rssBytes ? s : high), undefined);
  const highest = samples.reduce((high, s) => Math.max(high, s.rssBytes), 0);
  const seconds = (s: MemorySample | undefined): number => (s === undefined ? Number.NaN : Math.max(0, (s.at - startedAt) / 1000));
  const growth = fill === undefined || peak === undefined ? Number.NaN : peak.rssBytes / fill.rssBytes - 1;
  const mib = (bytes: number | undefined): string => (bytes === undefined || !Number.isFinite(bytes) ? 'n/a' : `${formatNumber(bytes / MIB, 1)} MiB`);
  const perEntry = fill === undefined || start === undefined ? Number.NaN : (fill.rssBytes - start.rssBytes) / Math.max(1, fill.lruEntries);
  const memory = (label: string, s: MemorySample | undefined): string =>
    s === undefined
      ? `${label}: n/a`
      : `${label} (${formatNumber(seconds(s))} s): RSS ${mib(s.rssBytes)}, heapTotal ${mib(s.heapTotalBytes)}, heapUsed ${mib(s.heapUsedBytes)}, external ${mib(s.externalBytes)} of which arrayBuffers ${mib(s.arrayBufferBytes)}, RSS outside the heap and external memory ${mib(s.rssBytes - s.heapTotalBytes - s.externalBytes)}`;
  // heapUsed is lowest just after a collection: what survives, without the garbage between collections.
  const lowestHeap = (from: number, to: number): number =>
    samples.filter((s) => seconds(s) >= from && seconds(s) <= to).reduce((low, s) => Math.min(low, s.heapUsedBytes), Number.POSITIVE_INFINITY);
  const fillSeconds = seconds(fill);
  const midSoak = (fillSeconds + seconds(last)) / 2;
  const earlyHeap = lowestHeap(fillSeconds, midSoak);
  const lateHeap = lowestHeap(midSoak, Number.POSITIVE_INFINITY);
  const requests = result['2xx'] + result.non2xx;
  const cpuMicros = start === undefined || last === undefined ? Number.NaN : ((last.cpuTicks - start.cpuTicks) * 10_000) / Math.max(1, requests);
  const delta = (pick: (s: MemorySample) => number): string => {
    if (fill === undefined || peak === undefined) return 'n/a';
    const change = (pick(peak) - pick(fill)) / MIB;
    return `${change >= 0 ? '+' : ''}${formatNumber(change, 1)} MiB`;
  };
  return [
    {
      key: 'lru-soak',
      path: 'LRU memory bound (soak)',
      measuredAs: `one API (CACHE_BACKEND=lru, CACHE_LRU_MAX_BYTES ${formatNumber(maxBytes / MIB)} MiB, the default; the V8 heap of a 512 MiB container: NODE_OPTIONS=${CONTAINER_HEAP_FLAGS}) under 16 connections of 30% creates, 70% reads until the LRU is full, then as long again, RSS every second: the highest after the fill against the fill`,
      figure:
        fill === undefined
          ? `not full after ${formatNumber(seconds(last))} s (${formatNumber(last?.lruEntries ?? Number.NaN)} orders, ${mib(last?.lruBytes)} counted)`
          : `RSS ${mib(fill.rssBytes)} at the fill (${formatNumber(fillSeconds)} s, ${formatNumber(fill.lruEntries)} orders), at most ${mib(peak?.rssBytes)} after it (at ${formatNumber(seconds(peak))} s), ${mib(last?.rssBytes)} at ${formatNumber(seconds(last))} s`,
      baseline: `RSS at the fill`,
      ratio: Number.isFinite(growth) ? `${growth >= 0 ? '+' : ''}${formatNumber(growth * 100, 1)}%` : 'n/a',
      target: 'flat within 10% once full; within a 512 MiB container',
      checks: [
        { description: `the LRU filled (${mib(maxBytes)} counted) within ${capSeconds} s`, met: fill !== undefined },
        {
          description: `the highest RSS after the fill is ${formatNumber(growth * 100, 1)}% above RSS at the fill, within ${FLAT_WITHIN * 100}%`,
          met: growth <= FLAT_WITHIN,
        },
        {
          description: `the highest RSS of the run, ${mib(highest)}, is within the ${mib(CONTAINER_BYTES)} container (${formatNumber((highest / CONTAINER_BYTES) * 100)}% of it)`,
          met: highest > 0 && highest <= CONTAINER_BYTES,
        },
      ],
      runs: samples
        .filter((s, i) => i % Math.max(1, Math.floor(samples.length / 16)) === 0 || s === fill || s === peak || s === last)
        .map(
          (s) =>
            `${formatNumber(seconds(s))} s: RSS ${mib(s.rssBytes)}, heapTotal ${mib(s.heapTotalBytes)}, heapUsed ${mib(s.heapUsedBytes)}, external ${mib(s.externalBytes)} (arrayBuffers ${mib(s.arrayBufferBytes)}); LRU ${formatNumber(s.lruEntries)} orders, ${mib(s.lruBytes)} counted`,
        ),
      notes: [
        `${memory('Before the load', start)}. ${memory('At the fill', fill)}. ${memory('At the highest RSS after it', peak)}. ${memory('At the end', last)}.`,
        `From the fill to the highest RSS after it: RSS ${delta((s) => s.rssBytes)}: heapTotal ${delta((s) => s.heapTotalBytes)}, external ${delta((s) => s.externalBytes)} (arrayBuffers ${delta((s) => s.arrayBufferBytes)}), outside both ${delta((s) => s.rssBytes - s.heapTotalBytes - s.externalBytes)}. What survives a collection (heapUsed at its lowest) with the LRU full: ${mib(earlyHeap)} in the first half of the time after the fill, ${mib(lateHeap)} in the second.`,
        `RSS grew by ${formatNumber(perEntry)} bytes per cached order up to the fill, against ${formatNumber((fill?.lruBytes ?? Number.NaN) / Math.max(1, fill?.lruEntries ?? 1))} counted per order. The load answered ${formatNumber(result['2xx'])} requests with 2xx and ${formatNumber(result.non2xx)} otherwise; the API spent ${formatNumber(cpuMicros)} µs of CPU per request.`,
        "The LRU counts each entry's UTF-8 document (held once, as the bytes a hit sends, in an allocation of its own), its key and ENTRY_OVERHEAD_BYTES for the objects around it (apps/api/src/adapters/lru-order-cache.ts). The API runs with the heap Node gives itself in a 512 MiB container (see CONTAINER_HEAP_FLAGS in bench/suites/lru-soak.bench.ts): on a machine without a memory limit V8 sizes its heap from all the machine's memory and lets garbage grow to several times the live set, which is not what the cache costs.",
      ],
    },
  ];
}

function readProcStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}
