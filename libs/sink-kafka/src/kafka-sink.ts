import { connectionSecurity } from '@epipe/client';
import { EpipeError, type DeadLetter, type FileEvent, type Logger, type ProvenanceEvent } from '@epipe/core';
import {
  ConfigResourceTypes,
  Kafka,
  type Admin,
  type ICustomPartitioner,
  type PartitionMetadata,
  type Producer,
} from 'kafkajs';
import type { KafkaSinkConfig } from './config';
import { classifyKafkaError, protocolErrorType, toSinkError } from './errors';
import { kafkaLogCreator, kafkaLogLevel } from './log-creator';
import { partitionOfKey } from './partition';
import { groupByTopic, provenanceRecord } from './provenance';
import {
  chunkByBytes,
  deadLetterRecord,
  deadLetterValue,
  estimateRecordBytes,
  fileEventRecord,
  type OutgoingRecord,
} from './records';

export interface PublishResult {
  /**
   * Events the broker refused for what they are (too large, invalid), after the sink isolated
   * them from the rest of their batch; every other event was acknowledged. The caller
   * dead-letters these.
   */
  rejected: { event: FileEvent; reason: string }[];
}

export interface KafkaSink {
  /** Connects and, if configured, creates the topics (idempotent). */
  start(signal?: AbortSignal): Promise<void>;
  /**
   * Resolves once every event not in `rejected` is acknowledged by all in-sync replicas.
   * Per-key order holds across calls when the caller awaits each call before the next.
   */
  publish(events: FileEvent[], signal?: AbortSignal): Promise<PublishResult>;
  /**
   * Publishes provenance events to the provenance topic (or the owning project's), keyed by
   * artifact id; a topic not seen before is created first when `createTopics` is on.
   */
  publishProvenance(events: ProvenanceEvent[], signal?: AbortSignal): Promise<ProvenancePublishResult>;
  /** Resolves once every letter is acknowledged; a letter too large is sent without its row. */
  /**
   * Letters the topic refuses even without the row they carry come back in `refused`: a letter
   * must not stop the stream, so the caller keeps them elsewhere.
   */
  publishDeadLetters(letters: DeadLetter[], signal?: AbortSignal): Promise<{ refused: DeadLetter[] }>;
  close(): Promise<void>;
}

export interface ProvenancePublishResult {
  rejected: { event: ProvenanceEvent; reason: string }[];
}

/** No metrics: deliveries, latency and errors are counted by the pipeline, per call. */
export interface KafkaSinkDeps {
  logger: Logger;
}

interface Pending<T> {
  item: T;
  index: number;
  record: OutgoingRecord;
  bytes: number;
}

interface Rejected<T> {
  item: T;
  index: number;
  reason: string;
}

/** How long partition counts are trusted before they are read again (kafkajs' own default). */
const METADATA_MAX_AGE_MS = 300_000;

const PARTITION_AS_GIVEN: ICustomPartitioner =
  () =>
  ({ message }) =>
    message.partition!;

/** Room for the record batch header and rounding under a topic's max.message.bytes. */
const BATCH_HEADROOM_BYTES = 1024;

export function createKafkaSink(config: KafkaSinkConfig, deps: KafkaSinkDeps): KafkaSink {
  return new KafkaSinkImpl(config, deps);
}

/**
 * Ordering and idempotence. The producer is idempotent (acks = -1, one request in flight per
 * broker, which is what kafkajs' idempotent producer supports: it serializes produce requests per
 * broker to keep sequence numbers gapless). The broker then rejects duplicates and out-of-order
 * batches per partition, so a retried request can neither duplicate nor reorder records.
 *
 * Every produce request carries ONE partition. kafkajs rolls back the sequence numbers of all
 * partitions in a request that failed, even of the partitions the broker did append; re-sending
 * any of those in a different grouping would then fail with OUT_OF_ORDER_SEQUENCE_NUMBER forever.
 * With one partition per request a refused request wrote nothing, so the sink may split it to
 * find the refused records. Partitions still go out concurrently; records of one partition go
 * strictly one request after the other, in the caller's order.
 *
 * After any failed publish the next one starts a fresh producer (a new producer id): a timed-out
 * request may or may not have been written, and only a new session makes that harmless. The cost
 * is a possible duplicate, which subscribers drop by event id.
 */
