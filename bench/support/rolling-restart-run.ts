/**
 * The rolling-restart run shared by test/e2e/rolling-restart.test.ts (which
 * checks what the client saw and what was stored) and the bench suite
 * rolling-restart.bench.ts (which reports its figures): ./scripts/up --detach
 * with 2 API replicas behind nginx and 2 projector workers, a steady mixed
 * load through nginx, then ./scripts/restart-rolling (every replica, then
 * every worker) while the load goes on, then a few seconds more of load.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { MixedLoad, type LoadSample } from './mixed-load.js';
import { percentile } from './statistics.js';
import { StalenessWatch, type StalenessSample } from './staleness-watch.js';

const run = promisify(execFile);

export interface RollingRestartOptions {
  /** The repository root (scripts/ is found there). */
  root: string;
  /** The environment of up, restart-rolling and down: RUN_DIR, ports, database, Redis, topic, group, key prefix, channel. */
  env: NodeJS.ProcessEnv;
  /** A command that runs up and restart-rolling (and so the apps), such as `taskset -c 0,1`; none by default. */
  launcher?: readonly string[];
  replicas: number;
  workers: number;
  /** nginx's URL (PORT). */
  publicUrl: string;
  redisUrl: string;
  invalidationChannel: string;
  /** Requests per second of the mixed load. */
  rate: number;
  /** Seconds of load before the restarts (the first second is not counted as steady). */
  steadySeconds: number;
  /** Seconds of load after restart-rolling returned. */
  tailSeconds: number;
  /** customer_id of the orders the load creates. */
  customerId: string;
  progress?: (line: string) => void;
}

/** Epoch milliseconds at which each part of the run began. */
export interface RunPhases {
  loadStart: number;
  restartStart: number;
  /** When restart-rolling sent its first worker SIGTERM. */
  workersStart: number;
  restartEnd: number;
  loadEnd: number;
}

export interface RollingRestartRun {
  load: MixedLoad;
  staleness: StalenessWatch;
  phases: RunPhases;
  /** What restart-rolling printed. */
  restartOutput: string;
  /** Stops every app up started (./scripts/down). */
  down(): Promise<void>;
}

/** One line of an app's JSON log. */
export interface AppLogLine {
  time: string;
  msg: string;
  partitions?: Array<{ topic: string; partition: number }>;
}

/** The JSON lines of an app's log under RUN_DIR (lines that are not JSON are skipped). */
export function readAppLog(runDir: string, name: string): AppLogLine[] {
  return readFileSync(join(runDir, `${name}.log`), 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as unknown;
        return typeof parsed === 'object' && parsed !== null && 'msg' in parsed ? [parsed as AppLogLine] : [];
      } catch {
        return [];
      }
    });
}

