export { anyBrokerReachable, createKafka, isConnectivityError, reliableProducerConfig } from './kafka-client.js';
export type { KafkaClientOptions, KafkaConnectivity, KafkaLogSink, KafkaJS } from './kafka-client.js';
export { deadLetterTopicSpec, ensureTopics, ordersTopicSpec } from './topics.js';
export type { TopicSpec } from './topics.js';
export { headerText } from './headers.js';
export { readOrderBatch } from './order-batch.js';
export type { DeadLetter, DeadLetterSource, OrderBatch } from './order-batch.js';
