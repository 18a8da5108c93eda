import client from 'prom-client';

export type MetricsRegistry = client.Registry;
export { client as prometheus };

/**
 * A registry per app instance (never the global one, so tests can build
 * several apps in one process) with the process's default metrics.
 */
export function createMetricsRegistry(service: string): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });
  registerArrayBuffersGauge(registry);
  return registry;
}

/**
 * The memory of the process's ArrayBuffers (every Buffer: sockets, the LRU's
 * documents), which the default metrics count only inside
 * nodejs_external_memory_bytes.
 */
function registerArrayBuffersGauge(registry: client.Registry): void {
  new client.Gauge({
    name: 'nodejs_array_buffers_bytes',
    help: 'Memory of ArrayBuffers and Buffers in bytes (part of nodejs_external_memory_bytes).',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().arrayBuffers);
    },
  });
}

/** Buckets for latencies in seconds, from a cached read (sub-millisecond) to a slow write. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
