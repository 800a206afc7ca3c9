export { DEFAULT_KAFKA_SINK_CONFIG, type KafkaSinkConfig } from './config';
export { createKafkaSink, type KafkaSink, type KafkaSinkDeps, type PublishResult } from './kafka-sink';
