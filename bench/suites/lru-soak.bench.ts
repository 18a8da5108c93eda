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
import { ensureSeeded } from './get-reads.bench.js';
import { templateBody } from './post-orders.bench.js';

const MIB = 1024 * 1024;
/** RSS once the LRU is full may move by this share until the end, at most. */
const FLAT_WITHIN = 0.1;

interface MemorySample {
  at: number;
  rssBytes: number;
  heapBytes: number;
  externalBytes: number;
  lruBytes: number;
  lruEntries: number;
}

/**
 * The LRU's memory bound (CACHE_LRU_MAX_BYTES): one API process under the
 * mixed load of issue 13 (16 connections, 3 creates in every 10 requests, the
 * rest reads of seeded orders) until its LRU is full, then as long again; RSS
 * at the fill and at the end must agree within 10%.
 */
export async function lruSoakBench(context: BenchContext): Promise<RowReport[]> {
  const { options, children, stack } = context;
  const maxBytes = (options.smoke ? 2 : 32) * MIB;
  const capSeconds = options.smoke ? 8 : 150;
  const topic = context.topicName('soak');
  await context.topics.create(topic);
  const keyPrefix = context.keyPrefix('soak');
  const { uidPrefix, count } = await ensureSeeded(context);
  progress(`starting the API (CACHE_BACKEND=lru, CACHE_LRU_MAX_BYTES=${maxBytes})`);
  const api = await startApi(children, stack, {
    name: 'api-soak',
    topic,
    cacheBackend: 'lru',
    lruMaxBytes: maxBytes,
    keyPrefix,
    invalidationChannel: `${keyPrefix}:invalidate`,
  });

  const sample = async (): Promise<MemorySample | undefined> => {
    const metrics = await scrapeMetrics(`${api.adminUrl}/metrics`);
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readProcStatus(api.child.pid))?.[1];
    if (metrics === undefined || rss === undefined) return undefined;
    return {
      at: performance.now(),
      rssBytes: Number(rss) * 1024,
      heapBytes: sampleSum(metrics, 'nodejs_heap_size_used_bytes') ?? Number.NaN,
      externalBytes: sampleSum(metrics, 'nodejs_external_memory_bytes') ?? Number.NaN,
      lruBytes: sampleSum(metrics, 'order_lru_bytes') ?? Number.NaN,
      lruEntries: sampleSum(metrics, 'order_lru_entries') ?? Number.NaN,
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
  let statuses: { ok: number; other: number } = { ok: 0, other: 0 };
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
  let last: MemorySample | undefined;
  const samples: MemorySample[] = [];
  for (;;) {
    await sleep(1_000);
    const now = await sample();
    if (now === undefined) continue;
    samples.push(now);
    last = now;
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
  statuses = { ok: result['2xx'], other: result.non2xx };
  await api.child.stop();

  const fillSeconds = fill === undefined ? Number.NaN : (fill.at - startedAt) / 1000;
  const endSeconds = last === undefined ? Number.NaN : (last.at - startedAt) / 1000;
  const growth = fill === undefined || last === undefined ? Number.NaN : last.rssBytes / fill.rssBytes - 1;
  const mib = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${formatNumber(bytes / MIB, 1)} MiB`);
  const perEntry = fill === undefined || start === undefined ? Number.NaN : (fill.rssBytes - start.rssBytes) / Math.max(1, fill.lruEntries);
  return [
    {
      key: 'lru-soak',
      path: 'LRU memory bound (soak)',
      measuredAs: `one API (CACHE_BACKEND=lru, CACHE_LRU_MAX_BYTES ${formatNumber(maxBytes / MIB)} MiB) under 16 connections of 30% creates, 70% reads until the LRU is full, then as long again: RSS at the fill and at the end`,
      figure:
        fill === undefined
          ? `not full after ${formatNumber(endSeconds)} s (${formatNumber(last?.lruEntries ?? Number.NaN)} orders, ${mib(last?.lruBytes)} counted)`
          : `RSS ${mib(fill.rssBytes)} at the fill (${formatNumber(fillSeconds)} s, ${formatNumber(fill.lruEntries)} orders), ${mib(last?.rssBytes)} at ${formatNumber(endSeconds)} s`,
      baseline: `RSS at the fill`,
      ratio: Number.isFinite(growth) ? `${growth >= 0 ? '+' : ''}${formatNumber(growth * 100, 1)}%` : 'n/a',
      target: 'flat within 10% once full',
      checks: [
        { description: `the LRU filled (${mib(maxBytes)} counted) within ${capSeconds} s`, met: fill !== undefined },
        {
          description: `RSS moved ${formatNumber(growth * 100, 1)}% from the fill to the end, within ±${FLAT_WITHIN * 100}%`,
          met: Math.abs(growth) <= FLAT_WITHIN,
        },
      ],
      runs: samples
        .filter((_, i) => i % Math.max(1, Math.floor(samples.length / 12)) === 0 || samples[i] === fill || samples[i] === last)
        .map(
          (s) =>
            `${formatNumber((s.at - startedAt) / 1000)} s: RSS ${mib(s.rssBytes)}, heap ${mib(s.heapBytes)}, external ${mib(s.externalBytes)}; LRU ${formatNumber(s.lruEntries)} orders, ${mib(s.lruBytes)} counted`,
        ),
      notes: [
        `Before the load: RSS ${mib(start?.rssBytes)}, heap ${mib(start?.heapBytes)}, external ${mib(start?.externalBytes)}. RSS grew by ${formatNumber(perEntry)} bytes per cached order up to the fill, against ${formatNumber((fill?.lruBytes ?? Number.NaN) / Math.max(1, fill?.lruEntries ?? 1))} counted per order. The load answered ${formatNumber(statuses.ok)} requests with 2xx and ${formatNumber(statuses.other)} otherwise.`,
        "The LRU counts each entry's UTF-8 document (held once, as the bytes a hit sends, in an allocation of its own), its key and ENTRY_OVERHEAD_BYTES for the objects around it (apps/api/src/adapters/lru-order-cache.ts). At the default CACHE_LRU_MAX_BYTES (128 MiB) an API's RSS stays within a 512 MiB container with room for the rest; this row uses a smaller bound so that it fills within the suite's time.",
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
