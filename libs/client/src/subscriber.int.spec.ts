import { FILE_EVENT_SCHEMA } from '@epipe/core';
import { Kafka, logLevel } from 'kafkajs';
import { testEnv, uniqueName } from '../../../test/support/env';
import { createSubscriber, type Delivery, type InvalidRecord, type Subscriber } from './index';
import { until } from '../../core/src/testing/wait';

const event = (logId: number, schemaVersion: unknown = 1) =>
  JSON.stringify({ schema: FILE_EVENT_SCHEMA, schemaVersion, eventId: `db/${logId}`, logId, inodeId: 7 });

/** The subscriber against the real Kafka: what a topic with garbage and a newer schema does to it. */
describe('subscriber on a real topic', () => {
  const { kafkaBrokers: brokers } = testEnv();
  const kafka = new Kafka({ brokers, clientId: 'client-int', logLevel: logLevel.NOTHING });
  const topic = uniqueName('client-int').replace(/_/g, '-');
  let subscriber: Subscriber | undefined;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        event(1),
        'this is not JSON {',
        event(2),
        event(1), // a replay
        JSON.stringify({ schema: FILE_EVENT_SCHEMA, schemaVersion: 1 }), // no event id
        event(3),
        event(4, '2.0'), // a major version this client does not know
        event(5),
      ].map((value) => ({ key: '7', value })),
    });
    await producer.disconnect();
  });

  afterEach(async () => {
    await subscriber?.stop();
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('skips garbage, drops the replay, and stops with an error at an unknown major version', async () => {
    const delivered: Delivery[] = [];
    const invalid: InvalidRecord[] = [];
    const errors: Error[] = [];
    const groupId = uniqueName('client-int');
    subscriber = createSubscriber({
      brokers,
      topic,
      groupId,
      onInvalid: (r) => void invalid.push(r),
      onError: (err) => void errors.push(err),
    });
    await subscriber.start((d) => void delivered.push(d));
    await until(() => errors.length > 0, 'the unknown version', { timeoutMs: 30_000, everyMs: 100 });
    // Time for anything wrongly read past the stop to show up.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(delivered.map((d) => d.event.logId)).toEqual([1, 2, 3]);
    expect(invalid.map((r) => [r.offset, r.reason.slice(0, 8)])).toEqual([
      ['1', 'not JSON'],
      ['4', 'no event'],
    ]);
    expect(subscriber.duplicates).toBe(1);
    expect(errors[0]!.message).toMatch(
      /schema version 2\.0 at partition 0 offset 6: this client reads major version 1/,
    );
    expect(subscriber.failure).toBe(errors[0]);
    await subscriber.stop();

    // The group's committed offset stays at the record that stopped it: an upgraded reader
    // starts there, having lost nothing.
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    expect(committed!.partitions[0]!.offset).toBe('6');
  });
});
