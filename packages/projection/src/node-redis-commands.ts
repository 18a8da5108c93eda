import { ErrorReply, type RedisClusterType } from 'redis';
import { hashSlot } from './hash-slot.js';
import type { RedisCommands } from './redis-commands.js';

// node-redis' two clients behind the store's RedisCommands port.

/** The part of a node-redis client the adapter uses; `createClient()` returns one whatever its modules or RESP version. */
export interface NodeRedisClient {
  sendCommand(args: readonly (string | Buffer)[]): Promise<unknown>;
}

/** A single Redis server (or a client of one node). */
export class NodeRedisClientCommands implements RedisCommands {
  readonly clustered = false;

  constructor(private readonly client: NodeRedisClient) {}

  send(_routingKey: string | undefined, args: readonly (string | Buffer)[]): Promise<unknown> {
    return this.client.sendCommand(args);
  }

  scan(pattern: string, pageSize: number): AsyncIterable<string[]> {
    return scanNode(this.client, pattern, pageSize);
  }

  replicate(): Promise<number> {
    return Promise.resolve(0);
  }
}

/** How long a master whose WAIT timed out is not waited for again. */
const UNREPLICATED_SKIP_MS = 5_000;

type AnyCluster = RedisClusterType<never, never, never, 2 | 3, never>;

/**
 * A Redis Cluster through node-redis' cluster client. A command goes to the
 * master of its key's slot; `MOVED` and `ASK` replies are followed by the
 * client. node-redis learns the cluster's shape again only from such replies,
 * so when a node stops answering (a master killed, before or after its
 * replica took over) the adapter asks it to rediscover the slots, at most
 * every `rediscoverEveryMs`, until commands reach the new master.
 */
export class NodeRedisClusterCommands implements RedisCommands {
  readonly clustered = true;
  #lastRediscovery = 0;
  /** Masters whose WAIT timed out (no replica in sync, as after a failover), skipped until the time noted. */
  readonly #unreplicated = new Map<string, number>();

  constructor(
    private readonly cluster: RedisClusterType | AnyCluster,
    private readonly rediscoverEveryMs = 250,
  ) {}

  async send(routingKey: string | undefined, args: readonly (string | Buffer)[]): Promise<unknown> {
    try {
      return await (this.cluster as RedisClusterType).sendCommand(routingKey, false, [...args]);
    } catch (error) {
      if (isConnectionError(error)) this.rediscover();
      throw error;
    }
  }

  /** Has the client read the cluster's slots again (throttled); also called on node errors by the connection's owner. */
  rediscover(): void {
    const now = Date.now();
    if (now - this.#lastRediscovery < this.rediscoverEveryMs) return;
    this.#lastRediscovery = now;
    const cluster = this.cluster as RedisClusterType;
    const [master] = cluster.masters;
    if (master === undefined) return;
    void cluster
      .nodeClient(master)
      .then((client) => cluster._slots.rediscover(client))
      .catch(() => undefined);
  }

  async replicate(routingKeys: readonly string[], timeoutMs: number): Promise<number> {
    const cluster = this.cluster as RedisClusterType;
    const masters = new Map<string, (typeof cluster.masters)[number]>();
    for (const key of routingKeys) {
      const master = cluster.slots[hashSlot(key)]?.master;
      if (master !== undefined) masters.set(master.address, master);
    }
    const now = Date.now();
    const unconfirmed = await Promise.all(
      [...masters.values()].map(async (master) => {
        if ((this.#unreplicated.get(master.address) ?? 0) > now) return 1;
        const client = await cluster.nodeClient(master);
        const replicas = Number(await client.sendCommand(['WAIT', '1', String(timeoutMs)]));
        if (replicas >= 1) return 0;
        this.#unreplicated.set(master.address, Date.now() + UNREPLICATED_SKIP_MS);
        return 1;
      }),
    );
    return unconfirmed.reduce<number>((sum, count) => sum + count, 0);
  }

  async *scan(pattern: string, pageSize: number): AsyncIterable<string[]> {
    const cluster = this.cluster as RedisClusterType;
    for (const master of [...cluster.masters]) {
      const client = await cluster.nodeClient(master);
      yield* scanNode(client, pattern, pageSize);
    }
  }
}

async function* scanNode(client: NodeRedisClient, pattern: string, pageSize: number): AsyncIterable<string[]> {
  let cursor = '0';
  do {
    const reply = await client.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', String(pageSize)]);
    if (!Array.isArray(reply) || reply.length !== 2) throw new TypeError(`unexpected SCAN reply: ${JSON.stringify(reply)}`);
    const [next, keys] = reply as [unknown, unknown];
    cursor = text(next);
    if (!Array.isArray(keys)) throw new TypeError(`unexpected SCAN keys: ${JSON.stringify(keys)}`);
    yield keys.map(text);
  } while (cursor !== '0');
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`expected a bulk string, got ${JSON.stringify(value)}`);
}

/** Not an error reply of Redis: the connection is closed, lost or not ready. */
function isConnectionError(error: unknown): boolean {
  return !(error instanceof ErrorReply);
}
