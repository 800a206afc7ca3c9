export { createSubscriber, type Delivery, type Subscriber, type SubscriberOptions } from './subscriber';