export async function runRollingRestart(options: RollingRestartOptions): Promise<RollingRestartRun> {
  const { root, env } = options;
  const progress = options.progress ?? (() => undefined);
  const script = (name: string): string => join(root, 'scripts', name);
  const launch = (name: string, args: readonly string[]): [string, string[]] => {
    const [command, ...prefix] = [...(options.launcher ?? []), script(name)];
    return [command ?? script(name), [...prefix, ...args]];
  };
  const down = async (): Promise<void> => {
    await run(script('down'), [], { env, cwd: root, timeout: 120_000 });
  };

  progress(`./scripts/up --detach --replicas ${options.replicas} --workers ${options.workers}`);
  try {
    await run(...launch('up', ['--detach', '--replicas', String(options.replicas), '--workers', String(options.workers)]), {
      env,
      cwd: root,
      timeout: 300_000,
    });
  } catch (error) {
    await down().catch(() => undefined);
    const { stderr } = error as { stderr?: string };
    throw new Error(`./scripts/up failed:\n${stderr ?? String(error)}`);
  }

  const staleness = new StalenessWatch(options.redisUrl, options.invalidationChannel);
  let load: MixedLoad | undefined;
  try {
    const token = (await run(script('token'), [], { env, cwd: root })).stdout.trim();
    await staleness.start();
    load = new MixedLoad({
      url: options.publicUrl,
      token,
      rate: options.rate,
      mix: { get: 0.5, post: 0.3, put: 0.2 },
      customerId: options.customerId,
      keyPrefix: `${options.customerId}-key`,
      onWrite: (write) => staleness.record(write),
    });
    const loadStart = Date.now();
    load.start();
    progress(`steady load at ${options.rate} requests/s for ${options.steadySeconds} s`);
    await sleep(options.steadySeconds * 1000);

    progress('./scripts/restart-rolling under load');
    const restartStart = Date.now();
    let workersStart = 0;
    const child = spawn(...launch('restart-rolling', []), { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        // eslint-disable-next-line no-control-regex
        progress(`restart-rolling: ${line.replace(/\u001b\[[0-9;]*m/g, '')}`);
        if (workersStart === 0 && /\(worker, pid \d+\): SIGTERM/.test(line)) workersStart = Date.now();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const restartEnd = Date.now();
    if (code !== 0) throw new Error(`./scripts/restart-rolling exited with ${code}:\n${output}`);

    progress(`load for ${options.tailSeconds} s more`);
    await sleep(options.tailSeconds * 1000);
    await load.stop();
    const loadEnd = Date.now();
    // Every acknowledged write is announced once the projector caught up.
    for (const deadline = Date.now() + 30_000; staleness.unannounced > 0 && Date.now() < deadline;) await sleep(200);
    return { load, staleness, phases: { loadStart, restartStart, workersStart: workersStart || restartEnd, restartEnd, loadEnd }, restartOutput: output, down };
  } catch (error) {
    await load?.stop();
    await staleness.stop();
    await down().catch(() => undefined);
    throw error;
  }
}

export interface RunFigures {
  requests: number;
  ratePerSecond: number;
  /** Requests that failed without an answer (refused, reset, timed out). */
  connectionErrors: number;
  serverErrors: number;
  statuses: Record<string, number>;
  steadyP99Ms: number;
  restartP99Ms: number;
  apiRestartP99Ms: number;
  workerRestartP99Ms: number;
  steadyStalenessP99Ms: number;
  steadyStalenessMaxMs: number;
  workersStalenessP99Ms: number;
  workersStalenessMaxMs: number;
  workersWrites: number;
  restartSeconds: number;
}

/** The figures of a run: latency before and during the restarts, staleness before and during the workers' restarts. */
export function figuresOf({ load, staleness, phases }: Pick<RollingRestartRun, 'load' | 'staleness' | 'phases'>): RunFigures {
  const within = (from: number, to: number) => (sample: LoadSample) => sample.dueAt >= from && sample.dueAt < to;
  const p99 = (samples: readonly LoadSample[]): number =>
    percentile(
      samples.map((sample) => sample.latencyMs),
      99,
    );
  const staleWithin = (from: number, to: number): StalenessSample[] => staleness.samples.filter((s) => s.ackedAt >= from && s.ackedAt < to);
  const staleP99 = (samples: readonly StalenessSample[]): number =>
    percentile(
      samples.map((s) => s.staleMs),
      99,
    );
  const staleMax = (samples: readonly StalenessSample[]): number => (samples.length === 0 ? Number.NaN : Math.max(...samples.map((s) => s.staleMs)));
  const statuses: Record<string, number> = {};
  for (const sample of load.samples) {
    const key = sample.status === 0 ? `error ${sample.error ?? ''}`.trim() : `${sample.kind.toUpperCase()} ${sample.status}`;
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  // The first second warms connections and caches: not steady.
  const steadyFrom = phases.loadStart + 1_000;
  const steadyStale = staleWithin(steadyFrom, phases.restartStart);
  const workersStale = staleWithin(phases.workersStart, phases.restartEnd);
  return {
    requests: load.samples.length,
    // Offered: requests over the span of their due times (answers of an overloaded moment arrive later).
    ratePerSecond: load.samples.length / (Math.max(1, Math.max(...load.samples.map((s) => s.dueAt)) - phases.loadStart) / 1000),
    connectionErrors: load.samples.filter((s) => s.status === 0).length,
    serverErrors: load.samples.filter((s) => s.status >= 500).length,
    statuses,
    steadyP99Ms: p99(load.samples.filter(within(steadyFrom, phases.restartStart))),
    restartP99Ms: p99(load.samples.filter(within(phases.restartStart, phases.restartEnd))),
    apiRestartP99Ms: p99(load.samples.filter(within(phases.restartStart, phases.workersStart))),
    workerRestartP99Ms: p99(load.samples.filter(within(phases.workersStart, phases.restartEnd))),
    steadyStalenessP99Ms: staleP99(steadyStale),
    steadyStalenessMaxMs: staleMax(steadyStale),
    workersStalenessP99Ms: staleP99(workersStale),
    workersStalenessMaxMs: staleMax(workersStale),
    workersWrites: workersStale.length,
    restartSeconds: (phases.restartEnd - phases.restartStart) / 1000,
  };
}

/** The figures as the lines the test and the bench print. */
export function describeFigures(figures: RunFigures): string[] {
  const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a');
  return [
    `${figures.requests} requests at ${figures.ratePerSecond.toFixed(0)}/s: ${figures.connectionErrors} connection errors, ${figures.serverErrors} 5xx (${Object.entries(
      figures.statuses,
    )
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ')})`,
    `p99 latency: steady ${ms(figures.steadyP99Ms)}; during the rolling restart ${ms(figures.restartP99Ms)} (${(figures.restartP99Ms / figures.steadyP99Ms).toFixed(2)}x; API replicas ${ms(figures.apiRestartP99Ms)}, workers ${ms(figures.workerRestartP99Ms)}), restart took ${figures.restartSeconds.toFixed(1)} s`,
    `projection staleness (acknowledged write to announced in Redis): steady p99 ${ms(figures.steadyStalenessP99Ms)}, max ${ms(figures.steadyStalenessMaxMs)}; during the workers' restart p99 ${ms(figures.workersStalenessP99Ms)}, max ${ms(figures.workersStalenessMaxMs)} over ${figures.workersWrites} writes`,
  ];
}
