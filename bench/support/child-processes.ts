import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './workspace.js';

/** Which cores a process may run on: servers on core 0, the load generator on core 1. */
export const SERVER_CORES = '0';
export const LOAD_CORES = '1';

export interface ChildSpec {
  /** Names the log file and error messages. */
  name: string;
  command: string;
  args: readonly string[];
  /** Merged over a copy of this process's environment. */
  env?: Readonly<Record<string, string>>;
  /** A taskset core list; unpinned when absent or when pinning is off. */
  cores?: string;
}

/** A child process the suite started, with its output kept in a log file and its last lines in memory. */
export class BenchChild {
  readonly exited: Promise<number | null>;
  #tail: string[] = [];
  #exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly commandLine: string,
    log: WriteStream,
  ) {
    const keep = (chunk: Buffer): void => {
      log.write(chunk);
      this.#tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.#tail.length > 40) this.#tail = this.#tail.slice(-40);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.#exitCode = code ?? (signal ? -1 : null);
        resolve(code);
      });
      child.on('error', (error) => {
        this.#tail.push(`spawn failed: ${error.message}`);
        this.#exitCode = -1;
        resolve(-1);
      });
    }).finally(() => log.end()) as Promise<number | null>;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }

  /** The last lines the process printed, for error messages. */
  tail(lines = 15): string {
    return this.#tail.slice(-lines).join('\n');
  }

  /** Lines printed so far that parse as JSON objects (the apps log JSON lines). */
  jsonLines(): Array<Record<string, unknown>> {
    return this.#tail.flatMap((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const exited = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!exited) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/**
 * Starts and tracks the suite's child processes so that every one of them is
 * stopped at the end, whatever happens in between. Output goes to
 * `test-results/bench/<name>.log`.
 */
export class ChildProcesses {
  readonly #children = new Set<BenchChild>();
  /** The first command line of each kind of process, with the environment the suite set, for the report. */
  readonly commands = new Map<string, string>();
  readonly #logDir: string;
  #count = 0;

  constructor(
    private readonly pin: boolean,
    logDir = join(ROOT, 'test-results', 'bench'),
  ) {
    this.#logDir = logDir;
    mkdirSync(logDir, { recursive: true });
  }

  /** The command line that runs `command` on `cores` (or unpinned). */
  pinned(cores: string | undefined, command: string, args: readonly string[]): { command: string; args: string[] } {
    return this.pin && cores !== undefined ? { command: 'taskset', args: ['-c', cores, command, ...args] } : { command, args: [...args] };
  }

  start(spec: ChildSpec): BenchChild {
    const { command, args } = this.pinned(spec.cores, spec.command, spec.args);
    this.#count += 1;
    const log = createWriteStream(join(this.#logDir, `${String(this.#count).padStart(2, '0')}-${spec.name}.log`));
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const managed = new BenchChild(spec.name, child, [command, ...args].join(' '), log);
    const kind = spec.name.replace(/-?\d+$/, '');
    if (!this.commands.has(kind)) {
      const env = Object.entries(spec.env ?? {}).map(([name, value]) => `${name}=${/^[\w.:/@,=-]*$/.test(value) ? value : `'${value}'`}`);
      this.commands.set(kind, [...env, command, ...args].join(' '));
    }
    this.#children.add(managed);
    void managed.exited.then(() => this.#children.delete(managed));
    return managed;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#children].map((child) => child.stop(10_000)));
  }

  /** Kills whatever is left at once; for an exit handler, where nothing can be awaited. */
  killAll(): void {
    for (const managed of this.#children) managed.child.kill('SIGKILL');
  }
}

/** Runs a command to completion and returns its stdout; throws with its stderr on a non-zero exit. */
export async function runToCompletion(
  command: string,
  args: readonly string[],
  options: { env?: Readonly<Record<string, string>>; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${String(code)}:\n${stderr.trim() || stdout.trim()}`);
  return { stdout, stderr };
}
