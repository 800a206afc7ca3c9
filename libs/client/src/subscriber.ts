import { FILE_EVENT_SCHEMA, type FileEvent } from '@epipe/core';
import { DedupeWindow } from './dedupe';
import { consumeTopic, type TopicConsumer } from './topic-consumer';

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
  const window = new DedupeWindow();
  let duplicates = 0;
  let consumer: TopicConsumer | undefined;
  return {
    get duplicates() {
      return duplicates;
    },
    async start(onEvent) {
      consumer = await consumeTopic(
        {
          brokers: options.brokers,
          topic: options.topic,
          groupId: options.groupId,
          clientId: options.clientId ?? 'epipe-subscriber',
          fromBeginning: options.fromBeginning ?? true,
        },
        async (batch) => {
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
      );
    },
    async stop() {
      await consumer?.stop();
    },
  };
}
