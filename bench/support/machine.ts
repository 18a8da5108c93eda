import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './bench-context.js';
import { runToCompletion } from './child-processes.js';
import { ROOT } from './workspace.js';

/** What the figures were measured on: hardware, software versions and how busy the machine already was. */
export async function describeMachine(context: BenchContext): Promise<Array<[string, string]>> {
  const cpuInfo = safeRead('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*([\d.]+)$/m.exec(cpuInfo)?.[1];
  const postgres = (await context.db.raw('select version() as version').catch(() => undefined)) as { rows: Array<{ version: string }> } | undefined;
  const redisInfo = String(await context.redis.sendCommand(['INFO', 'server']).catch(() => ''));
  const kafkaLibs = join(ROOT, '.local', 'kafka', 'libs');
  const kafkaJar = existsSync(kafkaLibs) ? readdirSync(kafkaLibs).find((name) => /^kafka-server-[\d.]+\.jar$/.test(name)) : undefined;
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  return [
    ['CPU', `${model}${mhz ? ` @ ${Math.round(Number(mhz))} MHz` : ''}, ${cpus().length} cores (nproc --all)`],
    ['Memory', `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ['Kernel', `Linux ${release()}`],
    ['Load average at start (1, 5, 15 min)', load],
    ['Pinning', context.options.pin ? 'servers `taskset -c 0`, load generator `taskset -c 1`' : 'none (fewer than 2 cores)'],
    ['Node.js', process.version],
    ['PostgreSQL', postgres?.rows[0]?.version.split(' on ')[0] ?? 'unknown'],
    ['Redis', /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? 'unknown'],
    ['Kafka', kafkaJar?.replace(/^kafka-server-([\d.]+)\.jar$/, '$1 (KRaft, one broker)') ?? 'unknown'],
    ['pgbench', (await version('pgbench', ['--version'])) ?? 'not installed'],
    ['nginx', (await version('nginx', ['-v'])) ?? 'not installed'],
    ['autocannon', readVersion(join(ROOT, 'node_modules', 'autocannon', 'package.json'))],
  ];
}

async function version(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await runToCompletion(command, args, { timeoutMs: 10_000 });
    return (stdout.trim() || stderr.trim()).split('\n')[0];
  } catch {
    return undefined;
  }
}

function readVersion(packageJson: string): string {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
