import { Kafka, logLevel, type Consumer, type KafkaConfig } from 'kafkajs';

export interface TopicRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The value parsed as JSON (null when it is not JSON). */
  value: unknown;
}

export interface TopicReaderOptions {
  brokers: string[];
  topics: string[];
  groupId: string;
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  clientId?: string;
  /** TLS and SASL settings, as the brokers require them. */
  security?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
}

export interface TopicReader {
  /**
   * Hands over each fetched batch; its offsets are committed only after `onBatch` resolves, so
   * a reader killed mid-batch prints that batch again after a restart (at least once:
   * deduplicate by event id). `onBatch` may resolve to the number of records it handled: only
   * those are committed.
   */
  run(onBatch: (records: TopicRecord[]) => Promise<number | void>, afterCommit?: () => void): Promise<void>;
  stop(): Promise<void>;
}

/** Reads any of epipe's topics as JSON records, committing after each handled batch. */
export function createTopicReader(options: TopicReaderOptions): TopicReader {
  const kafka = new Kafka({
    clientId: options.clientId ?? 'epipe-topic-reader',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
    ...options.security,
  });
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  return {
    async run(onBatch, afterCommit) {
      await consumer.connect();
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          if (!payload.isRunning() || payload.isStale()) return;
          const records = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString('utf8') ?? null,
            value: parse(m.value?.toString('utf8')),
          }));
          const handled = (await onBatch(records)) ?? records.length;
          const last = batch.messages[Math.min(handled, records.length) - 1];
          if (!last) return afterCommit?.();
          payload.resolveOffset(last.offset);
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ]);
          afterCommit?.();
          await payload.heartbeat();
        },
      });
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}

function parse(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
