// Shared by the tests that run this sink against the real broker (the build leaves src/testing
// out). One file's topics share a unique prefix, so its afterAll finds and deletes them all.
import { type Logger, silentLogger } from '@epipe/core';
import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import { deleteTopicsWithPrefix } from '../../../../test/support/cleanup';
import { testEnv, uniqueName } from '../../../../test/support/env';
import { createKafkaSink, type KafkaSink, type KafkaSinkConfig } from '../index';

/** The sink's configuration against the local broker, its topics named after `base`. */
export function testSinkConfig(base: string, overrides: Partial<KafkaSinkConfig> = {}): KafkaSinkConfig {
  return {
    brokers: testEnv().kafkaBrokers,
    clientId: 'sink-kafka-test',
    topic: `${base}_events`,
    deadLetterTopic: `${base}_dlq`,
    source: 'testdb',
    createTopics: true,
    partitions: 3,
    replicationFactor: 1,
    requestTimeoutMs: 10_000,
    connectionTimeoutMs: 3_000,
    maxBatchBytes: 64 * 1024,
    ...overrides,
  };
}

export interface ReceivedRecord<T> {
  topic: string;
  partition: number;
  key: string;
  value: T;
  headers: Record<string, string>;
}

/**
 * A test file's Kafka: a client and an admin connected before its tests; names under one prefix;
 * after them, every sink it started closed and every topic under the prefix deleted.
 */
export class KafkaTestBed {
  readonly kafka: Kafka;
  private readonly prefix: string;
  private readonly sinks: KafkaSink[] = [];
  private adminClient: Admin | undefined;
  private names = 0;

  constructor(what: string) {
    this.prefix = uniqueName(what);
    this.kafka = new Kafka({ brokers: testEnv().kafkaBrokers, clientId: what, logLevel: logLevel.NOTHING });
    beforeAll(async () => {
      this.adminClient = this.kafka.admin();
      await this.adminClient.connect();
    });
    afterAll(async () => {
      await Promise.all(this.sinks.map((s) => s.close()));
      await this.adminClient?.disconnect();
      await deleteTopicsWithPrefix(testEnv().kafkaBrokers, this.prefix);
    });
  }

  get admin(): Admin {
    if (!this.adminClient) throw new Error('the admin connects in beforeAll');
    return this.adminClient;
  }

  /** A name no other test uses, under this file's prefix (deleted after the file). */
  name(what: string): string {
    return `${this.prefix}_${what}${++this.names}`;
  }

  /** A sink closed after the file, whether or not it started. */
  sink(config: KafkaSinkConfig, logger: Logger = silentLogger()): KafkaSink {
    const sink = createKafkaSink(config, { logger });
    this.sinks.push(sink);
    return sink;
  }

  async startedSink(config: KafkaSinkConfig): Promise<KafkaSink> {
    const sink = this.sink(config);
    await sink.start();
    return sink;
  }

  /**
   * Reads `count` messages of `topics` from the beginning through a fresh consumer group, then
   * waits a moment more: anything beyond `count` would be a duplicate and shows up too.
   */
  async consume<T>(topics: string[], count: number, timeoutMs = 60_000): Promise<ReceivedRecord<T>[]> {
    const consumer = this.kafka.consumer({
      groupId: this.name('group'),
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 200,
    });
    const received: ReceivedRecord<T>[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`got ${received.length} of ${count} messages from ${topics.join(', ')}`)),
          timeoutMs,
        );
        void consumer.run({
          eachMessage: ({
            topic,
            partition,
            message,
          }: {
            topic: string;
            partition: number;
            message: KafkaMessage;
          }) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
            received.push({
              topic,
              partition,
              key: message.key?.toString() ?? '',
              value: JSON.parse(message.value?.toString() ?? 'null') as T,
              headers,
            });
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        });
      });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await consumer.disconnect();
    }
    return received;
  }
}
