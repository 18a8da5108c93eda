/**
 * What the projection store needs of Redis, whether one server or a Redis
 * Cluster: a command sent to the node that holds its key, and the keys
 * matching a pattern over every node. `node-redis-commands.ts` adapts
 * node-redis' client and cluster client to it.
 */
export interface RedisCommands {
  /**
   * True when keys are spread over the hash slots of a Redis Cluster: every
   * script and multi-key command must then touch keys of one slot only.
   */
  readonly clustered: boolean;
  /**
   * Sends one command and returns its raw reply. `routingKey` is a key the
   * command touches, which names the node in a cluster (any node when
   * undefined); a single server ignores it. Error replies reject with
   * node-redis' `ErrorReply`, a lost connection with the client's error.
   */
  send(routingKey: string | undefined, args: readonly (string | Buffer)[]): Promise<unknown>;
  /**
   * Waits until the writes sent so far to the masters holding `routingKeys`
   * reached a replica (WAIT 1), so that a master lost right after cannot take
   * them along: a replica that takes over has them. Best effort, bounded by
   * `timeoutMs` per master; resolves with how many masters did not confirm.
   * A single Redis, kept without replicas, has nothing to wait for.
   */
  replicate(routingKeys: readonly string[], timeoutMs: number): Promise<number>;
  /** Every key matching `pattern`, a page at a time, over every master of a cluster. */
  scan(pattern: string, pageSize: number): AsyncIterable<string[]>;
}
