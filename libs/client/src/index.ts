export { createSubscriber, type Delivery, type Subscriber, type SubscriberOptions } from './subscriber';
export { consumeTopic, type RawBatch, type TopicConsumer, type TopicConsumerOptions } from './topic-consumer';
