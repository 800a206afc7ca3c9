export {
  connectionSecurity,
  createSubscriber,
  UnsupportedSchemaError,
  type Delivery,
  type InvalidRecord,
  type Subscriber,
  type SubscriberOptions,
} from './subscriber';
export { decodeFileEvent, SUPPORTED_MAJOR, type Decoded } from './decode';
export { MemoryDedupeStore, type DedupeStore } from './dedupe';
export { kafkaLogCreator, kafkaLogLevel, type KafkaLogPolicy } from './log-creator';
export { consumeTopic, type RawBatch, type TopicConsumer, type TopicConsumerOptions } from './topic-consumer';
export {
  createTopicReader,
  type TopicReader,
  type TopicReaderOptions,
  type TopicRecord,
} from './topic-reader';
export { readTopicToEnd, type EndRecord, type TopicEndReaderOptions } from './topic-end';
