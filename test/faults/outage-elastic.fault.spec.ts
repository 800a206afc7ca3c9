import { describeSinkOutage } from './support/outage';

/** Elasticsearch is stopped for about 30 s while writers commit; epipe must wait it out and catch up. */
describeSinkOutage({
  name: 'Elasticsearch',
  prefix: 'fault_es',
  service: 'elasticsearch',
  project: 'esout',
  downMs: 10_000,
  seed: 5,
});
