import { randomBytes } from 'node:crypto';
import { EpipeError, type Logger } from '@epipe/core';
import { Kafka } from 'kafkajs';
import type { KafkaSinkConfig } from './config';
import { kafkaSslOption, saslOptionsOf } from './kafka-sink';
import { kafkaLogCreator, kafkaLogLevel } from './log-creator';
import { DEAD_LETTER_SCHEMA, type DeadLetterRecordValue } from './records';

/** A dead letter as it sits in the topic: the record's value, where it is and when it was written. */
export interface StoredDeadLetter {
  partition: number;
  offset: string;
  /** The broker's timestamp of the record. */
  timestampMs: number;
  /** The letter, or null when the record is not one epipe wrote (then `unreadable` says why). */
  letter: DeadLetterRecordValue | null;
  unreadable?: string;
}

export type DeadLetterReaderConfig = Pick<
  KafkaSinkConfig,
  'brokers' | 'clientId' | 'deadLetterTopic' | 'ssl' | 'sasl' | 'connectionTimeoutMs' | 'requestTimeoutMs'
>;

/**
 * Reads the whole dead-letter topic, from the beginning to its end as of the call (the high
 * watermarks), in partition then offset order. It reads as a throwaway consumer group that commits
 * nothing and is deleted afterwards, so it never moves anyone's offsets; reading to a known end
 * makes "there is nothing more" a fact, not a timeout.
 */
export async function readDeadLetters(
  config: DeadLetterReaderConfig,
  deps: { logger: Logger },
  options: { timeoutMs?: number } = {},
): Promise<StoredDeadLetter[]> {
  const topic = config.deadLetterTopic;
  const kafka = new Kafka({
    brokers: config.brokers,
    clientId: `${config.clientId}-dlq-reader`,
    ssl: kafkaSslOption(config.ssl),
    ...(config.sasl ? { sasl: saslOptionsOf(config.sasl) } : {}),
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: kafkaLogLevel(deps.logger),
    logCreator: kafkaLogCreator(deps.logger),
  });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${config.clientId}-dlq-reader-${randomBytes(6).toString('hex')}`;
  const out: StoredDeadLetter[] = [];
  try {
    const ends = new Map<number, bigint>();
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high));
    }
    if (ends.size === 0) return [];
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
              new EpipeError('SINK_KAFKA', `reading ${topic}: not at its end after ${timeoutMs} ms`, {
                retriable: true,
              }),
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
                out.push({
                  partition: batch.partition,
                  offset: m.offset,
                  timestampMs: Number(m.timestamp),
                  ...parse(m.value),
                });
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
  return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

function parse(value: Buffer | null): Pick<StoredDeadLetter, 'letter' | 'unreadable'> {
  if (value === null) return { letter: null, unreadable: 'no value' };
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<DeadLetterRecordValue>;
    if (parsed?.schema !== DEAD_LETTER_SCHEMA)
      return { letter: null, unreadable: 'not a dead-letter record' };
    return { letter: parsed as DeadLetterRecordValue };
  } catch (err) {
    return { letter: null, unreadable: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}
