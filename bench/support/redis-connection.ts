import type { RedisCommandClient } from '../../packages/projection/src/index.js';
import { requireFrom } from './workspace.js';

/** The few node-redis client methods the suite uses (the client is loaded from the projection package). */
export interface RedisConnection extends RedisCommandClient {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

interface RedisModule {
  createClient(options: { url: string }): RedisConnection;
}

export async function connectRedis(url: string): Promise<RedisConnection> {
  const { createClient } = requireFrom('packages/projection')('redis') as RedisModule;
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Deletes every key under `prefix:` (SCAN + UNLINK); the suite's keys carry a prefix of their own. */
export async function deleteKeys(client: RedisConnection, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const reply = (await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}:*`, 'COUNT', '1000'])) as [string, string[]];
    cursor = String(reply[0]);
    if (reply[1].length > 0) deleted += Number(await client.sendCommand(['UNLINK', ...reply[1]]));
  } while (cursor !== '0');
  return deleted;
}
