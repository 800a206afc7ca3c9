import { createLogger, type FileEvent } from '@epipe/core';
import { uniqueName } from '../../../test/support/env';
import type { KafkaSink, KafkaSinkConfig } from './index';
import type { DeadLetterRecordValue } from './records';
import { sampleDeadLetter, sampleEvent, validators } from './fixtures.spec';
import { KafkaTestBed, testSinkConfig } from './testing/kafka';

// Consumer-group joins take seconds; the project-level testTimeout does not reach this file.
jest.setTimeout(120_000);

const bed = new KafkaTestBed('sink_kafka');
const { kafka } = bed;

function sinkConfig(overrides: Partial<KafkaSinkConfig>): KafkaSinkConfig {
  return testSinkConfig(bed.name('sink'), overrides);
}

async function startedSink(
  overrides: Partial<KafkaSinkConfig> = {},
): Promise<{ sink: KafkaSink; config: KafkaSinkConfig }> {
  const config = sinkConfig(overrides);
  return { sink: await bed.startedSink(config), config };
}

const consume = <T>(topic: string, count: number) => bed.consume<T>([topic], count);

describe('kafkajs 2.2.4 against the local broker', () => {
  it('round-trips messages through a consumer group and commits its offsets', async () => {
    const topic = bed.name('roundtrip');
    await bed.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}` })),
    });
    await producer.disconnect();

    const groupId = uniqueName('sink_kafka_roundtrip');
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: ({ message }) => {
          values.push(message.value!.toString());
          if (values.length === 20) resolve();
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect(); // commits what was consumed

    expect(values.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`).sort());
    const [offsets] = await bed.admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(20);
  });
});

