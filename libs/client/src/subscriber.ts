import { silentLogger, type FileEvent, type Logger } from '@epipe/core';
import type { KafkaConfig } from 'kafkajs';
import { decodeFileEvent, SUPPORTED_MAJOR } from './decode';
import { MemoryDedupeStore, type DedupeStore } from './dedupe';
import { consumeTopic, type RawBatch, type TopicConsumer } from './topic-consumer';

export interface SubscriberOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  fromBeginning?: boolean;
  /** Skip events already seen (by event id). Default true. */
  dedupe?: boolean;
  /** Where seen event ids are kept; default: the last million ids in memory. */
  dedupeStore?: DedupeStore;
  clientId?: string;
  /** kafkajs' and the subscriber's own log lines go here (default: nowhere). */
  logger?: Logger;
  /**
   * A record that is not a readable file event (not JSON, no schema, no event id). Default:
   * logged as a warning and skipped. Whatever the handler does, the partition moves on: a record
   * no code can read must not stop the subscriber (throw from the handler to stop instead).
   */
  onInvalid?: (invalid: InvalidRecord) => void | Promise<void>;
  /**
   * The subscriber stopped reading: a file event of a schema major version this client does not
   * know arrived (UnsupportedSchemaError; upgrade the client). Nothing from that record on is
   * consumed or committed, so an upgraded subscriber in the same group starts there.
   * Default: logged as an error. `failure` holds it too.
   */
  onError?: (err: Error) => void;
  /**
   * TLS to the brokers: true for the system CAs, or PEM contents (a CA to trust; a client
   * certificate and key for mutual TLS). Certificates are always verified.
   */
  ssl?: boolean | { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /** SASL over the connection (use it with ssl: the PLAIN password travels as is). */
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export interface InvalidRecord {
  reason: string;
  partition: number;
  offset: string;
  value: Buffer | null;
}

/** A file event of a major schema version newer (or older) than this client reads. */
export class UnsupportedSchemaError extends Error {
  constructor(
    readonly version: string,
    readonly partition: number,
    readonly offset: string,
  ) {
    super(
      `file event schema version ${version} at partition ${partition} offset ${offset}: this client reads major version ${SUPPORTED_MAJOR} only; upgrade @epipe/client`,
    );
    this.name = 'UnsupportedSchemaError';
  }
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
  /**
   * Resolves once the consumer has joined its group and is fetching. A handler that throws
   * makes the batch be read again from the first event not yet handled (at least once).
   */
  start(onEvent: (delivery: Delivery) => void | Promise<void>): Promise<void>;
  stop(): Promise<void>;
  readonly duplicates: number;
  readonly invalid: number;
  /** Why the subscriber stopped reading on its own, if it did (see onError). */
  readonly failure: Error | undefined;
}

/**
 * A typed client for subscribers of the file-events topic: checks the schema name and major
 * version, hands unreadable records to onInvalid, and drops replayed events by event id unless
 * asked not to (tests that count duplicates).
 */
export function createSubscriber(options: SubscriberOptions): Subscriber {
  const logger = (options.logger ?? silentLogger()).child({ component: 'epipe-subscriber' });
  const store = options.dedupeStore ?? new MemoryDedupeStore();
  const onInvalid =
    options.onInvalid ??
    ((r: InvalidRecord) =>
      logger.warn(
        { partition: r.partition, offset: r.offset, reason: r.reason },
        'skipping an unreadable record',
      ));
  const onError =
    options.onError ?? ((err: Error) => logger.error({ err }, 'the subscriber stopped reading'));
  let duplicates = 0;
  let invalid = 0;
  let failure: Error | undefined;
  let consumer: TopicConsumer | undefined;

  const handleBatch = async (batch: RawBatch, onEvent: (d: Delivery) => void | Promise<void>) => {
    for (const message of batch.messages) {
      if (failure) return;
      const decoded = decodeFileEvent(message.value);
      switch (decoded.kind) {
        case 'unsupported':
          failure = new UnsupportedSchemaError(decoded.version, batch.partition, message.offset);
          // Not resolved: the group's committed offset stays before this record.
          consumer?.pause();
          onError(failure);
          return;
        case 'invalid':
          invalid++;
          await onInvalid({
            reason: decoded.reason,
            partition: batch.partition,
            offset: message.offset,
            value: message.value,
          });
          break;
        case 'other':
          logger.debug(
            { schema: decoded.schema, offset: message.offset },
            'skipping a record of another schema',
          );
          break;
        case 'event': {
          const { event } = decoded;
          const duplicate = await store.has(event.eventId);
          if (duplicate) duplicates++;
          if (!duplicate || options.dedupe === false) {
            await onEvent({
              event,
              partition: batch.partition,
              offset: message.offset,
              receivedAtMs: Date.now(),
              duplicate,
            });
          }
          // Remembered only once handled: a handler that failed sees the event again.
          if (!duplicate) await store.add(event.eventId);
        }
      }
      batch.resolveOffset(message.offset);
    }
  };

  return {
    get duplicates() {
      return duplicates;
    },
    get invalid() {
      return invalid;
    },
    get failure() {
      return failure;
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
          logger,
          autoResolve: false,
        },
        (batch) => handleBatch(batch, onEvent),
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
