import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LoadResult, LoadSpec } from './load-spec.js';
import { cpuBetween, snapshotCpu } from './cpu-usage.js';
import { percentile } from './statistics.js';

/**
 * Open-loop load at a fixed rate: request i is due at start + i / rate, and
 * goes out then whatever the earlier ones are doing (queued for a free
 * keep-alive connection when all `connections` are busy). Latency is counted
 * from the time a request was due, so a slow answer delays nothing and is
 * counted in full: no coordinated omission.
 *
 * autocannon's rate limit is not used for this: it lets each connection send
 * its per-second budget back to back at the start of every second, so a
 * "500/s" run saturates the server for most of each second and then idles,
 * and its latencies are those of the bursts.
 */
export async function runPacedLoad(spec: LoadSpec & { overallRate: number }): Promise<LoadResult> {
  const target = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const method = spec.method ?? 'GET';
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  const headers = {
    ...(body !== undefined && { 'content-type': 'application/json', 'content-length': String(body.length) }),
    ...spec.headers,
  };
  const intervalMs = 1000 / spec.overallRate;
  const total = Math.max(1, Math.round(spec.overallRate * spec.durationSeconds));
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let lastDone = 0;

  const send = (due: number): Promise<void> =>
    new Promise((resolve) => {
      const req = request({ agent, host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          lastDone = performance.now();
          latencies.push(lastDone - due);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) ok += 1;
          else non2xx += 1;
          spec.onResponse?.(status, Buffer.concat(chunks).toString('utf8'));
          resolve();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });

  const before = snapshotCpu(spec.watch, spec.groups);
  const inFlight = new Set<Promise<void>>();
  const start = performance.now() + 1;
  let sent = 0;
  await new Promise<void>((allSent) => {
    const tick = (): void => {
      const now = performance.now();
      for (; sent < total && start + sent * intervalMs <= now; sent += 1) {
        const answered = send(start + sent * intervalMs);
        inFlight.add(answered);
        void answered.then(() => inFlight.delete(answered));
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
      else allSent();
    };
    tick();
  });
  await Promise.all(inFlight);
  agent.destroy();
  const cpu = cpuBetween(before, snapshotCpu(spec.watch, spec.groups));

  if (non2xx > 0 || errors > Math.max(0, (ok + non2xx) / 10_000)) {
    throw new Error(`${method} ${spec.url}: ${non2xx} non-2xx responses and ${errors} errors of ${total}`);
  }
  // Answers per second until the last one: below the rate when the server could not keep up.
  const durationSeconds = Math.max(spec.durationSeconds, (lastDone - start) / 1000);
  return {
    requestsPerSecond: ok / durationSeconds,
    ok,
    non2xx,
    errors,
    durationSeconds,
    latencyMs: {
      p50: tenths(percentile(latencies, 50)),
      p90: tenths(percentile(latencies, 90)),
      p99: tenths(percentile(latencies, 99)),
      max: tenths(percentile(latencies, 100)),
      mean: tenths(latencies.reduce((sum, latency) => sum + latency, 0) / Math.max(1, latencies.length)),
    },
    cpu,
  };
}

/** Milliseconds to a tenth, as the report prints them. */
function tenths(ms: number): number {
  return Math.round(ms * 10) / 10;
}
