import { randomBytes } from 'node:crypto';
import { EpipeError, type Logger } from '@epipe/core';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { kafkaLogCreator, kafkaLogLevel, type KafkaLogPolicy } from './log-creator';

export interface TopicEndReaderOptions {
  brokers: string[];
  topic: string;
  /** Prefix of the client id and of the throwaway consumer group. */
  clientId: string;
  /** TLS and SASL settings, as the brokers require them. */
  security?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Where kafkajs' own lines go (none without it), under this policy. */
  logger?: Logger;
  logPolicy?: KafkaLogPolicy;
  /** How long reading to the end may take (default 60 s). */
  timeoutMs?: number;
}

export interface EndRecord {
  partition: number;
  offset: string;
  /** The broker's timestamp of the record. */
  timestampMs: number;
  value: Buffer | null;
}

/**
 * Reads every record of a topic from the beginning to its end as of the call (the high
 * watermarks), handing each to `onRecord` in offset order within its partition; resolves to how
 * many there were. It reads as a throwaway consumer group that commits nothing and is deleted
 * afterwards, so it never moves anyone's offsets; reading to a known end makes "there is nothing
 * more" a fact, not a timeout.
 */
export async function readTopicToEnd(
  options: TopicEndReaderOptions,
  onRecord: (record: EndRecord) => void,
): Promise<number> {
  const { topic, logger } = options;
  const kafka = new Kafka({
    brokers: options.brokers,
    clientId: options.clientId,
    ...options.security,
    ...(options.connectionTimeoutMs !== undefined ? { connectionTimeout: options.connectionTimeoutMs } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}),
    logLevel: logger ? kafkaLogLevel(logger, options.logPolicy) : logLevel.NOTHING,
    ...(logger ? { logCreator: kafkaLogCreator(logger, options.logPolicy) } : {}),
  });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.clientId}-${randomBytes(6).toString('hex')}`;
  let count = 0;
  try {
    const ends = new Map<number, bigint>();
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high));
    }
    if (ends.size === 0) return 0;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timeoutMs = options.timeoutMs ?? 60_000;
        const timer = setTimeout(
          () =>
            reject(
              new EpipeError(
                'SINK_KAFKA',
                `reading ${topic}: partitions ${[...ends.keys()].join(',')} not at their end after ${timeoutMs} ms`,
                { retriable: true },
              ),
            ),
          timeoutMs,
        );
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const end = ends.get(batch.partition);
              if (end === undefined) return;
              for (const m of batch.messages) {
                const offset = BigInt(m.offset);
                if (offset >= end) continue;
                onRecord({
                  partition: batch.partition,
                  offset: m.offset,
                  timestampMs: Number(m.timestamp),
                  value: m.value,
                });
                count++;
                if (offset === end - 1n) ends.delete(batch.partition);
              }
              if (ends.size === 0) {
                clearTimeout(timer);
                resolve();
              }
              await Promise.resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  return count;
}