describe('KafkaSink', () => {
  const { fileEvent, deadLetter } = validators();

  it('creates its topics at start, and a second sink on the same topics starts too', async () => {
    // Each start() resolving is the check: the second finds the topics already there.
    const { config } = await startedSink({ partitions: 3 });
    await startedSink({
      topic: config.topic,
      deadLetterTopic: config.deadLetterTopic,
    });
    const meta = await bed.admin.fetchTopicMetadata({ topics: [config.topic, config.deadLetterTopic] });
    expect(meta.topics.map((t) => t.partitions.length)).toEqual([3, 3]);
  });

  it('delivers every event keyed by inode, in per-key order across publish() calls, with headers', async () => {
    // Small requests, so that one publish() becomes several produce requests per partition.
    const { sink, config } = await startedSink({ maxBatchBytes: 4 * 1024 });
    const events: FileEvent[] = Array.from({ length: 400 }, (_, i) => sampleEvent(i));
    for (let from = 0; from < events.length; from += 80) {
      const { rejected } = await sink.publish(events.slice(from, from + 80));
      expect(rejected).toEqual([]);
    }
    const received = await consume<FileEvent>(config.topic, events.length);

    expect(received).toHaveLength(events.length);
    expect(received.map((r) => r.value.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
    const perKey = new Map<string, number[]>();
    for (const r of received) {
      expect(r.key).toBe(String(r.value.inodeId));
      expect(r.headers['epipe-event-id']).toBe(r.value.eventId);
      expect(r.headers['epipe-schema-version']).toBe('1');
      expect({
        eventId: r.value.eventId,
        valid: fileEvent(r.value),
        errors: fileEvent.errors ?? null,
      }).toEqual({
        eventId: r.value.eventId,
        valid: true,
        errors: null,
      });
      perKey.set(r.key, [...(perKey.get(r.key) ?? []), r.value.logicalTime]);
    }
    expect(perKey.size).toBe(37);
    for (const [key, times] of perKey) {
      expect({ key, times }).toEqual({ key, times: [...times].sort((a, b) => a - b) });
    }
    // Every key lands on one partition only.
    const partitionsOfKey = new Map<string, Set<number>>();
    for (const r of received)
      partitionsOfKey.set(r.key, (partitionsOfKey.get(r.key) ?? new Set()).add(r.partition));
    expect([...partitionsOfKey.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set(received.map((r) => r.partition)).size).toBe(3);
  });

  it('publishes dead letters to the dead-letter topic, valid against their schema', async () => {
    const { sink, config } = await startedSink();
    const letters = Array.from({ length: 8 }, (_, i) => sampleDeadLetter(i));
    await sink.publishDeadLetters(letters);
    const received = await consume<DeadLetterRecordValue>(config.deadLetterTopic, letters.length);

    expect(received).toHaveLength(8);
    for (const r of received) {
      expect({ valid: deadLetter(r.value), errors: deadLetter.errors ?? null }).toEqual({
        valid: true,
        errors: null,
      });
      expect(r.key).toBe(r.value.logId === null ? 'unknown' : String(r.value.logId));
      expect(r.value).toMatchObject({ schema: 'epipe.dead-letter', schemaVersion: 1, source: 'testdb' });
      if (r.value.logId !== null) expect(r.headers['epipe-event-id']).toBe(`testdb/${r.value.logId}`);
    }
    const unknown = received.filter((r) => r.key === 'unknown');
    expect(unknown).toHaveLength(2);
    expect(received.find((r) => r.value.logId === 500)!.value.row).toEqual({
      log_id: '500',
      inode_name: { type: 'Buffer', base64: Buffer.from('name-0').toString('base64') },
      operation: 99,
    });
  });

  describe('with a topic that accepts only small messages', () => {
    const limit = 2048;
    let smallTopic: string;
    let smallDlq: string;

    beforeAll(async () => {
      smallTopic = bed.name('small');
      smallDlq = bed.name('smalldlq');
      await bed.admin.createTopics({
        waitForLeaders: true,
        topics: [smallTopic, smallDlq].map((topic) => ({
          topic,
          numPartitions: 2,
          configEntries: [{ name: 'max.message.bytes', value: String(limit) }],
        })),
      });
    });

    it('rejects oversized events one by one and delivers the rest of the batch in order', async () => {
      const { sink } = await startedSink({
        topic: smallTopic,
        deadLetterTopic: smallDlq,
        createTopics: false,
      });
      // Two inodes, so both partitions see traffic; big events in the middle and at the edges.
      const big = new Set([0, 7, 8, 19]);
      const events = Array.from({ length: 20 }, (_, i) =>
        sampleEvent(i, { inodeId: 10 + (i % 2), name: big.has(i) ? 'x'.repeat(3 * limit) : `f${i}` }),
      );
      const { rejected } = await sink.publish(events);

      expect(rejected.map((r) => r.event.eventId)).toEqual([...big].map((i) => events[i]!.eventId));
      for (const r of rejected) expect(r.reason).toMatch(/^MESSAGE_TOO_LARGE/);

      // The producer session survived the refusals: a following publish goes through.
      const after = [sampleEvent(20, { inodeId: 10 }), sampleEvent(21, { inodeId: 11 })];
      expect((await sink.publish(after)).rejected).toEqual([]);

      const expected = [...events.filter((_, i) => !big.has(i)), ...after];
      const received = await consume<FileEvent>(smallTopic, expected.length);
      expect(received).toHaveLength(expected.length);
      for (const key of ['10', '11']) {
        expect(received.filter((r) => r.key === key).map((r) => r.value.eventId)).toEqual(
          expected.filter((e) => String(e.inodeId) === key).map((e) => e.eventId),
        );
      }
    });

    it("keeps produce requests within the topic's max.message.bytes, so none is refused", async () => {
      const warnings: string[] = [];
      const [topic, dlq] = [bed.name('fit'), bed.name('fitdlq')];
      await bed.admin.createTopics({
        waitForLeaders: true,
        topics: [topic, dlq].map((t) => ({
          topic: t,
          numPartitions: 2,
          configEntries: [{ name: 'max.message.bytes', value: String(limit) }],
        })),
      });
      const config = sinkConfig({
        topic,
        deadLetterTopic: dlq,
        createTopics: false,
        maxBatchBytes: 1024 * 1024,
      });
      const logger = createLogger({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
      const sink = bed.sink(config, logger);
      await sink.start();
      // About forty times the topic's limit, in events that each fit.
      const events = Array.from({ length: 200 }, (_, i) => sampleEvent(100 + i, { inodeId: 10 + (i % 2) }));
      expect((await sink.publish(events)).rejected).toEqual([]);
      expect(warnings.filter((w) => /MESSAGE_TOO_LARGE|max message size/.test(w))).toEqual([]);
      expect(await consume<FileEvent>(topic, events.length)).toHaveLength(events.length);
    });

    it('sends a dead letter too large for its topic without its row, keeping the reason', async () => {
      const { sink } = await startedSink({
        topic: smallTopic,
        deadLetterTopic: smallDlq,
        createTopics: false,
      });
      const huge = sampleDeadLetter(0, { row: { blob: 'y'.repeat(4 * limit) } });
      const small = sampleDeadLetter(1);
      await sink.publishDeadLetters([huge, small]);
      const received = await consume<DeadLetterRecordValue>(smallDlq, 2);

      expect(received).toHaveLength(2);
      const slim = received.find((r) => r.value.logId === huge.logId)!;
      expect(slim.value.row).toBeNull();
      expect(slim.value.reason).toMatch(/^column operation: .*\(row omitted: MESSAGE_TOO_LARGE/);
      expect(deadLetter(slim.value)).toBe(true);
      expect(received.find((r) => r.value.logId === small.logId)!.value.row).not.toBeNull();
    });

    it('hands back a letter the topic refuses even without its row, instead of failing the stream', async () => {
      const { sink } = await startedSink({
        topic: smallTopic,
        deadLetterTopic: smallDlq,
        createTopics: false,
      });
      const hopeless = sampleDeadLetter(7, { reason: 'r'.repeat(4 * limit) });
      const outcome = await sink.publishDeadLetters([hopeless]);
      expect(outcome.refused).toHaveLength(1);
      expect(outcome.refused[0]!.logId).toBe(hopeless.logId);
      expect(outcome.refused[0]!.reason).toMatch(/refused by .*MESSAGE_TOO_LARGE/);
    });
  });

  it('fails with a retriable SINK_KAFKA error when the topic does not exist and may not be created', async () => {
    const sink = bed.sink(sinkConfig({ createTopics: false, retries: 1, requestTimeoutMs: 3_000 }));
    await expect(sink.start()).rejects.toMatchObject({
      name: 'EpipeError',
      code: 'SINK_KAFKA',
      retriable: true,
    });
  });
});
