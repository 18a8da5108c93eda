/**
 * The configuration keys every Redis user of the project shares (the cluster's
 * nodes, the cache's key prefix), shaped as a convict schema fragment that both
 * apps spread into their own `redis` section, so the variables mean the same
 * everywhere. Plain data; convict stays the apps' dependency.
 *
 * Imported as `@order-service/projection/config`, never through the package's
 * index: the index loads node-redis, and an app's config is read before the
 * OpenTelemetry SDK starts, which must come first for Redis calls to be traced.
 * This file imports nothing.
 */

/** A Redis key prefix: the cache puts hash tags ({...}) in its keys itself, so the prefix may hold none. */
function keyPrefixFormat(value: unknown): void {
  if (typeof value !== 'string' || value === '' || /[{}]/.test(value)) throw new Error('must be non-empty text without { or }');
}

export const REDIS_LAYOUT_SCHEMA = {
  clusterNodes: {
    doc: 'Some nodes of a Redis Cluster (host:port, comma separated): set, every Redis user of the process (the cache, invalidations, rate limits) uses the cluster client, and REDIS_URL only lends its credentials and TLS; empty for a single Redis.',
    format: Array,
    default: [] as string[],
    env: 'REDIS_CLUSTER_NODES',
  },
  keyPrefix: {
    doc: 'Prefix of every cache key (no { or }: the cache sets its own hash tags).',
    format: keyPrefixFormat,
    default: 'orders',
    env: 'REDIS_KEY_PREFIX',
  },
};
