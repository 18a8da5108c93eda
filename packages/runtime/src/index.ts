export { createLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { probeReadiness } from './readiness.js';
export type { ReadinessCheck, ReadinessReport } from './readiness.js';
export { describeConfigError, describeEnvironment } from './config-errors.js';
export { errorFields, stopOnSignals } from './shutdown.js';
export { createMetricsRegistry, LATENCY_BUCKETS, prometheus } from './metrics.js';
export type { MetricsRegistry } from './metrics.js';
