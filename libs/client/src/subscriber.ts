import { FILE_EVENT_SCHEMA, type FileEvent } from '@epipe/core';
import type { KafkaConfig } from 'kafkajs';
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
  /**
   * TLS to the brokers: true for the system CAs, or PEM contents (a CA to trust; a client
   * certificate and key for mutual TLS). Certificates are always verified.
   */
  ssl?: boolean | { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /** SASL over the connection (use it with ssl: the PLAIN password travels as is). */
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
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
          security: connectionSecurity(options),
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

/** kafkajs' ssl and sasl options from the subscriber's. */
export function connectionSecurity(
  options: Pick<SubscriberOptions, 'ssl' | 'sasl'>,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (options.ssl === true) out.ssl = true;
  else if (options.ssl) {
    const { ca, cert, key } = options.ssl;
    out.ssl = {
      rejectUnauthorized: true,
      ...(ca !== undefined ? { ca: [ca] } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
    };
  }
  if (options.sasl) {
    const { mechanism, username, password } = options.sasl;
    // A switch, not a spread: kafkajs types each mechanism separately.
    switch (mechanism) {
      case 'plain':
        out.sasl = { mechanism, username, password };
        break;
      case 'scram-sha-256':
        out.sasl = { mechanism, username, password };
        break;
      case 'scram-sha-512':
        out.sasl = { mechanism, username, password };
        break;
    }
  }
  return out;
}
