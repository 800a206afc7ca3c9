export type { KafkaSinkConfig } from './config';
export {
  createKafkaSink,
  type KafkaSink,
  type KafkaSinkDeps,
  type ProvenancePublishResult,
  type PublishResult,
} from './kafka-sink';
export { provenanceRecord, provenanceTopicOf, type ProvenanceTopics } from './provenance';
export {
  DEAD_LETTER_SCHEMA,
  DEAD_LETTER_SCHEMA_VERSION,
  HEADER_EVENT_ID,
  HEADER_SCHEMA,
  HEADER_SCHEMA_VERSION,
  type DeadLetterRecordValue,
} from './records';
export { classifyKafkaError, type KafkaFailureKind } from './errors';
