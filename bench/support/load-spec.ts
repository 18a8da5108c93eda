/**
 * What a load run is asked to do and what it reports, shared by the closed-loop
 * runner (http-load.ts, autocannon) and the open-loop one (paced-load.ts).
 */
import type { CpuUsage, ProcessGroups } from './cpu-usage.js';

export interface LoadSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  body?: string;
  /** Sent with every request, after the suite's Authorization header (which they may replace). */
  headers?: Record<string, string>;
  /** Paths to cycle through; each connection starts at a different offset so no two ask for the same order together. */
  paths?: readonly string[];
  /** Bearer tokens to cycle through with the paths (one per request in turn) instead of the suite's one token. */
  tokens?: readonly string[];
  /** Requests per second, sent open-loop at even intervals (see runPacedLoad); unpaced (autocannon, closed-loop) when absent. */
  overallRate?: number;
  /** Called with each response's status and body (autocannon then reads bodies). */
  onResponse?: (status: number, body: string) => void;
  /** Processes whose CPU time to report, by name. */
  watch?: ReadonlyMap<string, number>;
  /** Groups of processes whose CPU time to report too (the stack's servers: BenchContext.stackProcesses). */
  groups?: ProcessGroups;
}

export interface LoadResult {
  /** 2xx responses per second. */
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationSeconds: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  cpu: CpuUsage;
}
