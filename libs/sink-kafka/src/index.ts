export {
  DEFAULT_KAFKA_SINK_CONFIG,
  KAFKA_SASL_FIELDS,
  KAFKA_SINK_FIELDS,
  saslOption,
  type KafkaSinkConfig,
  type KafkaTls,
} from './config';
export {
  createKafkaSink,
  type KafkaSink,
  type KafkaSinkDeps,
  type ProvenancePublishResult,
  type PublishResult,
} from './kafka-sink';
export { provenanceTopicOf, type ProvenanceTopics } from './provenance';
export { readDeadLetters, type DeadLetterReaderConfig, type StoredDeadLetter } from './dead-letter-reader';
export { deadLetterValue, type DeadLetterRecordValue } from './records';
