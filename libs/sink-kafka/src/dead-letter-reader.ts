import { connectionSecurity, readTopicToEnd } from '@epipe/client';
import type { Logger } from '@epipe/core';
import type { KafkaSinkConfig } from './config';
import { SINK_LOG_POLICY } from './log-creator';
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
 * Reads the whole dead-letter topic, from the beginning to its end as of the call, in partition
 * then offset order, without moving anyone's offsets (see readTopicToEnd).
 */
export async function readDeadLetters(
  config: DeadLetterReaderConfig,
  deps: { logger: Logger },
  options: { timeoutMs?: number } = {},
): Promise<StoredDeadLetter[]> {
  const out: StoredDeadLetter[] = [];
  await readTopicToEnd(
    {
      brokers: config.brokers,
      topic: config.deadLetterTopic,
      clientId: `${config.clientId}-dlq-reader`,
      security: connectionSecurity(config),
      connectionTimeoutMs: config.connectionTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      logger: deps.logger,
      logPolicy: SINK_LOG_POLICY,
      ...options,
    },
    ({ value, ...where }) => out.push({ ...where, ...parse(value) }),
  );
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
