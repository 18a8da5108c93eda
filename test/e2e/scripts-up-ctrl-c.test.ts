import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { testEnvironment, uniqueName } from '../support/environment.js';

const root = new URL('../../', import.meta.url).pathname;
const deadlineMs = 5_000;

/** True when nothing listens on the port and it can be bound. */
async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port for a broker of its own, its controller port (the next one) free too. */
async function freeBrokerPort(): Promise<number> {
  for (;;) {
    const port = 30_000 + 2 * Math.floor(Math.random() * 4_000);
    if ((await portFree(port)) && (await portFree(port + 1))) return port;
  }
}

/** Processes whose environment holds `mark`: everything ./scripts/up started, however detached. */
function processesMarked(mark: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(mark)) {
        found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').slice(0, 200)}`);
      }
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

/** Processes still running among `pids` (a watchdog of an app names the app's pid in its arguments). */
function running(pids: number[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
      if (pids.includes(Number(pid)) || (args.some((arg) => arg.includes('shutdown watchdog')) && pids.includes(Number(args.at(-3))))) {
        found.push(`${pid} ${args.join(' ').slice(0, 200)}`);
      }
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

async function settle(check: () => string[], timeoutMs = 3_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  let left = check();
  while (left.length > 0 && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = check();
  }
  return left;
}

function pidIn(file: string): number {
  return Number(readFileSync(file, 'utf8').split(' ')[0]);
}

/**
 * ./scripts/up in the foreground under a pseudo-terminal, as a user runs it,
 * with a Kafka broker of its own (a port nothing else uses), so that the
 * broker it starts, and must stop, is not the one the other tests share.
 * PostgreSQL and Redis already answer, so up does not start them.
 */
describe('./scripts/up in a terminal, stopped with Ctrl-C (real processes)', function () {
  this.timeout(300_000);

  for (const interrupts of [1, 2]) {
    it(`${interrupts === 1 ? 'one SIGINT' : 'two SIGINTs a second apart'} to its process group once ready: exits 0 and leaves nothing it started running, the broker included`, async () => {
      const runDir = mkdtempSync(join(tmpdir(), 'order-service-up-tty-'));
      writeFileSync(join(runDir, 'seeded'), '');
      const kafkaPort = await freeBrokerPort();
      const brokerDir = join(root, '.local/kafka', `broker-${kafkaPort}`);
      const apiPort = 20_000 + Math.floor(Math.random() * 9_000);
      const mark = uniqueName('up-tty');
      const env = {
        ...process.env,
        SHELL: '/bin/bash',
        UP_TEST_MARK: mark,
        RUN_DIR: runDir,
        KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
        PORT: String(apiPort),
        PROJECTOR_PORT: String(apiPort + 1),
        ADMIN_PORT: String(apiPort + 2),
        DATABASE_URL: testEnvironment.databaseUrl,
        REDIS_URL: testEnvironment.redisUrl,
        REDIS_KEY_PREFIX: uniqueName('up-tty'),
        SHUTDOWN_DEADLINE_MS: String(deadlineMs),
      };
      const up = spawn('script', ['-qfec', 'exec ./scripts/up', '/dev/null'], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      up.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      up.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = once(up, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      try {
        while (!output.includes('ready: API')) {
          if (up.exitCode !== null) throw new Error(`up ended before it was ready:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const started = ['api', 'cache-projector', 'dev-issuer'].map((name) => pidIn(join(runDir, `${name}.pid`)));
        started.push(pidIn(join(brokerDir, 'kafka.pid')));
        // The terminal's foreground process group is the session script opened for up: its leader is up.
        const upPid = Number(readFileSync(`/proc/${up.pid}/task/${up.pid}/children`, 'utf8').trim().split(' ')[0]);
        expect(readFileSync(`/proc/${upPid}/cmdline`, 'latin1')).to.include('scripts/up');

        const start = Date.now();
        process.kill(-upPid, 'SIGINT');
        if (interrupts === 2) {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          // up may already be gone when its apps stopped within the second: then there is nothing left to interrupt.
          if (up.exitCode === null) {
            try {
              process.kill(-upPid, 'SIGINT');
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
            }
          }
        }
        const [code] = await exited;
        const afterMs = Date.now() - start;

        expect(code, output).to.equal(0);
        // The bound the issue sets: the apps' deadline plus a few seconds, asserted against twice its target.
        expect(afterMs, output).to.be.below(2 * (deadlineMs + 5_000));
        expect(output).to.include('stopping');
        expect(output).to.include(`kafka on port ${kafkaPort} stopped`);
        expect(await settle(() => [...processesMarked(mark), ...running(started)]), output).to.deep.equal([]);
        // A SIGKILLed JVM's leader thread turns zombie before its other threads (and the listening
        // socket) are gone, so the port is given a few seconds to be released.
        const portDeadline = Date.now() + 5_000;
        while (!(await portFree(kafkaPort)) && Date.now() < portDeadline) await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await portFree(kafkaPort)).to.equal(true);
      } finally {
        if (up.exitCode === null) {
          up.kill('SIGKILL');
          await once(spawn(join(root, 'scripts/down'), ['--now'], { cwd: root, env, stdio: 'ignore' }), 'exit');
        }
        rmSync(runDir, { recursive: true, force: true });
        rmSync(brokerDir, { recursive: true, force: true });
      }
    });
  }
});
