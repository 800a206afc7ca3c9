import { declareFields, defaultsOf, type FieldValues } from '@epipe/core';

export interface KafkaSinkConfig {
  brokers: string[];
  clientId: string;
  /** File events: key = inode id, value = JSON FileEvent. */
  topic: string;
  /** Dead letters: key = log id (or 'unknown'), value = JSON dead-letter record. */
  deadLetterTopic: string;
  /** Provenance events: key = artifact id, value = JSON ProvenanceEvent. Absent: none published. */
  provenanceTopic?: string;
  /** Publish provenance to `<provenanceTopic>.<project>` of the artifact's owning project. */
  topicPerProject?: boolean;
  /** Names the source database in dead letters; the same name event ids start with. */
  source: string;
  /** Create both topics at start when missing (idempotent). */
  createTopics: boolean;
  partitions: number;
  replicationFactor: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  /** Upper bound of one produce request; a publish() is split into requests no larger. */
  maxBatchBytes: number;
  /** Retries kafkajs makes inside one produce request before publish() fails (default 5). */
  retries?: number;
  /** TLS to the brokers: true for the system CAs, or PEM contents (CA, client cert and key). */
  ssl?: boolean | KafkaTls;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export interface KafkaTls {
  ca?: string;
  /** A client certificate and its key, for mutual TLS. */
  cert?: string;
  key?: string;
}

/**
 * The sink's part of the `kafka` section of the configuration (whether it is on, and TLS files,
 * are the service's). SASL is declared flat, as an operator writes it; see saslOption.
 */
export const KAFKA_SINK_FIELDS = declareFields({
  brokers: {
    type: 'list',
    env: 'EPIPE_KAFKA_BROKERS',
    default: ['127.0.0.1:9092'],
    doc: 'Bootstrap brokers',
  },
  clientId: { type: 'string', env: 'EPIPE_KAFKA_CLIENT_ID', default: 'epipe', doc: 'Client id' },
  topic: { type: 'string', env: 'EPIPE_KAFKA_TOPIC', default: 'epipe.file-events', doc: 'File events topic' },
  deadLetterTopic: {
    type: 'string',
    env: 'EPIPE_KAFKA_DLQ_TOPIC',
    default: 'epipe.dead-letters',
    doc: 'Dead-letter topic',
  },
  createTopics: {
    type: 'bool',
    env: 'EPIPE_KAFKA_CREATE_TOPICS',
    default: true,
    doc: 'Create topics at start (provenance topics when first used); off: a missing provenance topic dead-letters its events',
  },
  partitions: {
    type: 'int',
    env: 'EPIPE_KAFKA_PARTITIONS',
    default: 6,
    min: 1,
    doc: 'Partitions of created topics',
  },
  replicationFactor: {
    type: 'int',
    env: 'EPIPE_KAFKA_REPLICATION',
    default: 1,
    min: 1,
    doc: 'Replication of created topics',
  },
  requestTimeoutMs: {
    type: 'int',
    env: 'EPIPE_KAFKA_REQUEST_TIMEOUT_MS',
    default: 30_000,
    min: 100,
    doc: 'Request timeout',
  },
  connectionTimeoutMs: {
    type: 'int',
    env: 'EPIPE_KAFKA_CONNECT_TIMEOUT_MS',
    default: 5_000,
    min: 100,
    doc: 'Connect timeout',
  },
  maxBatchBytes: {
    type: 'int',
    env: 'EPIPE_KAFKA_MAX_BATCH_BYTES',
    default: 4 * 1024 * 1024,
    min: 1024,
    doc: "Largest produce request (kept under each topic's max.message.bytes too)",
  },
});

/** SASL, flat: the other part of the `kafka` section the sink (and every client) reads. */
export const KAFKA_SASL_FIELDS = declareFields({
  saslMechanism: {
    type: 'string',
    env: 'EPIPE_KAFKA_SASL_MECHANISM',
    default: '',
    oneOf: ['', 'plain', 'scram-sha-256', 'scram-sha-512'],
    doc: 'SASL mechanism (empty: none)',
  },
  saslUsername: { type: 'string', env: 'EPIPE_KAFKA_SASL_USERNAME', default: '', doc: 'SASL user' },
  saslPassword: {
    type: 'string',
    env: 'EPIPE_KAFKA_SASL_PASSWORD',
    default: '',
    secret: true,
    doc: 'SASL password',
  },
});

/** The sink's `sasl` option from the flat fields: absent without a mechanism. */
export function saslOption(values: FieldValues<typeof KAFKA_SASL_FIELDS>): Pick<KafkaSinkConfig, 'sasl'> {
  return values.saslMechanism
    ? {
        sasl: {
          mechanism: values.saslMechanism,
          username: values.saslUsername,
          password: values.saslPassword,
        },
      }
    : {};
}

export const DEFAULT_KAFKA_SINK_CONFIG = defaultsOf(KAFKA_SINK_FIELDS) satisfies Partial<KafkaSinkConfig>;
