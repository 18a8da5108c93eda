/**
 * A Kafka broker of the test's own, on a port of its own (scripts/lib/kafka.sh
 * starts it, with its data in .local/kafka/broker-<port>), so that a test can
 * kill its JVM and start it again without touching the shared broker.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

export class OwnKafkaBroker {
  constructor(readonly port: number) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private get dir(): string {
    return `${root}.local/kafka/broker-${this.port}`;
  }

  /** Starts the broker (fetching Kafka first if needed); resolves once it accepts connections. */
  async start(): Promise<void> {
    await run('bash', ['-c', `source scripts/lib/bootstrap.sh && source scripts/lib/kafka.sh && kafka_use_port ${this.port} && kafka_start`], {
      cwd: root,
      timeout: 180_000,
    });
  }

  /** Kills the broker's JVM at once (SIGKILL): the fault itself, not a clean shutdown. */
  kill(): void {
    const pid = Number(readFileSync(`${this.dir}/kafka.pid`, 'utf8').split(' ')[0]);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Kills the broker and removes its data. */
  async remove(): Promise<void> {
    try {
      this.kill();
    } catch {
      // never started
    }
    // The port is released once the JVM is reaped.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
