import { createClient, createCluster, type RedisClientType, type RedisClusterType } from 'redis';
import { NodeRedisClientCommands, NodeRedisClusterCommands } from './node-redis-commands.js';
import type { RedisCommands } from './redis-commands.js';

export interface RedisConnectionOptions {
  /** A single Redis: its URL (credentials, TLS and database in it). With `clusterNodes`, only its credentials and TLS are used. */
  url: string;
  /** `host:port` of some nodes of a Redis Cluster; empty for a single Redis. */
  clusterNodes?: readonly string[];
  /** Told of connection errors (the client reconnects on its own); never throws. */
  onError: (error: Error) => void;
  /** Told when a connection (to the server, or to a node of the cluster) is ready. */
  onReady?: () => void;
  /** Pause between attempts to reach a cluster whose nodes did not answer at start. Defaults to 1,000 ms. */
  clusterRetryMs?: number;
}

type Listener = (message: string) => void;

/**
 * One Redis connection of a process, to a single Redis or to a Redis Cluster
 * (node-redis' `createClient` or `createCluster`), and everything the apps do
 * with it besides the store: its commands for the store (`commands`), pub/sub
 * for invalidations, a health probe, and the rate limiter's command function.
 *
 * Commands fail at once while a node is unreachable instead of queueing
 * (`disableOfflineQueue`), so callers fall back or retry on their own.
 *
 * Pub/sub in a cluster is classic PUBLISH/SUBSCRIBE, which the cluster bus
 * delivers on every node: node-redis resubscribes a classic subscription on
 * another node once the one it used leaves the cluster, whereas a sharded
 * (SSUBSCRIBE) subscription dies with its shard's old master. One message
 * per applied batch makes the bus's fan-out negligible.
 */
export class RedisConnection {
  readonly commands: RedisCommands;
  readonly clustered: boolean;
  readonly #client: RedisClientType | undefined;
  readonly #cluster: RedisClusterType | undefined;
  readonly #clusterCommands: NodeRedisClusterCommands | undefined;
  readonly #options: RedisConnectionOptions;
  #subscriber: RedisClientType | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: RedisConnectionOptions) {
    this.#options = options;
    // An empty REDIS_CLUSTER_NODES reads as [''] through convict's Array format: no cluster.
    const nodes = (options.clusterNodes ?? []).map((node) => node.trim()).filter((node) => node !== '');
    this.clustered = nodes.length > 0;
    if (this.clustered) {
      const { username, password, protocol } = new URL(options.url);
      const tls = protocol === 'rediss:';
      this.#cluster = createCluster({
        rootNodes: nodes.map((node) => ({ url: `${tls ? 'rediss' : 'redis'}://${node}` })),
        defaults: {
          disableOfflineQueue: true,
          ...(username !== '' && { username: decodeURIComponent(username) }),
          ...(password !== '' && { password: decodeURIComponent(password) }),
        },
      });
      this.#clusterCommands = new NodeRedisClusterCommands(this.#cluster);
      this.#cluster.on('error', (error: Error) => options.onError(error));
      this.#cluster.on('node-ready', () => options.onReady?.());
      this.#cluster.on('node-error', (error: Error) => {
        options.onError(error);
        // node-redis learns a new master only from MOVED; a node that stopped answering means asking again.
        this.#clusterCommands?.rediscover();
      });
      this.commands = this.#clusterCommands;
    } else {
      this.#client = createClient({ url: options.url, disableOfflineQueue: true });
      this.#client.on('error', (error: Error) => options.onError(error));
      this.#client.on('ready', () => options.onReady?.());
      this.commands = new NodeRedisClientCommands(this.#client);
    }
  }

  /**
   * Connects; a single Redis' client keeps reconnecting on its own, and a
   * cluster that cannot be reached at all is tried again every `clusterRetryMs`
   * until it answers or the connection is closed. Resolves once connected.
   */
  connect(): Promise<void> {
    this.#connecting ??= this.#cluster ? this.#connectCluster(this.#cluster) : this.#client!.connect().then(() => undefined);
    return this.#connecting;
  }

  /** Whether commands can be sent now. */
  get isReady(): boolean {
    return this.#cluster ? this.#cluster.masters.some((master) => master.client?.isReady === true) : this.#client!.isReady;
  }

  async ping(): Promise<void> {
    await this.commands.send(undefined, ['PING']);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.commands.send(channel, ['PUBLISH', channel, message]);
  }

  /** Subscribes `listener` to `channel` on a connection of its own, resubscribed after reconnects. */
  async subscribe(channel: string, listener: Listener): Promise<void> {
    if (this.#cluster) {
      await this.connect();
      await this.#cluster.subscribe(channel, listener);
      return;
    }
    const subscriber = (this.#subscriber ??= this.#client!.duplicate());
    if (!subscriber.isOpen) {
      subscriber.on('error', (error: Error) => this.#options.onError(error));
      await subscriber.connect();
    }
    await subscriber.subscribe(channel, listener);
  }

  /** The command function rate-limit-redis takes (`sendCommand` for one Redis, `sendCommandCluster` for a cluster). */
  rateLimitCommands():
    | { sendCommand: (...args: string[]) => Promise<never> }
    | { sendCommandCluster: (details: { key?: string; isReadOnly: boolean; command: string[] }) => Promise<never> } {
    if (this.#cluster) {
      const cluster = this.#cluster;
      return { sendCommandCluster: ({ key, isReadOnly, command }) => cluster.sendCommand(key, isReadOnly, command) as Promise<never> };
    }
    const client = this.#client!;
    return { sendCommand: (...args: string[]) => client.sendCommand(args) as Promise<never> };
  }

  /** Closes every connection: gracefully when ready, at once otherwise. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    await closeClient(subscriber);
    if (this.#cluster) {
      await this.#cluster.close().catch(() => this.#cluster?.destroy());
      return;
    }
    await closeClient(this.#client);
  }

  async #connectCluster(cluster: RedisClusterType): Promise<void> {
    for (;;) {
      try {
        await cluster.connect();
        return;
      } catch (error) {
        if (this.#closed) throw error;
        this.#options.onError(error instanceof Error ? error : new Error(String(error)));
        await new Promise<void>((resolve) => (this.#retry = setTimeout(resolve, this.#options.clusterRetryMs ?? 1_000)));
        if (this.#closed) throw new Error('connection closed before the cluster answered');
      }
    }
  }
}

async function closeClient(client: RedisClientType | undefined): Promise<void> {
  if (client?.isReady) await client.close().catch(() => client.destroy());
  else if (client?.isOpen) client.destroy();
}
