export {
  connectionSecurity,
  createSubscriber,
  type Delivery,
  type Subscriber,
  type SubscriberOptions,
} from './subscriber';
export { consumeTopic, type RawBatch, type TopicConsumer, type TopicConsumerOptions } from './topic-consumer';
export {
  createTopicReader,
  type TopicReader,
  type TopicReaderOptions,
  type TopicRecord,
} from './topic-reader';
