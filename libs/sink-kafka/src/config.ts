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

export const DEFAULT_KAFKA_SINK_CONFIG = {
  clientId: 'epipe',
  topic: 'epipe.file-events',
  deadLetterTopic: 'epipe.dead-letters',
  createTopics: true,
  partitions: 6,
  replicationFactor: 1,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 5_000,
  maxBatchBytes: 4 * 1024 * 1024,
} satisfies Partial<KafkaSinkConfig>;