class KafkaSinkImpl implements KafkaSink {
  private readonly logger: Logger;
  private readonly kafka: Kafka;
  private readonly metadata = new Map<string, { partitions: PartitionMetadata[]; fetchedAtMs: number }>();
  /** Per topic: the largest produce request it accepts (its max.message.bytes, less headroom). */
  private readonly requestLimit = new Map<string, number>();
  /** Provenance topics known to exist (created here or found), so each is created once. */
  private readonly knownTopics = new Set<string>();
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private producerBroken = false;
  private started = false;
  private closed = false;

  constructor(
    private readonly config: KafkaSinkConfig,
    deps: KafkaSinkDeps,
  ) {
    this.logger = deps.logger.child({ component: 'sink-kafka' });
    this.kafka = new Kafka({
      brokers: config.brokers,
      clientId: config.clientId,
      ...connectionSecurity(config),
      requestTimeout: config.requestTimeoutMs,
      connectionTimeout: config.connectionTimeoutMs,
      retry: { retries: config.retries ?? 5, initialRetryTime: 100, maxRetryTime: 10_000 },
      logLevel: kafkaLogLevel(this.logger),
      logCreator: kafkaLogCreator(this.logger),
    });
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.started) return;
    this.assertOpen();
    const topics = [this.config.topic, this.config.deadLetterTopic];
    try {
      signal?.throwIfAborted();
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      if (this.config.createTopics) {
        signal?.throwIfAborted();
        const created = await this.admin.createTopics({
          waitForLeaders: true,
          timeout: this.config.requestTimeoutMs,
          topics: topics.map((topic) => ({
            topic,
            numPartitions: this.config.partitions,
            replicationFactor: this.config.replicationFactor,
          })),
        });
        this.logger.info({ topics, created }, 'kafka topics ready');
      }
      for (const topic of topics) await this.partitionsOf(topic, signal);
      await this.readRequestLimits(topics);
      await this.ensureProducer();
    } catch (err) {
      if (signal?.aborted && err === signal.reason) throw err;
      throw toSinkError(err, `starting the kafka sink (brokers ${this.config.brokers.join(',')})`);
    }
    this.started = true;
    this.logger.info({ brokers: this.config.brokers, topic: this.config.topic }, 'kafka sink started');
  }

  async publish(events: FileEvent[], signal?: AbortSignal): Promise<PublishResult> {
    const pending = events.map((event, index) => pendingOf(event, index, fileEventRecord(event)));
    const rejected = await this.produce(this.config.topic, pending, signal);
    for (const r of rejected) {
      this.logger.warn({ eventId: r.item.eventId, reason: r.reason }, 'kafka refused an event');
    }
    return { rejected: rejected.map(({ item, reason }) => ({ event: item, reason })) };
  }

  async publishProvenance(events: ProvenanceEvent[], signal?: AbortSignal): Promise<ProvenancePublishResult> {
    const base = this.config.provenanceTopic;
    if (!base) throw new EpipeError('CONFIG_INVALID', 'no provenance topic configured');
    const groups = groupByTopic(
      { topic: base, topicPerProject: this.config.topicPerProject ?? false },
      events,
    );
    const rejected: ProvenancePublishResult['rejected'] = [];
    for (const [topic, list] of groups) {
      if (!(await this.ensureTopic(topic, signal))) {
        // Retrying cannot create it: the events go to the dead-letter topic, the stream goes on.
        const reason = missingTopicReason(topic);
        this.logger.error({ topic, count: list.length }, reason);
        for (const event of list) rejected.push({ event, reason });
        continue;
      }
      const pending = list.map((event, index) => pendingOf(event, index, provenanceRecord(event)));
      for (const r of await this.produce(topic, pending, signal)) {
        this.logger.warn({ eventId: r.item.eventId, reason: r.reason }, 'kafka refused a provenance event');
        rejected.push({ event: r.item, reason: r.reason });
      }
    }
    return { rejected };
  }

  /**
   * Creates a topic the first time it is used (idempotent: an existing topic is fine). With
   * topic creation off, returns false when the topic does not exist: producing to it would only
   * be retried forever. A missing topic is looked up again next time (an operator may create it).
   */
  private async ensureTopic(topic: string, signal?: AbortSignal): Promise<boolean> {
    if (this.knownTopics.has(topic)) return true;
    if (this.config.createTopics) {
      try {
        signal?.throwIfAborted();
        this.admin ??= this.kafka.admin();
        await this.admin.connect();
        const created = await this.admin.createTopics({
          waitForLeaders: true,
          timeout: this.config.requestTimeoutMs,
          topics: [
            {
              topic,
              numPartitions: this.config.partitions,
              replicationFactor: this.config.replicationFactor,
            },
          ],
        });
        if (created) this.logger.info({ topic }, 'provenance topic created');
        await this.readRequestLimits([topic]);
      } catch (err) {
        if (signal?.aborted && err === signal.reason) throw err;
        throw toSinkError(err, `creating topic ${topic}`);
      }
    } else {
      try {
        signal?.throwIfAborted();
        this.admin ??= this.kafka.admin();
        await this.admin.connect();
        if (!(await this.admin.listTopics()).includes(topic)) return false;
      } catch (err) {
        if (signal?.aborted && err === signal.reason) throw err;
        throw toSinkError(err, `looking up topic ${topic}`);
      }
    }
    this.knownTopics.add(topic);
    return true;
  }

  async publishDeadLetters(letters: DeadLetter[], signal?: AbortSignal): Promise<{ refused: DeadLetter[] }> {
    const now = Date.now();
    const values = letters.map((letter) => deadLetterValue(letter, this.config.source, now));
    const pending = values.map((value, index) => pendingOf(value, index, deadLetterRecord(value)));
    const refused = await this.produce(this.config.deadLetterTopic, pending, signal);
    // A letter must not be lost for being large: keep its reason, drop the row it carried.
    const slim = refused.map(({ item, index, reason }) => {
      const value = { ...item, row: null, reason: `${item.reason} (row omitted: ${reason})` };
      return pendingOf(value, index, deadLetterRecord(value));
    });
    const refusedAgain = await this.produce(this.config.deadLetterTopic, slim, signal);
    if (refusedAgain.length > 0) {
      this.logger.error(
        { topic: this.config.deadLetterTopic, count: refusedAgain.length, reason: refusedAgain[0]!.reason },
        'the dead-letter topic refused letters even without their rows',
      );
    }
    return {
      refused: refusedAgain.map(({ index, reason }) => ({
        ...letters[index]!,
        reason: `${letters[index]!.reason} (refused by ${this.config.deadLetterTopic}: ${reason})`,
      })),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const clients = [this.producer, this.admin].filter((c) => c !== undefined);
    await Promise.all(clients.map((client) => client.disconnect().catch(() => undefined)));
    this.producer = undefined;
    this.admin = undefined;
    this.logger.info('kafka sink closed');
  }

  private async produce<T>(topic: string, items: Pending<T>[], signal?: AbortSignal): Promise<Rejected<T>[]> {
    this.assertOpen();
    signal?.throwIfAborted();
    if (items.length === 0) return [];
    const rejected: Rejected<T>[] = [];
    try {
      const producer = await this.ensureProducer();
      const partitions = await this.partitionsOf(topic, signal);
      const byPartition = new Map<number, Pending<T>[]>();
      for (const p of items) {
        const partition = partitionOfKey(p.record.key, partitions.length);
        const list = byPartition.get(partition);
        if (list) list.push(p);
        else byPartition.set(partition, [p]);
      }
      const results = await Promise.allSettled(
        [...byPartition].map(([partition, list]) =>
          this.producePartition(producer, topic, partition, list, rejected, signal),
        ),
      );
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    } catch (err) {
      this.producerBroken = true;
      this.metadata.delete(topic);
      if (signal?.aborted && err === signal.reason) throw err;
      throw toSinkError(err, `producing to ${topic}`);
    }
    return rejected.sort((a, b) => a.index - b.index);
  }

  private async producePartition<T>(
    producer: Producer,
    topic: string,
    partition: number,
    items: Pending<T>[],
    rejected: Rejected<T>[],
    signal?: AbortSignal,
  ): Promise<void> {
    const limit = Math.min(
      this.config.maxBatchBytes,
      this.requestLimit.get(topic) ?? Number.POSITIVE_INFINITY,
    );
    for (const chunk of chunkByBytes(items, limit, (p) => p.bytes)) {
      signal?.throwIfAborted();
      await this.sendIsolating(producer, topic, partition, chunk, rejected);
    }
  }

  /** Sends a chunk; when the broker refuses records, bisects until the refused ones stand alone. */
  private async sendIsolating<T>(
    producer: Producer,
    topic: string,
    partition: number,
    chunk: Pending<T>[],
    rejected: Rejected<T>[],
  ): Promise<void> {
    try {
      await producer.send({
        topic,
        acks: -1,
        // The broker's wait for in-sync replicas; shorter than the client's request timeout so
        // that the broker's answer, not a client timeout, ends a slow request.
        timeout: Math.max(500, Math.floor(this.config.requestTimeoutMs * 0.8)),
        messages: chunk.map(({ record }) => ({
          key: record.key,
          value: record.value,
          headers: record.headers,
          partition,
        })),
      });
    } catch (err) {
      if (classifyKafkaError(err) !== 'record') throw err;
      if (chunk.length === 1) {
        const reason = `${protocolErrorType(err)}: ${err instanceof Error ? err.message : String(err)}`;
        rejected.push({ item: chunk[0]!.item, index: chunk[0]!.index, reason });
        return;
      }
      const middle = Math.ceil(chunk.length / 2);
      await this.sendIsolating(producer, topic, partition, chunk.slice(0, middle), rejected);
      await this.sendIsolating(producer, topic, partition, chunk.slice(middle), rejected);
    }
  }

  private async ensureProducer(): Promise<Producer> {
    if (this.producer && !this.producerBroken) return this.producer;
    if (this.producer) {
      this.logger.info('opening a fresh kafka producer after a failure');
      await this.producer.disconnect().catch(() => undefined);
      this.producer = undefined;
    }
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Every message names its partition (chosen above, by key): kafkajs' default partitioner
      // would only return it, after copying the partition list once per message.
      createPartitioner: PARTITION_AS_GIVEN,
      retry: { retries: this.config.retries ?? 5, initialRetryTime: 100, maxRetryTime: 10_000 },
    });
    await producer.connect();
    this.producer = producer;
    this.producerBroken = false;
    return producer;
  }

  /**
   * The broker refuses a record batch above the topic's max.message.bytes (1 MiB by default), and
   * every produce request here is one batch of one partition. Requests larger than that were
   * refused whole and bisected down, costing several round trips each for a big epoch. Where the
   * limit cannot be read (no DescribeConfigs right), maxBatchBytes alone applies.
   */
  private async readRequestLimits(topics: string[]): Promise<void> {
    try {
      const { resources } = await this.admin!.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['max.message.bytes'],
        })),
      });
      for (const r of resources) {
        const value = Number(r.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
        if (Number.isSafeInteger(value) && value > 0)
          this.requestLimit.set(r.resourceName, Math.max(1, value - BATCH_HEADROOM_BYTES));
      }
    } catch (err) {
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        "cannot read the topics' max.message.bytes; produce requests are bounded by maxBatchBytes only",
      );
    }
  }

  private async partitionsOf(topic: string, signal?: AbortSignal): Promise<PartitionMetadata[]> {
    const cached = this.metadata.get(topic);
    if (cached && Date.now() - cached.fetchedAtMs < METADATA_MAX_AGE_MS) return cached.partitions;
    signal?.throwIfAborted();
    this.admin ??= this.kafka.admin();
    await this.admin.connect();
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
    if (partitions.length === 0) {
      throw new EpipeError('SINK_KAFKA', `topic ${topic} has no partitions (does it exist?)`, {
        retriable: true,
      });
    }
    // The default partitioner indexes by position, so the array must be ordered by partition id.
    partitions.sort((a, b) => a.partitionId - b.partitionId);
    this.metadata.set(topic, { partitions, fetchedAtMs: Date.now() });
    return partitions;
  }

  private assertOpen(): void {
    if (this.closed) throw new EpipeError('SINK_KAFKA', 'the kafka sink is closed');
  }
}

/** Why provenance events for a topic that does not exist went to the dead-letter topic. */
export function missingTopicReason(topic: string): string {
  return (
    `provenance topic ${topic} does not exist and topic creation is off ` +
    `(kafka.createTopics / EPIPE_KAFKA_CREATE_TOPICS): create the topic or turn creation on`
  );
}

function pendingOf<T>(item: T, index: number, record: OutgoingRecord): Pending<T> {
  return { item, index, record, bytes: estimateRecordBytes(record) };
}
