/**
 * A real Redis Cluster for a test: 3 masters and 3 replicas, redis-server
 * processes on loopback with their own folders under a temporary directory,
 * joined by `redis-cli --cluster create`. The test may kill a node with
 * SIGKILL (a real crash) and wait for its replica to take over.
 * scripts/test installs redis-server and redis-tools (ensure_redis_binaries).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClusterNode {
  readonly port: number;
  readonly address: string;
}

export class RedisClusterUnderTest {
  readonly nodes: readonly ClusterNode[];
  readonly #dir: string;
  readonly #processes = new Map<number, ChildProcess>();

  private constructor(ports: readonly number[], dir: string) {
    this.nodes = ports.map((port) => ({ port, address: `127.0.0.1:${port}` }));
    this.#dir = dir;
  }

  /**
   * Starts six nodes on `firstPort`.. `firstPort + 5` (cluster bus on `busPortOffset` above each)
   * and creates the cluster; resolves once every node reports cluster_state:ok.
   */
  static async start({
    firstPort,
    busPortOffset = 10,
    nodeTimeoutMs = 1_000,
  }: {
    firstPort: number;
    busPortOffset?: number;
    nodeTimeoutMs?: number;
  }): Promise<RedisClusterUnderTest> {
    const ports = Array.from({ length: 6 }, (_, i) => firstPort + i);
    const cluster = new RedisClusterUnderTest(ports, mkdtempSync(join(tmpdir(), 'redis-cluster-')));
    try {
      for (const port of ports) cluster.#startNode(port, port + busPortOffset, nodeTimeoutMs);
      await Promise.all(ports.map((port) => waitFor(`redis-server on ${port}`, async () => (await cli(port, 'PING')) === 'PONG', 10_000)));
      await run('redis-cli', ['--cluster', 'create', ...cluster.nodes.map((node) => node.address), '--cluster-replicas', '1', '--cluster-yes'], {
        timeout: 30_000,
      });
      await cluster.waitUntilHealthy();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  get addresses(): string[] {
    return this.nodes.map((node) => node.address);
  }

  /** The ports of the nodes that are masters now, as the cluster sees it from `askPort`. */
  async masters(askPort?: number): Promise<number[]> {
    const port = askPort ?? [...this.#processes.keys()][0]!;
    const lines = (await cli(port, 'CLUSTER', 'NODES')).split('\n').filter(Boolean);
    return lines
      .map((line) => line.split(' '))
      .filter((fields) => fields[2]?.includes('master') && !fields[2].includes('fail') && fields[8] !== undefined)
      .map((fields) => Number(fields[1]!.split('@')[0]!.split(':')[1]));
  }

  /** Every live node says cluster_state:ok, every slot is served by a master that answers, and every live replica is in sync. */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      'the cluster to be healthy',
      async () => {
        for (const port of this.#processes.keys()) {
          if (!(await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
        }
        const masters = await this.masters();
        if (masters.length !== 3 || !masters.every((port) => this.#processes.has(port))) return false;
        // Every live replica in sync with its master, so that a master killed next has a replica to take over.
        for (const port of this.#processes.keys()) {
          const replication = await cli(port, 'INFO', 'replication');
          if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
        }
        return true;
      },
      timeoutMs,
    );
  }

  /** SIGKILL of one node's process: a crash, no shutdown, no save. */
  async kill(port: number): Promise<void> {
    const child = this.#processes.get(port);
    if (child === undefined) throw new Error(`no node runs on ${port}`);
    this.#processes.delete(port);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#processes.keys()].map((port) => this.kill(port).catch(() => undefined)));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #startNode(port: number, busPort: number, nodeTimeoutMs: number): void {
    const dir = join(this.#dir, String(port));
    mkdirSync(dir);
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(busPort),
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--logfile',
        join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    child.on('error', () => undefined);
    this.#processes.set(port, child);
  }
}

async function cli(port: number, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 5_000 });
    return stdout.trim();
  } catch {
    return '';
  }
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
