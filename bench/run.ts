/**
 * The performance suite: `./scripts/bench [--smoke] [--duration S] [--runs N]`.
 * Runs each row of docs/PERFORMANCE.md against the local stack and writes the
 * report. Meant to run pinned to the load generator's core (scripts/bench does).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchContext } from './support/bench-context.js';
import { loadCommands } from './support/http-load.js';
import { describeMachine } from './support/machine.js';
import { parseBenchOptions, usage, UsageError, type BenchOptions, type SuiteName } from './support/options.js';
import { progress } from './support/progress-log.js';
import { renderConsoleSummary, renderReport, verdictOf, type RowReport } from './support/report.js';
import { ROOT } from './support/workspace.js';
import { WRITE_PATH_BEFORE } from './support/write-path-before.js';
import { authReadsBench } from './suites/auth-reads.bench.js';
import { getReadsBench } from './suites/get-reads.bench.js';
import { lruSoakBench } from './suites/lru-soak.bench.js';
import { postOrdersBench } from './suites/post-orders.bench.js';
import { projectionLagBench } from './suites/projection-lag.bench.js';
import { projectorThroughputBench } from './suites/projector-throughput.bench.js';
import { replayBench } from './suites/replay.bench.js';
import { rollingRestartBench } from './suites/rolling-restart.bench.js';
import { scaleOutBench } from './suites/scale-out.bench.js';
import { tracingBench } from './suites/tracing.bench.js';

const SUITE_RUNNERS: Record<SuiteName, (context: BenchContext) => Promise<RowReport[]>> = {
  get: getReadsBench,
  auth: authReadsBench,
  post: postOrdersBench,
  lag: projectionLagBench,
  projector: projectorThroughputBench,
  replay: replayBench,
  'scale-out': scaleOutBench,
  'rolling-restart': rollingRestartBench,
  tracing: tracingBench,
  soak: lruSoakBench,
};

const GENERAL_NOTES = [
  'The machine is shared and has two cores: absolute figures move from run to run by tens of percent, which is why every target is a ratio against a baseline measured in the same run, or an absolute latency with a wide margin.',
  'Servers are the compiled apps (`pnpm -s build`, then `node apps/*/dist/main.js`), configured through their environment as in production, with LOG_LEVEL=warn; each benchmark uses its own topic, Redis key prefix, invalidation channel and consumer group, all named after the run and deleted at the end.',
  'Child process output is kept in test-results/bench/*.log; CPU profiles in test-results/bench/profiles/.',
];

const CPU_NOTES = [
  "Each figure is the CPU time (utime + stime of every thread, from /proc/<pid>/stat) a process used over a row's timed windows, divided by the operations completed in them. The API, projector and replay are the suite's own child processes; PostgreSQL is every backend serving the suite's database, found by process title at each snapshot (autovacuum is left out: it runs whenever the cluster gets to it, so it would be noise from run to run; the POST rounds start from a vacuumed outbox instead); Redis is the redis-server and the broker the JVM listening on the suite's ports. The cluster's shared PostgreSQL processes (WAL writer, checkpointer) and the load generator are not counted. Redis and the broker are the machine's shared servers: work others send them within a window counts too, so run the suite on an otherwise quiet machine.",
  `The write path before issue 13's work, measured with this accounting at ${WRITE_PATH_BEFORE.commit} (${WRITE_PATH_BEFORE.measuredOn}; \`${WRITE_PATH_BEFORE.command}\`): ${WRITE_PATH_BEFORE.breakdown}. The POST row's CPU target is 0.70 × that figure.`,
  'A POST counts twice: the write path (the API with its outbox relay, PostgreSQL and the broker, until the relay has emptied the outbox), the figure the write-path target compares with the head before it was cut, and the whole path with the projector and Redis at half the POST ceiling, until every order was readable in Redis.',
];

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    const parsed = parseBenchOptions(argv);
    if (parsed === 'help') {
      process.stdout.write(usage());
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw error;
    process.stderr.write(`bench: ${(error as Error).message}\n\n${usage()}`);
    return 64;
  }

  const context = await BenchContext.open(options);
  const interrupt = (signal: NodeJS.Signals): void => {
    progress(`${signal}: stopping the suite's processes and deleting its topics and keys`);
    context.children.killAll();
    void Promise.race([context.close(), sleep(10_000)]).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const generatedAt = new Date();
  const rows: RowReport[] = [];
  const failures: string[] = [];
  let machine: Array<[string, string]> = [];
  try {
    machine = await describeMachine(context);
    for (const suite of options.only) {
      progress(`── ${suite}`);
      try {
        const suiteRows = await SUITE_RUNNERS[suite](context);
        for (const row of suiteRows)
          progress(`${row.path}: ${row.figure}; baseline ${row.baseline}; ratio ${row.ratio}; target ${row.target}: ${verdictOf(row, options.smoke)}`);
        rows.push(...suiteRows);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        progress(`${suite} failed: ${message}`);
        failures.push(`${suite}: ${message}`);
        await context.children.stopAll();
      }
    }
    if (options.profile) {
      for (const row of rows.filter((r) => verdictOf(r, options.smoke) === 'not met' && r.profileSubject)) {
        progress(`profiling the subject of "${row.path}", which missed its target`);
        try {
          const profile = await row.profileSubject?.();
          if (profile) row.profile = profile;
        } catch (error) {
          row.notes.push(`Profiling failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  } finally {
    await context.close();
  }

  const command = `./scripts/bench${options.argv.length > 0 ? ` ${options.argv.join(' ')}` : ''}`;
  const report = renderReport({
    title: options.smoke ? 'Performance (smoke run)' : 'Performance',
    generatedAt,
    smoke: options.smoke,
    runs: options.runs,
    durationSeconds: options.durationSeconds,
    machine,
    commands: [
      './scripts/up --detach   # once: PostgreSQL, Redis and Kafka on loopback (the suite starts its own API and projector processes)',
      command,
      `# which runs: pnpm -s build && taskset -c 1 node --conditions=source --import tsx bench/run.ts ${options.argv.join(' ')}`.trimEnd(),
      '',
      '# processes it started (the first of each kind; ports and names change every run)',
      ...[...context.children.commands.values()],
      '',
      '# load it generated from the suite process, on core 1 (autocannon through its API, and the paced open-loop runs)',
      ...[...loadCommands.values()],
    ],
    rows,
    failures,
    generalNotes: GENERAL_NOTES,
    cpuNotes: CPU_NOTES,
  });
  const output = resolve(ROOT, options.output);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, report);
  console.log(`\n${renderConsoleSummary(rows, options.smoke)}\n`);
  progress(`report written to ${options.output}`);
  if (failures.length > 0) {
    progress(`${failures.length} benchmark(s) failed: ${failures.map((failure) => failure.split(':')[0]).join(', ')}`);
    return 1;
  }
  const missed = rows.filter((row) => verdictOf(row, options.smoke) === 'not met');
  if (missed.length > 0) progress(`targets not met: ${missed.map((row) => row.path).join('; ')} (see the notes in ${options.output})`);
  return 0;
}

process.exit(await main(process.argv.slice(2)));
