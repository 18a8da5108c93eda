/**
 * Writes realistic, valid orders through the API (POST /orders): the Go
 * service's seeder, ported. Run it through scripts/seed; `--help` lists the options.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { ALL_SCOPES, loadOrCreateIssuer } from '@order-service/dev-issuer';
import { seedOrders, type SeedOutcome, type SeedReport } from './lib/seed-orders.js';

const USAGE = `usage: scripts/seed [options]
  --count N         orders to write (default 100)
  --url URL         the API's base URL (default http://127.0.0.1:8080)
  --concurrency C   requests in flight (default 8)
  --seed S          reproduce the orders of an earlier run on the same day (default: random, printed)
  --token T         the access token to send (default: $TOKEN, else a staff token signed with --key-file)
  --key-file PATH   the development issuer's keys (default .local/dev-issuer/keys.json, those ./scripts/up uses)
  --quiet           print only the summary line
  --help            this text
Exits 1 when any order could not be written, printing the API's first problem answer.`;

interface Options {
  count: number;
  url: string;
  concurrency: number;
  seed: number;
  quiet: boolean;
  token: string | undefined;
  keyFile: string;
}

/** Where ./scripts/up's development issuer keeps its keys. */
const DEV_KEY_FILE = fileURLToPath(new URL('../.local/dev-issuer/keys.json', import.meta.url));

class UsageError extends Error {}

function positiveInteger(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new UsageError(`--${name} must be an integer from 1 to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '100' },
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      concurrency: { type: 'string', default: '8' },
      seed: { type: 'string' },
      token: { type: 'string' },
      'key-file': { type: 'string', default: DEV_KEY_FILE },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(`--url must be an absolute http(s) URL, got ${JSON.stringify(values.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be http or https, got ${url.protocol}`);
  const seed = values.seed === undefined ? randomInt(1, 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new UsageError(`--seed must be an integer from 0 to ${2 ** 32 - 1}`);
  return {
    count: positiveInteger('count', values.count, 10_000_000),
    url: values.url,
    concurrency: positiveInteger('concurrency', values.concurrency, 1_024),
    seed,
    quiet: values.quiet,
    token: values.token ?? process.env.TOKEN,
    keyFile: values['key-file'],
  };
}

/** Progress on stderr: a bar on a terminal, a line every 2 s otherwise (CI, docker logs), nothing when quiet. */
function progressReporter(options: Options): { settled(outcome: SeedOutcome): void; stop(): void } {
  const started = performance.now();
  let done = 0;
  let failed = 0;
  const rate = (): string => (done / Math.max((performance.now() - started) / 1000, 0.001)).toFixed(0);
  if (options.quiet) {
    return { settled: () => undefined, stop: () => undefined };
  }
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'seeding {bar} {value}/{total} | {rate} orders/s | {failed} failed | eta {eta_formatted}',
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 200,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.count, 0, { rate: '0', failed: 0 });
    return {
      settled: (outcome) => {
        done++;
        if (!outcome.ok) failed++;
        bar.update(done, { rate: rate(), failed });
      },
      stop: () => bar.stop(),
    };
  }
  const timer = setInterval(() => {
    console.error(`seeded ${done}/${options.count} (${rate()} orders/s), ${failed} failed`);
  }, 2_000);
  return {
    settled: (outcome) => {
      done++;
      if (!outcome.ok) failed++;
    },
    stop: () => clearInterval(timer),
  };
}

function summary(report: SeedReport): string {
  const seconds = report.elapsedMs / 1000;
  const rate = report.created.length / Math.max(seconds, 0.001);
  return `seeded ${report.created.length} orders in ${seconds.toFixed(1)} s (${rate.toFixed(0)} orders/s), ${report.failed.length} failed`;
}

async function main(argv: string[]): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }

  const runId = randomBytes(6).toString('hex');
  const token = options.token ?? (await (await loadOrCreateIssuer(options.keyFile)).sign({ subject: 'staff:seed', scopes: ALL_SCOPES, ttlSeconds: 3600 }));
  if (!options.quiet) {
    console.error(`seeding ${options.count} orders into ${options.url} (seed ${options.seed}, concurrency ${options.concurrency})`);
  }
  // Ctrl-C stops handing out orders; those in flight finish and the summary is printed.
  const interrupt = new AbortController();
  const onSigint = (): void => interrupt.abort();
  process.once('SIGINT', onSigint);

  const progress = progressReporter(options);
  let report: SeedReport;
  try {
    const { keyFile: _keyFile, ...run } = options;
    report = await seedOrders({ ...run, token, runId, onSettled: progress.settled, signal: interrupt.signal });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }

  console.log(summary(report));
  const first = report.failed[0];
  if (first) {
    console.error(`first failure, order ${first.index}: ${first.status === null ? 'no answer' : `HTTP ${first.status}`}\n${first.answer}`);
    return 1;
  }
  if (interrupt.signal.aborted) return 130;
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
