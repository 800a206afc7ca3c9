import { describeSinkOutage } from './support/outage';

/** Kafka is stopped for about 30 s while writers commit; epipe must wait it out and catch up. */
describeSinkOutage({
  name: 'Kafka',
  prefix: 'fault_kafka',
  service: 'kafka',
  project: 'kafkaout',
  downMs: 22_000,
  seed: 3,
});
