export { createMetricsRegistry, LATENCY_BUCKETS, prometheus } from './metrics.js';
export type { MetricsRegistry } from './metrics.js';
export { registerReadinessGauges } from './readiness-gauges.js';
export type { ReadinessSnapshot } from './readiness-gauges.js';
export { HistogramSeries, SeriesHistogram } from './series-histogram.js';
export { registerTopicProvisioningGauge } from './topic-provisioning-gauge.js';
export type { TopicProvisioningSeries } from './topic-provisioning-gauge.js';
