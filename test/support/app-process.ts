/**
 * The apps as real processes (their main.ts through tsx, as scripts/up runs
 * them), for tests that need what only a whole process has: its environment
 * read at start (OTEL_*), its log lines on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const root = new URL('../../', import.meta.url).pathname;

const MAINS = { api: 'apps/api/src/main.ts', projector: 'apps/cache-projector/src/main.ts' } as const;

export interface AppLine {
  at: number;
  level?: string;
  msg?: string;
  component?: string;
  [field: string]: unknown;
}

export interface AppProcess {
  readonly child: ChildProcess;
  /** Every JSON line the process wrote on stdout so far, parsed. */
  readonly lines: AppLine[];
  /** Resolves with the first line (from `from` on) that `match` accepts; rejects after `timeoutMs`. */
  waitForLine(match: (line: AppLine) => boolean, timeoutMs?: number, from?: number): Promise<AppLine>;
  /** SIGTERM, then SIGKILL after 20 s; resolves once the process exited. */
  stop(): Promise<void>;
}

export interface AppProcessOptions {
  /** A file the process writes every module it resolved to, when it exits (test/support/record-imports.ts). */
  recordImportsTo?: string;
}

export function startAppProcess(app: keyof typeof MAINS, env: Record<string, string>, { recordImportsTo }: AppProcessOptions = {}): AppProcess {
  // Only what the test names: no OTEL_* or other settings leak in from the caller's environment.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  const recorder = recordImportsTo ? ['--import', './test/support/record-imports.ts'] : [];
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', ...recorder, MAINS[app]], {
    cwd: root,
    env: { ...inherited, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env, ...(recordImportsTo && { RECORD_IMPORTS_TO: recordImportsTo }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: AppLine[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push({ ...(JSON.parse(text) as Record<string, unknown>), at: Date.now() });
    } catch {
      lines.push({ at: Date.now(), msg: text });
    }
  });
  const exited = once(child, 'exit');
  return {
    child,
    lines,
    async waitForLine(match, timeoutMs = 30_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.slice(from).find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(
            `${app}: no such log line within ${timeoutMs} ms; last lines:\n${lines
              .slice(-10)
              .map((l) => JSON.stringify(l))
              .join('\n')}`,
          );
        if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Resolves once `url` answers 200; rejects after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}
