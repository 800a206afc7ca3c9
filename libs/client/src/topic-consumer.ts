import type { Logger } from '@epipe/core';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { kafkaLogCreator, kafkaLogLevel } from './log-creator';

export interface TopicConsumerOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  clientId: string;
  fromBeginning?: boolean;
  /** How long to wait for the topic to exist (the daemon creates it at start). Default 10 s. */
  topicWaitMs?: number;
  /** TLS and SASL settings, as the brokers require them. */
  security?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
  /** Where kafkajs' own log lines go (by default nowhere). */
  logger?: Logger;
  /**
   * Whether a batch counts as consumed when onBatch returns (default). With false, only the
   * offsets passed to the batch's resolveOffset are committed: a reader that stops in the
   * middle of a batch resumes there.
   */
  autoResolve?: boolean;
}

/** One fetched batch of one partition, as the broker returned it. */
export interface RawBatch {
  partition: number;
  messages: { value: Buffer | null; offset: string }[];
  /** Marks everything up to and including `offset` as consumed (for autoResolve: false). */
  resolveOffset(offset: string): void;
}

export interface TopicConsumer {
  /** Stops fetching (the group stays joined); what was not resolved is read again by the next reader. */
  pause(): void;
  stop(): Promise<void>;
}

const SUBSCRIBE_RETRY_MS = 200;

/**
 * Reads one topic in a consumer group with the settings every reader of epipe's topics uses
 * (session 10 s, heartbeat 1 s, whole batches handed over in order), so the typed subscriber and
 * the benchmark's lag measurement see records the same way. Resolves once the group is joined
 * and fetching; a consumer that could not get there is disconnected before the error is thrown.
 */
export async function consumeTopic(
  options: TopicConsumerOptions,
  onBatch: (batch: RawBatch) => Promise<void> | void,
): Promise<TopicConsumer> {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: options.logger ? kafkaLogLevel(options.logger) : logLevel.NOTHING,
    ...(options.logger ? { logCreator: kafkaLogCreator(options.logger) } : {}),
    ...options.security,
  });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  try {
    await consumer.connect();
    const attempts = Math.max(1, Math.ceil((options.topicWaitMs ?? 10_000) / SUBSCRIBE_RETRY_MS));
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
        break;
      } catch (err) {
        if (attempt >= attempts || (err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION')
          throw err;
        await new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_RETRY_MS));
      }
    }
    const joined = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await consumer.run({
      eachBatchAutoResolve: options.autoResolve ?? true,
      eachBatch: (payload) =>
        Promise.resolve(
          onBatch({
            partition: payload.batch.partition,
            messages: payload.batch.messages,
            resolveOffset: (offset) => payload.resolveOffset(offset),
          }),
        ),
    });
    await joined;
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    throw err;
  }
  return {
    pause: () => consumer.pause([{ topic: options.topic }]),
    stop: () => consumer.disconnect(),
  };
}
