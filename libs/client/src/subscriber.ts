import { FILE_EVENT_SCHEMA, type FileEvent } from '@epipe/core';
import { Kafka, logLevel } from 'kafkajs';
import { DedupeWindow } from './dedupe';

export interface SubscriberOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  fromBeginning?: boolean;
  /** Skip events already seen (by event id). Default true. */
  dedupe?: boolean;
  clientId?: string;
}

export interface Delivery {
  event: FileEvent;
  /** The Kafka partition and offset, for ordering checks. */
  partition: number;
  offset: string;
  /** When this process received it. */
  receivedAtMs: number;
  duplicate: boolean;
}

export interface Subscriber {
  /** Resolves once the consumer has joined its group and is fetching. */
  start(onEvent: (delivery: Delivery) => void | Promise<void>): Promise<void>;
  stop(): Promise<void>;
  readonly duplicates: number;
}

/**
 * A typed client for subscribers of the file-events topic: parses and checks the schema name,
 * and drops replayed events by event id unless asked not to (tests that count duplicates).
 */
export function createSubscriber(options: SubscriberOptions): Subscriber {
  const kafka = new Kafka({
    clientId: options.clientId ?? 'epipe-subscriber',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const window = new DedupeWindow();
  let duplicates = 0;
  return {
    get duplicates() {
      return duplicates;
    },
    async start(onEvent) {
      await consumer.connect();
      // The topic may be moments from existing (the daemon creates it at start): retry a while.
      for (let attempt = 1; ; attempt++) {
        try {
          await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
          break;
        } catch (err) {
          if (attempt >= 50 || (err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      const joined = new Promise<void>((resolve) => {
        const off = consumer.on(consumer.events.GROUP_JOIN, () => {
          off();
          resolve();
        });
      });
      await consumer.run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            if (!message.value) continue;
            const event = JSON.parse(message.value.toString('utf8')) as FileEvent;
            if (event.schema !== FILE_EVENT_SCHEMA) continue;
            const first = window.firstTime(event.eventId);
            if (!first) duplicates++;
            if (!first && options.dedupe !== false) continue;
            await onEvent({
              event,
              partition: batch.partition,
              offset: message.offset,
              receivedAtMs: Date.now(),
              duplicate: !first,
            });
          }
        },
      });
      await joined;
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}
