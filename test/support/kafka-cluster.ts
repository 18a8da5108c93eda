/**
 * A Kafka cluster of real JVMs that a test starts, kills and restarts itself:
 * scripts/lib/kafka.sh's nodes (KRaft, combined broker and controller) from the
 * jars in .local/kafka, with their data in a temporary folder, on the ports
 * the test names. Never the shared broker.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class KafkaCluster {
  readonly #home: string;

  private constructor(
    readonly firstPort: number,
    readonly nodes: number,
    home: string,
  ) {
    this.#home = home;
  }

  /** Starts `nodes` nodes from `firstPort` (node i on firstPort + 2(i-1)) and resolves once every broker port answers. */
  static async start({ firstPort, nodes }: { firstPort: number; nodes: number }): Promise<KafkaCluster> {
    const cluster = new KafkaCluster(firstPort, nodes, mkdtempSync(join(tmpdir(), 'kafka-cluster-')));
    await cluster.#kafkaSh('kafka_cluster_start', String(firstPort), String(nodes));
    return cluster;
  }

  /** host:port of every broker. */
  get bootstrap(): string[] {
    return Array.from({ length: this.nodes }, (_, i) => `127.0.0.1:${this.port(i + 1)}`);
  }

  port(node: number): number {
    return this.firstPort + 2 * (node - 1);
  }

  /** kill -9 of the node's JVM; resolves once its broker port is closed. */
  async kill(node: number): Promise<void> {
    const [pid] = readFileSync(join(this.#nodeDir(node), 'kafka.pid'), 'utf8')
      .trim()
      .split(' ');
    process.kill(Number(pid), 'SIGKILL');
    for (let i = 0; i < 100 && (await portOpen(this.port(node))); i += 1) await sleep(50);
  }

  /** Starts a killed node again; resolves once its broker port accepts connections. */
  async restart(node: number): Promise<void> {
    await this.#kafkaSh('kafka_node_start', String(this.firstPort), String(this.nodes), String(node));
  }

  /** Kills every node and removes their data. */
  async stop(): Promise<void> {
    await this.#kafkaSh('kafka_cluster_stop', String(this.firstPort), String(this.nodes), '--now').catch(() => undefined);
    rmSync(this.#home, { recursive: true, force: true });
  }

  #nodeDir(node: number): string {
    const base = this.nodes === 1 ? this.#home : join(this.#home, `cluster-${this.firstPort}`);
    return join(base, `broker-${this.port(node)}`);
  }

  async #kafkaSh(...command: string[]): Promise<void> {
    await run('bash', ['-c', 'source scripts/lib/bootstrap.sh && source scripts/lib/kafka.sh && "$@"', 'kafka-cluster', ...command], {
      cwd: ROOT,
      env: { ...process.env, KAFKA_CLUSTER_HOME: this.#home, KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m', RUN_DIR: join(this.#home, 'run') },
      timeout: 180_000,
    });
  }
}
