import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CREATE_ORDER_SQL, createOrderBindings, createOrderValues } from '../../apps/api/src/adapters/create-order-statement.js';
import { orderUpserted } from '../../apps/api/src/use-cases/order-events.js';
import { ORDER_DOCUMENT_SELECT } from '../../apps/api/src/adapters/order-rows.js';
import { fillPlaceholders } from '../../packages/postgres/src/index.js';
import type { Order } from '../../packages/domain/src/index.js';
import { runToCompletion, type ChildProcesses } from './child-processes.js';
import { UID_DIGITS } from './order-generator.js';
import { percentile } from './statistics.js';

export interface PgbenchResult {
  /** Transactions per second, without connection set-up. */
  tps: number;
  latencyAverageMs: number;
  transactions: number;
  /** The command as run, for the report. */
  commandLine: string;
  /** p50 and p99 of the transactions' latencies in ms, from the per-transaction log; only when a log folder was given. */
  latencyPercentilesMs?: { p50: number; p99: number };
}

export interface PgbenchRun {
  databaseUrl: string;
  scriptPath: string;
  clients: number;
  durationSeconds: number;
  cores?: string;
  /** Transactions per second to pace at (pgbench -R), each one's latency then counted from its scheduled start; unpaced when absent. */
  rate?: number;
  /** A folder for pgbench's per-transaction log (-l), from which the result's latency percentiles come. */
  logDir?: string;
}

/**
 * pgbench with one thread, prepared statements (each parsed and planned once
 * per connection, as the API's named read and create statements are), no
 * vacuum, for `durationSeconds`.
 */
export async function runPgbench(children: ChildProcesses, run: PgbenchRun): Promise<PgbenchResult> {
  // pgbench's clock starts before its clients connect, which on a loaded machine can take a second.
  const seconds = Math.max(2, run.durationSeconds);
  const logPrefix = run.logDir === undefined ? undefined : join(run.logDir, `pgbench-${Date.now()}`);
  const args = [
    '-n',
    '-M',
    'prepared',
    '-c',
    String(run.clients),
    '-j',
    '1',
    '-T',
    String(seconds),
    ...(run.rate === undefined ? [] : ['-R', String(run.rate)]),
    ...(logPrefix === undefined ? [] : ['-l', '--log-prefix', logPrefix]),
    '-f',
    run.scriptPath,
    run.databaseUrl,
  ];
  const { command, args: pinnedArgs } = children.pinned(run.cores, 'pgbench', args);
  const { stdout } = await runToCompletion(command, pinnedArgs, { timeoutMs: (seconds + 60) * 1000 });
  const commandLine = [command, ...pinnedArgs].join(' ').replace(run.databaseUrl, `'${run.databaseUrl}'`);
  children.commands.set(`pgbench ${basename(run.scriptPath)}`, commandLine);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
  const transactions = /number of transactions actually processed: (\d+)/.exec(stdout)?.[1];
  const failed = /number of failed transactions: (\d+)/.exec(stdout)?.[1];
  if (tps === undefined) throw new Error(`pgbench printed no tps:\n${stdout}`);
  if (failed !== undefined && Number(failed) > 0) throw new Error(`pgbench: ${failed} transactions failed:\n${stdout}`);
  return {
    tps: Number(tps),
    latencyAverageMs: Number(latency ?? Number.NaN),
    transactions: Number(transactions ?? 0),
    commandLine,
    ...(logPrefix !== undefined && { latencyPercentilesMs: logPercentiles(logPrefix) }),
  };
}

/**
 * p50 and p99 of the latencies in pgbench's per-transaction logs `<prefix>.<pid>`
 * (the third field, in µs; under -R counted from the scheduled start, so a
 * transaction that waited for a busy connection counts its wait).
 */
function logPercentiles(prefix: string): { p50: number; p99: number } {
  const dir = dirname(prefix);
  const latencies: number[] = [];
  for (const name of readdirSync(dir).filter((file) => file.startsWith(`${basename(prefix)}.`))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const micros = Number(line.split(' ')[2]);
      if (line !== '' && Number.isFinite(micros)) latencies.push(micros / 1000);
    }
  }
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** The API's by-uid read behind a cache miss (the same statement, from apps/api: PostgreSQL builds the document's text), of a random seeded order. */
export function writeReadScript(dir: string, uidPrefix: string, orders: number): string {
  const path = join(dir, 'read-order.sql');
  writeFileSync(
    path,
    `\\set n random(1, ${orders})\n` +
      `${oneLine(ORDER_DOCUMENT_SELECT)} where o.order_uid = ${literal(`${uidPrefix}-`)} || lpad(:n::text, ${UID_DIGITS}, '0');\n`,
  );
  return path;
}

/**
 * The statement the API's POST /orders runs (CREATE_ORDER_SQL with the
 * values createOrderValues gives for `order`), under a uid no other
 * transaction uses and a random outbox slot, its placeholders filled in order.
 */
export function writeCreateScript(dir: string, order: Order, slots: number): string {
  const values = createOrderValues(orderUpserted({ order, version: 1, updatedAt: new Date(0) }, { requestId: '0193a5b4-7c1e-7a2b-9c3d-4e5f60718293' }));
  const rendered = {
    ...(Object.fromEntries(Object.entries(values).map(([key, value]) => [key, literal(value)])) as Record<keyof typeof values, string>),
    orderUid: `('pgb-' || :client_id::text || '-' || :r::text)`,
    slot: ':slot',
  };
  const placeholders = createOrderBindings(rendered);
  const { text: statement, count } = fillPlaceholders(oneLine(CREATE_ORDER_SQL), (index) => placeholders[index] ?? '?');
  if (count !== placeholders.length) throw new Error(`CREATE_ORDER_SQL has ${count} placeholders for ${placeholders.length} values`);
  const lines = ['\\set r random(1, 4611686018427387903)', `\\set slot random(0, ${slots - 1})`, `${statement};`];
  const path = join(dir, 'create-order.sql');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** A pgbench script as a fenced block for the report, with long literals (the event payload) shortened. */
export function scriptForReport(path: string): string {
  const text = readFileSync(path, 'utf8').replace(/'((?:[^']|'')*)'/g, (literalText: string, inner: string) =>
    inner.length > 120 ? `'<${inner.length} characters>'` : literalText,
  );
  return `\`\`\`sql\n${text.trimEnd()}\n\`\`\``;
}

function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

function literal(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  return `'${String(value).replace(/'/g, "''")}'`;
}
