export { anyBrokerReachable, createKafka, isConnectivityError, reliableProducerConfig } from './kafka-client.js';
export type { KafkaClientOptions, KafkaConnectivity, KafkaLogSink, KafkaJS } from './kafka-client.js';
export { deadLetterTopicSpec, ensureTopics, ordersTopicSpec, SINGLE_BROKER_SETTINGS } from './topics.js';
export type { TopicSpec } from './topics.js';
export { headerText } from './headers.js';
export { readOrderBatch } from './order-batch.js';
export { PartitionRangeReader } from './partition-range-reader.js';
export type { PartitionRange, PartitionRangeReaderOptions, RangeBatch } from './partition-range-reader.js';
export type { DeadLetter, DeadLetterSource, OrderBatch } from './order-batch.js';
export {
  DEFAULT_PARTITIONS,
  findShortfalls,
  PROVISIONING_ASPECTS,
  resolveTopicSettings,
  TOPIC_SETTINGS_SCHEMA,
  topicLayout,
  TopicSettingsInvalid,
} from './topic-settings.js';
export type { ProvisioningAspect, TopicLayout, TopicSettings, TopicSettingsConfig, TopicShortfall } from './topic-settings.js';
export { countBrokers, describeTopicLayouts, inspectTopics, TopicProvisioningCheck } from './topic-provisioning.js';
export type { TopicProvisioningCheckOptions } from './topic-provisioning.js';
export { inProcessSpan, inPublishSpan, spanContextOfTraceparent } from './messaging-spans.js';
export type { ProcessSpanOptions, PublishSpanOptions, TracedRecord } from './messaging-spans.js';
